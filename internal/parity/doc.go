// Package parity holds seqconv's golden parity tests against PyTorch: the
// two reference models (IMDB convnet, Jena conv+GRU) are built with
// seqconv's API, started from the weights in testdata/, and their outputs,
// loss, gradients and weights after 5 RMSprop steps are compared with a
// float64 PyTorch oracle's (tools/torchref/gen_golden.py, which documents
// the fixture format). The package has no API; it exists for its tests.
package parity
