package model

import (
	"context"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

func TestSnakeCase(t *testing.T) {
	for class, want := range map[string]string{
		"Conv1D": "conv1d", "MaxPooling1D": "max_pooling1d", "GlobalMaxPooling1D": "global_max_pooling1d",
		"GRU": "gru", "SimpleRNN": "simple_rnn", "Embedding": "embedding", "Dense": "dense",
		"SpatialDropout1D": "spatial_dropout1d", "Bidirectional": "bidirectional", "LSTM": "lstm",
	} {
		if got := snakeCase(class); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", class, got, want)
		}
	}
}

func TestNamesAndSummaryTruncation(t *testing.T) {
	a, b, c := newLinear(4, "relu"), newLinear(4, "relu"), newLinear(1, "linear")
	c.SetName("a_rather_long_name_for_a_layer")
	m := NewSequential(a, b, c)
	var sb strings.Builder
	if err := m.Summary(&sb); err == nil {
		t.Error("Summary without an input shape succeeded")
	}
	if err := m.Build(3); err != nil {
		t.Fatal(err)
	}
	if a.Name() != "test_linear" || b.Name() != "test_linear_1" {
		t.Errorf("names %q %q, want test_linear test_linear_1", a.Name(), b.Name())
	}
	sb.Reset()
	if err := m.Summary(&sb); err != nil {
		t.Fatal(err)
	}
	// Keras cuts a field at its column end and blanks the last character.
	want := `Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
test_linear (TestLinear)     (None, 4)                 16
_________________________________________________________________
test_linear_1 (TestLinear)   (None, 4)                 20
_________________________________________________________________
a_rather_long_name_for_a_lay (None, 1)                 5
=================================================================
Total params: 41
Trainable params: 41
Non-trainable params: 0
_________________________________________________________________
`
	if sb.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", sb.String(), want)
	}
	if got := commas(1315937); got != "1,315,937" {
		t.Errorf("commas = %q", got)
	}
	if got := commas(937); got != "937" {
		t.Errorf("commas = %q", got)
	}
	dup := NewSequential(newLinear(1, ""), newLinear(1, ""))
	dup.layers[0].SetName("x")
	dup.layers[1].SetName("x")
	if err := dup.Build(1); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestInputErrors(t *testing.T) {
	m := smallModel(1)
	x, y := separable(8, 1)
	if _, err := m.Fit(context.Background(), x, y, FitConfig{}); err == nil || !strings.Contains(err.Error(), "Compile") {
		t.Errorf("Fit before Compile: %v", err)
	}
	if err := m.Compile(optimizers.NewSGD(optimizers.SGDConfig{}), losses.MeanSquaredError{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(context.Background(), x, tensor.New(7), FitConfig{}); err == nil || !strings.Contains(err.Error(), "8 inputs but 7 targets") {
		t.Errorf("mismatched targets: %v", err)
	}
	if _, err := m.Fit(context.Background(), x, y, FitConfig{ValidationSplit: 1.5}); err == nil {
		t.Error("validation split 1.5 accepted")
	}
	if _, err := m.Predict(context.Background(), tensor.New(3, 5), 2); err == nil || !strings.Contains(err.Error(), "(batch, 2)") {
		t.Errorf("wrong input width: %v", err)
	}
}

// TestResumeWithDropout: the model's random generator (dropout masks) is
// saved, so resuming a GRU with dropout is bit-identical too.
func TestResumeWithDropout(t *testing.T) {
	x := tensor.New(24, 5, 3)
	y := tensor.New(24)
	for i := range x.Data {
		x.Data[i] = float32((i*7)%11)/11 - 0.5
	}
	for i := range y.Data {
		y.Data[i] = float32(i%5) / 5
	}
	mk := func() *Sequential {
		m := NewSequential(
			layers.GRU(4, layers.WithDropout(0.3), layers.WithRecurrentDropout(0.3), layers.WithInputShape(5, 3)),
			layers.Dense(1),
		)
		m.SetSeed(2)
		if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.MeanAbsoluteError{}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	checkResume(t, "GRU", mk, x, y, FitConfig{BatchSize: 8, Seed: 1})
}
