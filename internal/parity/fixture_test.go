package parity

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/seqconv/seqconv/tensor"
)

// fixture is one golden file pair written by tools/torchref/gen_golden.py:
// <name>.json (manifest) and <name>.bin (little-endian raw tensors).
type fixture struct {
	name     string
	manifest manifest
	data     []byte
}

type manifest struct {
	Format  string `json:"format"`
	Model   string `json:"model"`
	Tensors []struct {
		Name   string `json:"name"`
		DType  string `json:"dtype"`
		Shape  []int  `json:"shape"`
		Offset int    `json:"offset"`
		NBytes int    `json:"nbytes"`
	} `json:"tensors"`
	Params []struct {
		Layer  string `json:"layer"`
		Weight string `json:"weight"`
		Shape  []int  `json:"shape"`
	} `json:"params"`
	Loss       float64   `json:"loss"`
	StepLosses []float64 `json:"step_losses"`
	RMSprop    struct {
		LearningRate float64 `json:"learning_rate"`
		Rho          float64 `json:"rho"`
		Epsilon      float64 `json:"epsilon"`
		Steps        int     `json:"steps"`
	} `json:"rmsprop"`
}

// loadFixture reads testdata/<name>.json and testdata/<name>.bin and checks
// that every tensor lies inside the binary file and fills its shape.
func loadFixture(name string) (*fixture, error) {
	js := filepath.Join("testdata", name+".json")
	raw, err := os.ReadFile(js)
	if err != nil {
		return nil, err
	}
	f := &fixture{name: name}
	if err := json.Unmarshal(raw, &f.manifest); err != nil {
		return nil, fmt.Errorf("%s: %w", js, err)
	}
	if f.manifest.Format != "seqconv-golden-v1" {
		return nil, fmt.Errorf("%s: format %q, want seqconv-golden-v1", js, f.manifest.Format)
	}
	bin := filepath.Join("testdata", name+".bin")
	if f.data, err = os.ReadFile(bin); err != nil {
		return nil, err
	}
	for _, t := range f.manifest.Tensors {
		if t.DType != "float32" && t.DType != "int32" {
			return nil, fmt.Errorf("%s: tensor %s has dtype %q, want float32 or int32", js, t.Name, t.DType)
		}
		if t.NBytes != 4*tensor.Size(t.Shape) || t.Offset < 0 || t.Offset+t.NBytes > len(f.data) {
			return nil, fmt.Errorf("%s: tensor %s (shape %v, %d bytes at %d) does not fit %s (%d bytes)",
				js, t.Name, t.Shape, t.NBytes, t.Offset, bin, len(f.data))
		}
	}
	return f, nil
}

// raw returns the bytes, shape and dtype of a named tensor.
func (f *fixture) raw(name string) ([]byte, []int, string, error) {
	for _, t := range f.manifest.Tensors {
		if t.Name == name {
			return f.data[t.Offset : t.Offset+t.NBytes], t.Shape, t.DType, nil
		}
	}
	return nil, nil, "", fmt.Errorf("%s fixture has no tensor %q", f.name, name)
}

// float returns a float32 tensor of the fixture.
func (f *fixture) float(name string) (*tensor.Tensor, error) {
	b, shape, dt, err := f.raw(name)
	if err != nil {
		return nil, err
	}
	if dt != "float32" {
		return nil, fmt.Errorf("%s fixture: tensor %q is %s, want float32", f.name, name, dt)
	}
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return t, nil
}

// int32s returns an int32 tensor of the fixture.
func (f *fixture) int32s(name string) (*tensor.Int32, error) {
	b, shape, dt, err := f.raw(name)
	if err != nil {
		return nil, err
	}
	if dt != "int32" {
		return nil, fmt.Errorf("%s fixture: tensor %q is %s, want int32", f.name, name, dt)
	}
	t := tensor.NewInt32(shape...)
	for i := range t.Data {
		t.Data[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return t, nil
}
