// Package bench holds the workloads of seqconv's side-by-side benchmark
// against PyTorch: the two reference models, the five timed cases
// (IMDB and Jena train step and inference at batch 128, one IMDB epoch),
// their analytic FLOP counts, a synthetic Jena CSV in the original format for
// the data-path timing (the arithmetic floor uses the FMA peak measured by
// internal/kernels.FMAPeak).
//
// The driver is bench/cmd/peers, run by bench/peers.sh; it times these cases
// in this process and the same cases in a PyTorch server (bench/peers.py),
// alternating the two. The same cases are `go test -bench` benchmarks here.
package bench
