// Package ortcheck runs models exported by export/onnx in ONNX Runtime and
// compares their outputs with seqconv's own Forward. It holds only tests:
// ONNX Runtime is reached through cgo, which the library itself avoids.
//
// The tests look for libonnxruntime.so.1 in $SEQCONV_ORT_LIB, then in the
// cache that export/onnx/testdata/install_ort.sh fills, and skip when
// neither has it.
package ortcheck
