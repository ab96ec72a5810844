package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestActivationValues(t *testing.T) {
	x, _ := tensor.FromData([]float32{-1, 0, 2, 1, 1, 1}, 2, 3)
	e := func(v float64) float32 { return float32(v) }
	s := func(v float64) float32 { return float32(1 / (1 + math.Exp(-v))) }
	z := math.Exp(-1) + 1 + math.Exp(2)
	cases := map[string][]float32{
		"linear":  {-1, 0, 2, 1, 1, 1},
		"relu":    {0, 0, 2, 1, 1, 1},
		"sigmoid": {s(-1), 0.5, s(2), s(1), s(1), s(1)},
		"tanh":    {e(math.Tanh(-1)), 0, e(math.Tanh(2)), e(math.Tanh(1)), e(math.Tanh(1)), e(math.Tanh(1))},
		"softmax": {e(math.Exp(-1) / z), e(1 / z), e(math.Exp(2) / z), e(1.0 / 3), e(1.0 / 3), e(1.0 / 3)},
	}
	for name, want := range cases {
		l := Activation(name)
		buildLayer(t, l, []int{3}, 1)
		y, err := l.Forward(x, false)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, name, y.Data, want, 1e-6)
		if l.Config()["activation"] != name {
			t.Errorf("config %v", l.Config())
		}
		roundTrip(t, l)
	}
	if err := Activation("swish").Build([]int{3}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("unknown activation accepted")
	}
}

func TestActivationGradCheck(t *testing.T) {
	for _, name := range []string{"linear", "relu", "sigmoid", "tanh", "softmax"} {
		l := Activation(name)
		buildLayer(t, l, []int{4, 5}, 1)
		// Values at least 0.1 from ReLU's kink.
		x := randTensor(rand.New(rand.NewPCG(3, 3)), 0.1, 1.5, 2, 4, 5)
		for i := range x.Data {
			if i%3 == 0 {
				x.Data[i] = -x.Data[i]
			}
		}
		gradCheck(t, l, x, true, false, 1e-2, nil)
	}
}
