package keras

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/model"
	"github.com/seqconv/seqconv/tensor"
)

// TestSequentialRoundTrip exports the IMDB reference architecture (at a
// smaller vocabulary) from a model.Sequential and imports it back.
func TestSequentialRoundTrip(t *testing.T) {
	m := model.NewSequential(
		layers.Embedding(300, 16),
		layers.Conv1D(8, 7, layers.WithActivation("relu")),
		layers.MaxPooling1D(5),
		layers.Conv1D(8, 7, layers.WithActivation("relu")),
		layers.GlobalMaxPooling1D(),
		layers.Dense(1),
	)
	m.SetSeed(9)
	if err := m.Build(60); err != nil {
		t.Fatal(err)
	}
	// Make the zero-initialized biases count.
	ws := m.Weights()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, w := range ws {
		for i := range w.Data {
			w.Data[i] += float32(rng.Float64()*0.1 - 0.05)
		}
	}
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := ExportSequential(dir, m); err != nil {
		t.Fatal(err)
	}
	back, err := ImportSequential(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Name() != m.Name() || !tensor.SameShape(back.InputShape(), []int{60}) {
		t.Errorf("imported %s %v", back.Name(), back.InputShape())
	}
	x := tensor.New(5, 60)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(300))
	}
	want, err := m.Predict(context.Background(), x, 5)
	if err != nil {
		t.Fatal(err)
	}
	want = want.Clone()
	got, err := back.Predict(context.Background(), x, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Data {
		if got.Data[i] != want.Data[i] {
			t.Fatalf("prediction %d = %v after the round trip, want bit-identical %v", i, got.Data[i], want.Data[i])
		}
	}
	if _, err := FromSequential(model.NewSequential(layers.Dense(1))); err == nil {
		t.Error("unbuilt model accepted")
	}
}
