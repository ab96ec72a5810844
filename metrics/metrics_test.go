package metrics

import (
	"math"
	"testing"

	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/tensor"
)

func mk(t *testing.T, shape []int, v ...float32) *tensor.Tensor {
	t.Helper()
	x, err := tensor.FromData(v, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestAccuracy(t *testing.T) {
	y := mk(t, []int{4, 1}, 1, 0, 1, 0)
	probs := mk(t, []int{4, 1}, 0.9, 0.4, 0.3, 0.6)
	logits := mk(t, []int{4, 1}, 2, -1, 0.3, -0.2)

	a := NewAccuracy()
	a.Resolve(losses.BinaryCrossentropy{}, false)
	if err := a.Update(probs, y); err != nil {
		t.Fatal(err)
	}
	if got := a.Result(); got != 0.5 {
		t.Errorf("binary accuracy on probabilities = %v, want 0.5", got)
	}
	// Same batch split over two updates accumulates over samples.
	b := NewAccuracy()
	b.Resolve(losses.BinaryCrossentropy{}, true)
	if b.Threshold() != 0 || b.Kind() != Binary {
		t.Fatalf("resolved for logits: kind %v threshold %v", b.Kind(), b.Threshold())
	}
	_ = b.Update(mk(t, []int{1, 1}, 2), mk(t, []int{1, 1}, 1))
	_ = b.Update(mk(t, []int{3, 1}, logits.Data[1:]...), mk(t, []int{3, 1}, y.Data[1:]...))
	if got := b.Result(); got != 1 {
		t.Errorf("binary accuracy on logits = %v, want 1", got)
	}
	b.Reset()
	if b.Result() != 0 {
		t.Error("Reset did not clear")
	}

	s := NewAccuracy()
	s.Resolve(losses.SparseCategoricalCrossentropy{}, false)
	_ = s.Update(mk(t, []int{3, 3}, 0.1, 0.7, 0.2, 0.5, 0.3, 0.2, 0, 0, 1), mk(t, []int{3}, 1, 2, 2))
	if got := s.Result(); math.Abs(got-2.0/3) > 1e-12 {
		t.Errorf("sparse categorical accuracy = %v, want 2/3", got)
	}
	c := NewCategoricalAccuracy()
	_ = c.Update(mk(t, []int{2, 2}, 0.1, 0.9, 0.8, 0.2), mk(t, []int{2, 2}, 0, 1, 0, 1))
	if got := c.Result(); got != 0.5 {
		t.Errorf("categorical accuracy = %v, want 0.5", got)
	}
	if err := NewBinaryAccuracy(0.5).Update(probs, mk(t, []int{3}, 1, 0, 1)); err == nil {
		t.Error("mismatched shapes accepted")
	}
}

func TestMeanError(t *testing.T) {
	m, err := Get("mae")
	if err != nil {
		t.Fatal(err)
	}
	_ = m.Update(mk(t, []int{2}, 1, -1), mk(t, []int{2}, 0, 1))
	_ = m.Update(mk(t, []int{1}, 4), mk(t, []int{1}, 1))
	if got := m.Result(); got != 2 {
		t.Errorf("mae = %v, want (1+2+3)/3 = 2", got)
	}
	q := NewMSE()
	_ = q.Update(mk(t, []int{2}, 1, -1), mk(t, []int{2}, 0, 1))
	if got := q.Result(); got != 2.5 {
		t.Errorf("mse = %v, want 2.5", got)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	for _, name := range []string{"acc", "accuracy", "binary_accuracy", "sparse_categorical_accuracy", "categorical_accuracy", "mae", "mse"} {
		m, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := m.(Resolver); ok {
			r.Resolve(losses.BinaryCrossentropy{FromLogits: true}, true)
		}
		back, err := FromConfig(m.Config())
		if err != nil {
			t.Fatal(err)
		}
		if back.Name() != name || back.Config()["kind"] != m.Config()["kind"] || back.Config()["threshold"] != m.Config()["threshold"] {
			t.Errorf("%s: round trip gave %v, want %v", name, back.Config(), m.Config())
		}
	}
	if _, err := Get("auc"); err == nil {
		t.Error("unknown metric accepted")
	}
}
