package onnx

import (
	"fmt"
	"os"

	"github.com/seqconv/seqconv/model"
)

// MarshalModel returns the ONNX model of the built Sequential m (see
// Marshal).
func MarshalModel(m *model.Sequential) ([]byte, error) {
	if !m.Built() {
		return nil, fmt.Errorf("onnx: model %s is not built (call Build, Fit or Load first)", m.Name())
	}
	return Marshal(m.InputShape(), m.Layers())
}

// WriteModelFile writes the ONNX model of the built Sequential m to path.
func WriteModelFile(path string, m *model.Sequential) error {
	data, err := MarshalModel(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	return nil
}
