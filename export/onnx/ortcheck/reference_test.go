//go:build cgo

package ortcheck

import (
	"testing"

	"github.com/seqconv/seqconv/layers"
)

// TestIMDB checks the IMDB reference convnet at its full size.
func TestIMDB(t *testing.T) {
	in := []int{500}
	ls := build(t, in,
		layers.Embedding(10000, 128),
		layers.Conv1D(32, 7, layers.WithActivation("relu")),
		layers.MaxPooling1D(5),
		layers.Conv1D(32, 7, layers.WithActivation("relu")),
		layers.GlobalMaxPooling1D(),
		layers.Dense(1),
	)
	check(t, in, ls, randomIDs(1, 10000, 4, 500), true)
}

// TestJena checks the Jena reference conv+GRU model at its full size.
func TestJena(t *testing.T) {
	in := []int{480, 14}
	ls := build(t, in,
		layers.Conv1D(32, 5, layers.WithActivation("relu")),
		layers.MaxPooling1D(3),
		layers.Conv1D(32, 5, layers.WithActivation("relu")),
		layers.GRU(32, layers.WithDropout(0.1), layers.WithRecurrentDropout(0.5)),
		layers.Dense(1),
	)
	check(t, in, ls, randomInput(2, 3, 480, 14), false)
}
