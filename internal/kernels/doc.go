// Package kernels holds seqconv's hot numeric loops: single-precision GEMM
// and the elementwise, reduction and pooling kernels the layers need.
//
// Every kernel has a plain-Go reference implementation (ref.go, the Ref*
// functions) that is the specification: tests compare the optimised paths
// against it, and it is what non-amd64 builds and the noasm build tag run.
// On amd64 the exported entry points dispatch at run time to AVX-512 or
// AVX2+FMA assembly according to the CPU's features.
//
// Conventions: matrices are row-major with an explicit leading dimension
// (the distance between the starts of consecutive rows, ≥ the row length).
// Output slices must not alias inputs unless a function says otherwise.
package kernels
