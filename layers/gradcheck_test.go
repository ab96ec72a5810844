package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

// gradCheck compares a built layer's Backward against central finite
// differences of the scalar loss L = Σ r·y, where y = Forward(x) and r is a
// fixed random projection. It checks ∂L/∂x (unless skipDx) and every
// Param's gradient on up to maxProbe entries each.
//
// Tolerance: the layers compute in float32, so the finite difference with
// step h carries rounding noise of about ε·|L|/h; with h = 1e-2·(1+|v|) and
// the loss accumulated in float64 the relative error of a correct gradient
// stays well under tol = 2e-2 (callers may pass a tighter tol). A gradient
// component passes when |num−ana| ≤ tol·scale + 1e-3, where scale is the
// largest |gradient| of the tensor (so tiny components are judged relative
// to the tensor, not to themselves). Inputs should keep pre-activations
// away from ReLU/max kinks by more than the step h.
//
// reseed, if not nil, is called before every Forward so that random masks
// (dropout) repeat exactly between the probes.
func gradCheck(t *testing.T, l Layer, x *tensor.Tensor, training, skipDx bool, tol float64, reseed func()) {
	t.Helper()
	const maxProbe = 40
	fwd := func() *tensor.Tensor {
		if reseed != nil {
			reseed()
		}
		y, err := l.Forward(x, training)
		if err != nil {
			t.Fatalf("%s Forward: %v", l.ClassName(), err)
		}
		return y
	}
	y := fwd()
	rng := rand.New(rand.NewPCG(7, 7))
	r := tensor.New(y.Shape...)
	for i := range r.Data {
		r.Data[i] = float32(rng.Float64()*2 - 1)
	}
	loss := func() float64 {
		y := fwd()
		var s float64
		for i, v := range y.Data {
			s += float64(v) * float64(r.Data[i])
		}
		return s
	}
	fwd()
	dx, err := l.Backward(r, !skipDx)
	if err != nil {
		t.Fatalf("%s Backward: %v", l.ClassName(), err)
	}
	type target struct {
		name string
		v    []float32
		g    []float32
	}
	var targets []target
	if !skipDx {
		if dx == nil || !tensor.SameShape(dx.Shape, x.Shape) {
			t.Fatalf("%s Backward: dx shape %v, want %v", l.ClassName(), shapeOf(dx), x.Shape)
		}
		targets = append(targets, target{"input", x.Data, append([]float32(nil), dx.Data...)})
	}
	for _, p := range l.Params() {
		targets = append(targets, target{p.Name, p.Value.Data, append([]float32(nil), p.Grad.Data...)})
	}
	for _, tg := range targets {
		scale := 0.0
		for _, g := range tg.g {
			scale = math.Max(scale, math.Abs(float64(g)))
		}
		probes := rng.Perm(len(tg.v))
		if len(probes) > maxProbe {
			probes = probes[:maxProbe]
		}
		bad := 0
		for _, i := range probes {
			v := tg.v[i]
			h := float32(1e-2 * (1 + math.Abs(float64(v))))
			tg.v[i] = v + h
			lp := loss()
			tg.v[i] = v - h
			lm := loss()
			tg.v[i] = v
			hh := float64((v + h) - (v - h)) // the step actually taken in float32
			num := (lp - lm) / hh
			ana := float64(tg.g[i])
			if math.Abs(num-ana) > tol*scale+1e-3 && bad < 5 {
				t.Errorf("%s %s[%d]: analytic %.6g, numeric %.6g (tensor max |g| %.3g)", l.ClassName(), tg.name, i, ana, num, scale)
				bad++
			}
		}
	}
}

func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}

// randTensor fills a new tensor with uniform values in [lo, hi).
func randTensor(rng *rand.Rand, lo, hi float64, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return x
}
