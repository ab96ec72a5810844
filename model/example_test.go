package model_test

import (
	"context"
	"fmt"
	"os"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/model"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

func ExampleSequential_Summary() {
	m := model.NewSequential(
		layers.Dense(16, layers.WithActivation("relu"), layers.WithInputShape(10)),
		layers.Dense(16, layers.WithActivation("relu")),
		layers.Dense(1),
	)
	if err := m.Build(); err != nil {
		fmt.Println(err)
		return
	}
	m.Summary(os.Stdout)
	// Output:
	// Model: "sequential"
	// _________________________________________________________________
	// Layer (type)                 Output Shape              Param #
	// =================================================================
	// dense (Dense)                (None, 16)                176
	// _________________________________________________________________
	// dense_1 (Dense)              (None, 16)                272
	// _________________________________________________________________
	// dense_2 (Dense)              (None, 1)                 17
	// =================================================================
	// Total params: 465
	// Trainable params: 465
	// Non-trainable params: 0
	// _________________________________________________________________
}

// ExampleSequential_Fit trains a small classifier on the logical OR of two
// inputs and prints its predictions (logits, since the last layer is linear).
func ExampleSequential_Fit() {
	x, _ := tensor.FromData([]float32{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	y, _ := tensor.FromData([]float32{0, 1, 1, 1}, 4)
	m := model.NewSequential(layers.Dense(1, layers.WithInputShape(2)))
	m.SetSeed(1)
	opt := optimizers.NewAdam(optimizers.AdamConfig{LearningRate: 0.1})
	if err := m.Compile(opt, losses.BinaryCrossentropy{FromLogits: true}, metrics.NewAccuracy()); err != nil {
		fmt.Println(err)
		return
	}
	hist, err := m.Fit(context.Background(), x, y, model.FitConfig{Epochs: 200, BatchSize: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("final accuracy: %.2f\n", hist.Values["accuracy"][199])
	p, _ := m.Predict(context.Background(), x, 4)
	for i, v := range p.Data {
		fmt.Printf("%v OR %v → %v\n", x.Data[2*i], x.Data[2*i+1], v > 0)
	}
	// Output:
	// final accuracy: 1.00
	// 0 OR 0 → false
	// 0 OR 1 → true
	// 1 OR 0 → true
	// 1 OR 1 → true
}

// ExampleLoad saves a model and loads it back.
func ExampleLoad() {
	m := model.NewSequential(layers.Dense(3, layers.WithInputShape(4)), layers.Dense(1))
	if err := m.Build(); err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := dir + "/model.seqconv"
	if err := m.Save(path); err != nil {
		fmt.Println(err)
		return
	}
	back, err := model.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.CountParams(), back.Layers()[0].Name(), back.Layers()[1].Name())
	// Output: 19 dense dense_1
}

// The reference IMDB convnet: the layers are named as tf.keras 2.x names
// them.
func ExampleIMDBConvNet() {
	m := model.IMDBConvNet(10000, 500)
	if err := m.Summary(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Model: "sequential"
	// _________________________________________________________________
	// Layer (type)                 Output Shape              Param #
	// =================================================================
	// embedding (Embedding)        (None, 500, 128)          1280000
	// _________________________________________________________________
	// conv1d (Conv1D)              (None, 494, 32)           28704
	// _________________________________________________________________
	// max_pooling1d (MaxPooling1D) (None, 98, 32)            0
	// _________________________________________________________________
	// conv1d_1 (Conv1D)            (None, 92, 32)            7200
	// _________________________________________________________________
	// global_max_pooling1d (Global (None, 32)                0
	// _________________________________________________________________
	// dense (Dense)                (None, 1)                 33
	// =================================================================
	// Total params: 1,315,937
	// Trainable params: 1,315,937
	// Non-trainable params: 0
	// _________________________________________________________________
}

// The reference Jena forecaster for 10 days of 30-minute points of the 14
// measurements, compiled as it is trained.
func ExampleJenaConvGRU() {
	m := model.JenaConvGRU(480, 14)
	if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.MeanAbsoluteError{}); err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Build(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.InputShape(), m.OutputShape(), m.CountParams())
	// Output: [480 14] [1] 13793
}
