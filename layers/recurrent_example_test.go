package layers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/tensor"
)

// A GRU reads a batch of sequences of any length and returns its last
// state; with return_sequences it returns the state after every step.
func ExampleGRU() {
	gru := layers.GRU(4, layers.WithReturnSequences(true))
	// -1: the number of time steps may change from batch to batch.
	if err := gru.Build([]int{-1, 3}, rand.New(rand.NewPCG(1, 2))); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range gru.Params() {
		fmt.Println(p.Name, p.Value.Shape)
	}
	for _, steps := range []int{5, 9} {
		x := tensor.New(2, steps, 3) // (batch, timesteps, features)
		y, err := gru.Forward(x, false)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("output", y.Shape)
	}
	// Output:
	// kernel [3 12]
	// recurrent_kernel [4 12]
	// bias [2 12]
	// output [2 5 4]
	// output [2 9 4]
}

// The Jena temperature model: two convolutions shorten the 480-step
// sequence to 154 steps, which a GRU with Keras's dropout settings
// summarises for a one-unit regression head.
func Example_jena() {
	stack := []layers.Layer{
		layers.Conv1D(32, 5, layers.WithActivation("relu"), layers.WithInputShape(480, 14)),
		layers.MaxPooling1D(3),
		layers.Conv1D(32, 5, layers.WithActivation("relu")),
		layers.GRU(32, layers.WithDropout(0.1), layers.WithRecurrentDropout(0.5)),
		layers.Dense(1),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	shape := []int{480, 14}
	total := 0
	for _, l := range stack {
		if err := l.Build(shape, rng); err != nil {
			fmt.Println(err)
			return
		}
		shape = l.OutputShape()
		n := 0
		for _, p := range l.Params() {
			n += p.Value.Len()
		}
		total += n
		fmt.Printf("%-14s %-16s %6d\n", l.ClassName(), tensor.ShapeString(append([]int{-1}, shape...)), n)
	}
	fmt.Println("total params:", total)
	// Output:
	// Conv1D         (None, 476, 32)    2272
	// MaxPooling1D   (None, 158, 32)       0
	// Conv1D         (None, 154, 32)    5152
	// GRU            (None, 32)         6336
	// Dense          (None, 1)            33
	// total params: 13793
}

// Bidirectional runs a copy of the layer over the reversed sequence and, by
// default, concatenates the two outputs.
func ExampleBidirectional() {
	bi := layers.Bidirectional(layers.LSTM(8, layers.WithReturnSequences(true)))
	if err := bi.Build([]int{-1, 5}, rand.New(rand.NewPCG(1, 2))); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("output shape", bi.OutputShape())
	for _, p := range bi.Params() {
		fmt.Println(p.Name, p.Value.Shape)
	}
	// Output:
	// output shape [-1 16]
	// forward_lstm/kernel [5 32]
	// forward_lstm/recurrent_kernel [8 32]
	// forward_lstm/bias [32]
	// backward_lstm/kernel [5 32]
	// backward_lstm/recurrent_kernel [8 32]
	// backward_lstm/bias [32]
}
