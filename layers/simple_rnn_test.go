package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestSimpleRNNGradients(t *testing.T) {
	rnn := func(opts ...Option) Layer { return SimpleRNN(3, opts...) }
	checkRNNGradients(t, rand.New(rand.NewPCG(5, 2)), rnn, 3, 4, 4, []rnnGradCase{
		{"last", nil, false},
		{"seq", []Option{WithReturnSequences(true)}, false},
		{"dropout", []Option{WithDropout(0.3), WithRecurrentDropout(0.3), WithReturnSequences(true)}, true},
		{"sigmoid", []Option{WithActivation("sigmoid")}, false},
	})
}

func TestSimpleRNNExactValues(t *testing.T) {
	l := SimpleRNN(1)
	if err := l.Build([]int{-1, 1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	l.kernel.Value.Data[0], l.recKernel.Value.Data[0], l.bias.Value.Data[0] = 0.7, -0.5, 0.1
	x := tensor.New(1, 2, 1)
	x.Data[0], x.Data[1] = 1, 2
	y, err := l.Forward(x, false)
	if err != nil {
		t.Fatal(err)
	}
	h := math.Tanh(0.7 + 0.1)
	h = math.Tanh(0.7*2 - 0.5*h + 0.1)
	if got := float64(y.Data[0]); math.Abs(got-h) > 1e-6 {
		t.Errorf("got %.8f, want %.8f", got, h)
	}
	if s := l.Params(); len(s) != 3 || s[0].Name != "kernel" || s[1].Name != "recurrent_kernel" || s[2].Name != "bias" {
		t.Errorf("params %v, want kernel, recurrent_kernel, bias", s)
	}
}

func TestFlushTiny(t *testing.T) {
	x := []float32{1e-31, -1e-31, 1e-29, -2e-29, 1e-40, 0, 1, -3.5, float32(math.Inf(1))}
	want := []float32{0, 0, 1e-29, -2e-29, 0, 0, 1, -3.5, float32(math.Inf(1))}
	flushTiny(x)
	for i := range x {
		if x[i] != want[i] {
			t.Errorf("flushTiny[%d] = %g, want %g", i, x[i], want[i])
		}
	}
}
