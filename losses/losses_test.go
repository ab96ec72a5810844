package losses

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func randTensor(rng *rand.Rand, lo, hi float64, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return t
}

// fdCheck compares grad with central differences of l at pred (in float64
// via float32 perturbations of step h).
func fdCheck(t *testing.T, l Loss, pred, target *tensor.Tensor) {
	t.Helper()
	grad := tensor.New()
	if _, err := l.Compute(pred, target, grad); err != nil {
		t.Fatal(err)
	}
	for i := range pred.Data {
		v := pred.Data[i]
		h := float32(1e-3) * (1 + float32(math.Abs(float64(v))))
		pred.Data[i] = v + h
		up, _ := l.Compute(pred, target, nil)
		hp := pred.Data[i] - v
		pred.Data[i] = v - h
		dn, _ := l.Compute(pred, target, nil)
		hm := v - pred.Data[i]
		pred.Data[i] = v
		num := (up - dn) / float64(hp+hm)
		ana := float64(grad.Data[i])
		if math.Abs(num-ana) > 2e-3*math.Max(1, math.Abs(num))+1e-4 {
			t.Errorf("%s %v: ∂/∂pred[%d] = %.6g, finite difference %.6g", l.Name(), l.Config(), i, ana, num)
		}
	}
}

func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	bin := tensor.New(6, 1)
	for i := range bin.Data {
		bin.Data[i] = float32(i % 2)
	}
	reg := randTensor(rng, -2, 2, 6, 2)
	fdCheck(t, BinaryCrossentropy{FromLogits: true}, randTensor(rng, -3, 3, 6, 1), bin)
	fdCheck(t, BinaryCrossentropy{}, randTensor(rng, 0.05, 0.95, 6, 1), bin)
	fdCheck(t, MeanSquaredError{}, randTensor(rng, -2, 2, 6, 2), reg)
	// MAE: keep |p−y| well away from 0 so the kink is not crossed.
	p := reg.Clone()
	for i := range p.Data {
		p.Data[i] += float32(0.5 + rng.Float64())
		if i%2 == 0 {
			p.Data[i] -= 3
		}
	}
	fdCheck(t, MeanAbsoluteError{}, p, reg)
	cls := tensor.New(5)
	for i := range cls.Data {
		cls.Data[i] = float32(i % 3)
	}
	onehot := tensor.New(5, 3)
	for i := range 5 {
		onehot.Data[i*3+i%3] = 1
	}
	fdCheck(t, SparseCategoricalCrossentropy{FromLogits: true}, randTensor(rng, -2, 2, 5, 3), cls)
	fdCheck(t, SparseCategoricalCrossentropy{}, randTensor(rng, 0.1, 1, 5, 3), cls)
	fdCheck(t, CategoricalCrossentropy{FromLogits: true}, randTensor(rng, -2, 2, 5, 3), onehot)
	fdCheck(t, CategoricalCrossentropy{}, randTensor(rng, 0.1, 1, 5, 3), onehot)
}

func TestValues(t *testing.T) {
	mk := func(shape []int, v ...float32) *tensor.Tensor {
		x, err := tensor.FromData(v, shape...)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	y := mk([]int{2, 1}, 1, 0)
	cases := []struct {
		l          Loss
		pred, targ *tensor.Tensor
		want       float64
	}{
		{BinaryCrossentropy{FromLogits: true}, mk([]int{2, 1}, 0, 2), y, (math.Log(2) + math.Log1p(math.Exp(2))) / 2},
		{BinaryCrossentropy{}, mk([]int{2, 1}, 0.8, 0.3), y, -(math.Log(0.8) + math.Log(0.7)) / 2},
		// Clipping as Keras: log(1e-7) for a confident wrong answer.
		{BinaryCrossentropy{}, mk([]int{2, 1}, 0, 0), y, -math.Log(Epsilon) / 2},
		{MeanSquaredError{}, mk([]int{2, 1}, 3, -1), y, (4 + 1) / 2.0},
		{MeanAbsoluteError{}, mk([]int{2, 1}, 3, -1), y, (2 + 1) / 2.0},
		{SparseCategoricalCrossentropy{FromLogits: true}, mk([]int{1, 2}, 0, 0), mk([]int{1}, 1), math.Log(2)},
		{SparseCategoricalCrossentropy{}, mk([]int{1, 3}, 0.2, 0.2, 0.6), mk([]int{1, 1}, 2), -math.Log(0.6)},
		{CategoricalCrossentropy{}, mk([]int{1, 2}, 1, 3), mk([]int{1, 2}, 0, 1), -math.Log(0.75)},
	}
	for _, c := range cases {
		got, err := c.l.Compute(c.pred, c.targ, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.l.Name(), err)
		}
		if math.Abs(got-c.want) > 1e-6*math.Max(1, c.want) {
			t.Errorf("%s %v on %v: %v, want %v", c.l.Name(), c.l.Config(), c.pred.Data, got, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := (MeanSquaredError{}).Compute(tensor.New(2, 1), tensor.New(3, 1), nil); err == nil {
		t.Error("shape mismatch accepted")
	}
	bad, _ := tensor.FromData([]float32{3}, 1)
	if _, err := (SparseCategoricalCrossentropy{}).Compute(tensor.New(1, 3), bad, nil); err == nil {
		t.Error("class index 3 of 3 classes accepted")
	}
	if _, err := FromConfig("hinge", nil); err == nil {
		t.Error("unknown loss accepted")
	}
	l, err := FromConfig("binary_crossentropy", map[string]any{"from_logits": true})
	if err != nil || l != (BinaryCrossentropy{FromLogits: true}) {
		t.Errorf("FromConfig = %v, %v", l, err)
	}
}

func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	pred := randTensor(rng, -2, 2, 16, 10)
	cls := tensor.New(16)
	for i := range cls.Data {
		cls.Data[i] = float32(i % 10)
	}
	bin := randTensor(rng, 0, 1, 16, 10)
	grad := tensor.New(16, 10)
	for _, c := range []struct {
		l Loss
		y *tensor.Tensor
	}{
		{SparseCategoricalCrossentropy{FromLogits: true}, cls},
		{CategoricalCrossentropy{}, bin},
		{BinaryCrossentropy{FromLogits: true}, bin},
		{MeanAbsoluteError{}, bin},
	} {
		p := pred
		if c.l.Name() == "categorical_crossentropy" {
			p = bin
		}
		if n := testing.AllocsPerRun(10, func() { _, _ = c.l.Compute(p, c.y, grad) }); n != 0 {
			t.Errorf("%s: %v allocations per call", c.l.Name(), n)
		}
	}
}
