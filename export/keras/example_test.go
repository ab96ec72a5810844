package keras_test

import (
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/seqconv/seqconv/export/keras"
	"github.com/seqconv/seqconv/layers"
)

// Export a model for Keras and read it back.
func Example() {
	m := &keras.Model{Name: "jena", InputShape: []int{-1, 14}, Layers: []layers.Layer{
		layers.Conv1D(8, 5, layers.WithActivation("relu")),
		layers.GRU(4),
		layers.Dense(1),
	}}
	if err := m.Build(rand.New(rand.NewPCG(1, 2))); err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "seqconv-keras")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if err := keras.Export(dir, m); err != nil { // model.json + weights.npz
		fmt.Println(err)
		return
	}
	back, err := keras.Import(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range back.Weights() {
		fmt.Print(w.Shape, " ")
	}
	fmt.Println()
	// Output: [5 14 8] [8] [8 12] [4 12] [2 12] [4 1] [1]
}
