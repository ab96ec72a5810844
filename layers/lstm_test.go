package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestLSTMGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 2))
	for _, c := range []struct {
		name  string
		opts  []Option
		train bool
	}{
		{"last", nil, false},
		{"seq", []Option{WithReturnSequences(true)}, false},
		{"no_bias", []Option{WithUseBias(false)}, false},
		{"dropout", []Option{WithDropout(0.3), WithReturnSequences(true)}, true},
		{"recurrent_dropout", []Option{WithDropout(0.2), WithRecurrentDropout(0.4)}, true},
		{"go_backwards", []Option{WithGoBackwards(true)}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := LSTM(3, c.opts...)
			reseed := buildRNN(t, l, -1, 2)
			x := randTensor(rng, -1, 1, 2, 5, 2)
			gradCheck(t, l, x, c.train, false, 2e-2, reseed)
		})
	}
}

// TestLSTMExactValues compares a one-unit LSTM with hand-set weights against
// Keras's equations evaluated in float64.
func TestLSTMExactValues(t *testing.T) {
	l := LSTM(1, WithReturnSequences(true))
	if err := l.Build([]int{3, 1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	if b := l.bias.Value.Data; b[0] != 0 || b[1] != 1 || b[2] != 0 || b[3] != 0 {
		t.Fatalf("initial bias %v, want [0 1 0 0] (unit_forget_bias)", b)
	}
	W := []float64{0.5, -0.4, 0.3, 0.8}  // i f c o
	U := []float64{0.2, 0.6, -0.7, 0.1}  // i f c o
	bb := []float64{0.1, 1.0, -0.2, 0.3} // i f c o
	for k := 0; k < 4; k++ {
		l.kernel.Value.Data[k] = float32(W[k])
		l.recKernel.Value.Data[k] = float32(U[k])
		l.bias.Value.Data[k] = float32(bb[k])
	}
	xs := []float64{1, -0.5, 2}
	x := tensor.New(1, 3, 1)
	for i, v := range xs {
		x.Data[i] = float32(v)
	}
	y, err := l.Forward(x, false)
	if err != nil {
		t.Fatal(err)
	}
	var h, c float64
	for s, xv := range xs {
		pre := func(k int) float64 { return xv*W[k] + h*U[k] + bb[k] }
		i, f, g, o := sig64(pre(0)), sig64(pre(1)), math.Tanh(pre(2)), sig64(pre(3))
		c = f*c + i*g
		h = o * math.Tanh(c)
		if got := float64(y.Data[s]); math.Abs(got-h) > 1e-6 {
			t.Errorf("step %d: got %.8f, want %.8f", s, got, h)
		}
	}
}
