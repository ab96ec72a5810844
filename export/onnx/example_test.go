package onnx_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/seqconv/seqconv/export/onnx"
	"github.com/seqconv/seqconv/layers"
)

// Export a small conv + GRU regressor over sequences of any length with 14
// features per step, as for the Jena temperature task.
func ExampleWriteFile() {
	rng := rand.New(rand.NewPCG(1, 2))
	input := []int{-1, 14}
	model := []layers.Layer{
		layers.Conv1D(8, 3, layers.WithActivation("relu")),
		layers.GRU(4),
		layers.Dense(1),
	}
	shape := input
	for _, l := range model {
		if err := l.Build(shape, rng); err != nil {
			fmt.Println(err)
			return
		}
		shape = l.OutputShape()
	}
	path := filepath.Join(os.TempDir(), "seqconv-example.onnx")
	defer os.Remove(path)
	if err := onnx.WriteFile(path, input, model); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("wrote %s: input %q (batch, time, 14), output %q (batch, 1)\n", filepath.Base(path), onnx.InputName, onnx.OutputName)
	// Output: wrote seqconv-example.onnx: input "input" (batch, time, 14), output "output" (batch, 1)
}
