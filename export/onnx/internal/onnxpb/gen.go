// Package onnxpb holds the Go types generated from ONNX's onnx.proto3 (the
// ONNX IR specification, vendored here unchanged with its Apache-2.0 licence
// header).
package onnxpb

//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto3=github.com/seqconv/seqconv/export/onnx/internal/onnxpb onnx.proto3
