package model_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/model"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

// imdbModel is the reference IMDB convnet.
func imdbModel() *model.Sequential { return model.IMDBConvNet(10000, 500) }

// jenaModel is the reference Jena temperature model.
func jenaModel(steps int) *model.Sequential { return model.JenaConvGRU(steps, 14) }

func summary(t *testing.T, m *model.Sequential) string {
	t.Helper()
	var b strings.Builder
	if err := m.Summary(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestReferenceSummaries(t *testing.T) {
	const imdb = `Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
embedding (Embedding)        (None, 500, 128)          1280000
_________________________________________________________________
conv1d (Conv1D)              (None, 494, 32)           28704
_________________________________________________________________
max_pooling1d (MaxPooling1D) (None, 98, 32)            0
_________________________________________________________________
conv1d_1 (Conv1D)            (None, 92, 32)            7200
_________________________________________________________________
global_max_pooling1d (Global (None, 32)                0
_________________________________________________________________
dense (Dense)                (None, 1)                 33
=================================================================
Total params: 1,315,937
Trainable params: 1,315,937
Non-trainable params: 0
_________________________________________________________________
`
	if got := summary(t, imdbModel()); got != imdb {
		t.Errorf("IMDB summary:\n%s\nwant:\n%s", got, imdb)
	}
	const jena = `Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
conv1d (Conv1D)              (None, 476, 32)           2272
_________________________________________________________________
max_pooling1d (MaxPooling1D) (None, 158, 32)           0
_________________________________________________________________
conv1d_1 (Conv1D)            (None, 154, 32)           5152
_________________________________________________________________
gru (GRU)                    (None, 32)                6336
_________________________________________________________________
dense (Dense)                (None, 1)                 33
=================================================================
Total params: 13,793
Trainable params: 13,793
Non-trainable params: 0
_________________________________________________________________
`
	if got := summary(t, jenaModel(480)); got != jena {
		t.Errorf("Jena summary:\n%s\nwant:\n%s", got, jena)
	}
	// Keras's own Jena model declares input_shape=(None, 14).
	if got := summary(t, jenaModel(-1)); !strings.Contains(got, "conv1d (Conv1D)              (None, None, 32)          2272") || !strings.Contains(got, "Total params: 13,793") {
		t.Errorf("Jena summary with a variable length:\n%s", got)
	}
}

// TestIMDBModelTrains runs the reference IMDB stack on a tiny synthetic
// task (a review is positive when it contains token 7) with a short
// sequence length, checks that it learns, and that a save/load round trip
// predicts bit-identically.
func TestIMDBModelTrains(t *testing.T) {
	const n, steps = 256, 40
	m := model.NewSequential(
		layers.Embedding(50, 8, layers.WithInputLength(steps)),
		layers.Conv1D(8, 3, layers.WithActivation("relu")),
		layers.MaxPooling1D(2),
		layers.Conv1D(8, 3, layers.WithActivation("relu")),
		layers.GlobalMaxPooling1D(),
		layers.Dense(1),
	)
	m.SetSeed(3)
	if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{LearningRate: 1e-2}), losses.BinaryCrossentropy{}, metrics.NewAccuracy().Named("acc")); err != nil {
		t.Fatal(err)
	}
	x, y := tensor.New(n, steps), tensor.New(n)
	seed := uint32(1)
	for i := range n {
		for j := range steps {
			seed = seed*1664525 + 1013904223
			tok := 1 + int(seed>>16)%49
			if tok == 7 {
				tok = 8
			}
			x.Data[i*steps+j] = float32(tok)
		}
		if i%2 == 0 {
			x.Data[i*steps+int(seed>>8)%steps] = 7
			y.Data[i] = 1
		}
	}
	hist, err := m.Fit(context.Background(), x, y, model.FitConfig{Epochs: 12, BatchSize: 32, ValidationSplit: 0.25, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if acc := hist.Values["val_acc"]; acc[len(acc)-1] < 0.9 {
		t.Errorf("validation accuracy %v, want ≥ 0.9", acc)
	}
	path := filepath.Join(t.TempDir(), "imdb.seqconv")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Predict(context.Background(), x, 100)
	b, err := back.Predict(context.Background(), x, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Data {
		if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
			t.Fatalf("prediction %d differs after Load: %v vs %v", i, a.Data[i], b.Data[i])
		}
	}
}

// BenchmarkIMDBTrainStep measures one training step of the reference IMDB
// model (batch 128, length 500, RMSprop, binary cross-entropy on logits).
func BenchmarkIMDBTrainStep(b *testing.B) {
	m := imdbModel()
	if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.BinaryCrossentropy{FromLogits: true}, metrics.NewAccuracy()); err != nil {
		b.Fatal(err)
	}
	x, y := tensor.New(128, 500), tensor.New(128)
	for i := range x.Data {
		x.Data[i] = float32((i * 7919) % 10000)
	}
	for i := range y.Data {
		y.Data[i] = float32(i % 2)
	}
	if _, err := m.TrainOnBatch(x, y); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.TrainOnBatch(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// sineSource yields batches of 14 noisy sine channels; the target is the
// next value of channel 1, as in the Jena task.
type sineSource struct {
	steps, bs int
	t         int
	x, y      *tensor.Tensor
}

func (s *sineSource) Next() (*tensor.Tensor, *tensor.Tensor, error) {
	s.x.Resize(s.bs, s.steps, 14)
	s.y.Resize(s.bs, 1)
	for b := range s.bs {
		s.t += 7
		for k := range s.steps {
			for c := range 14 {
				s.x.Data[(b*s.steps+k)*14+c] = float32(math.Sin(float64(s.t+k)*0.2 + float64(c)))
			}
		}
		s.y.Data[b] = float32(math.Sin(float64(s.t+s.steps)*0.2 + 1))
	}
	return s.x, s.y, nil
}

// TestJenaModelFitSource trains the reference Jena stack (variable-length
// input, GRU with dropout and recurrent dropout) from a generator.
func TestJenaModelFitSource(t *testing.T) {
	m := jenaModel(-1)
	m.SetSeed(1)
	if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.MeanAbsoluteError{}); err != nil {
		t.Fatal(err)
	}
	train := &sineSource{steps: 40, bs: 16, x: tensor.New(), y: tensor.New()}
	val := &sineSource{steps: 40, bs: 16, t: 3, x: tensor.New(), y: tensor.New()}
	var out strings.Builder
	hist, err := m.FitSource(context.Background(), train, model.FitSourceConfig{StepsPerEpoch: 10, Epochs: 4, Validation: val, ValidationSteps: 3, Verbose: 1, Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	l, vl := hist.Values["loss"], hist.Values["val_loss"]
	if len(l) != 4 || len(vl) != 4 || !(l[3] < l[0]) || !(vl[3] < vl[0]) {
		t.Errorf("loss %v, val_loss %v: want both to fall over 4 epochs", l, vl)
	}
	if !strings.Contains(out.String(), "Epoch 4/4\n10/10 [==============================] - ") || !strings.Contains(out.String(), " - val_loss: ") {
		t.Errorf("progress output:\n%s", out.String())
	}
}
