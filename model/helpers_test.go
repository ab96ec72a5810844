package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/tensor"
)

// linear is a test-only fully connected layer on (batch, in) inputs,
// y = act(x·W + b) with act linear or relu, written with plain loops so
// that the model's tests do not depend on the real layers. It can record
// the first input value of every row it sees.
type linear struct {
	name  string
	units int
	act   string
	in    int
	w, b  *layers.Param
	x     *tensor.Tensor
	y, dx *tensor.Tensor

	record            bool
	trainSeen, evSeen []float32
}

func newLinear(units int, act string) *linear {
	return &linear{units: units, act: act, y: tensor.New(), dx: tensor.New()}
}

func (l *linear) Name() string            { return l.name }
func (l *linear) SetName(n string)        { l.name = n }
func (l *linear) ClassName() string       { return "TestLinear" }
func (l *linear) OutputShape() []int      { return []int{l.units} }
func (l *linear) Params() []*layers.Param { return []*layers.Param{l.w, l.b} }
func (l *linear) Config() map[string]any {
	return map[string]any{"name": l.name, "units": l.units, "activation": l.act}
}

func (l *linear) Build(in []int, rng *rand.Rand) error {
	if len(in) != 1 || in[0] <= 0 {
		return fmt.Errorf("TestLinear: input shape %v, want (d,)", in)
	}
	l.in = in[0]
	l.w = layers.NewParam("kernel", l.in, l.units)
	l.b = layers.NewParam("bias", l.units)
	for i := range l.w.Value.Data {
		l.w.Value.Data[i] = float32(rng.Float64()*0.2 - 0.1)
	}
	return nil
}

func (l *linear) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	if len(x.Shape) != 2 || x.Shape[1] != l.in {
		return nil, fmt.Errorf("TestLinear: input %v", x.Shape)
	}
	n := x.Shape[0]
	if l.record {
		for r := range n {
			v := x.Data[r*l.in]
			if training {
				l.trainSeen = append(l.trainSeen, v)
			} else {
				l.evSeen = append(l.evSeen, v)
			}
		}
	}
	l.x = x
	l.y.Resize(n, l.units)
	for r := range n {
		for u := range l.units {
			s := l.b.Value.Data[u]
			for i := range l.in {
				s += x.Data[r*l.in+i] * l.w.Value.Data[i*l.units+u]
			}
			if l.act == "relu" && s < 0 {
				s = 0
			}
			l.y.Data[r*l.units+u] = s
		}
	}
	return l.y, nil
}

func (l *linear) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	n := dy.Shape[0]
	l.w.Grad.Zero()
	l.b.Grad.Zero()
	l.dx.Resize(n, l.in).Zero()
	for r := range n {
		for u := range l.units {
			g := dy.Data[r*l.units+u]
			if l.act == "relu" && l.y.Data[r*l.units+u] <= 0 {
				g = 0
			}
			l.b.Grad.Data[u] += g
			for i := range l.in {
				l.w.Grad.Data[i*l.units+u] += l.x.Data[r*l.in+i] * g
				l.dx.Data[r*l.in+i] += l.w.Value.Data[i*l.units+u] * g
			}
		}
	}
	if !needDx {
		return nil, nil
	}
	return l.dx, nil
}

// separable returns n points in 2-D labelled by the side of the line
// x0 + 2·x1 = 0.3, with a margin so that they are linearly separable.
func separable(n int, seed uint64) (x, y *tensor.Tensor) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x, y = tensor.New(n, 2), tensor.New(n)
	for i := 0; i < n; {
		a, b := rng.Float64()*2-1, rng.Float64()*2-1
		d := a + 2*b - 0.3
		if d > -0.1 && d < 0.1 {
			continue
		}
		x.Data[2*i], x.Data[2*i+1] = float32(a), float32(b)
		if d > 0 {
			y.Data[i] = 1
		}
		i++
	}
	return x, y
}
