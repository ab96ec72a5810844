package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

// rnnGradCase is a recurrent layer's options for a gradient check, and
// whether it runs in training mode (dropout).
type rnnGradCase struct {
	name  string
	opts  []Option
	train bool
}

// checkRNNGradients gradient-checks newRNN(opts…) of each case on a random
// (batch, steps, features) input drawn from rng.
func checkRNNGradients(t *testing.T, rng *rand.Rand, newRNN func(...Option) Layer, batch, steps, features int, cases []rnnGradCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newRNN(c.opts...)
			reseed := buildRNN(t, l, -1, features)
			x := randTensor(rng, -1, 1, batch, steps, features)
			gradCheck(t, l, x, c.train, false, 2e-2, reseed)
		})
	}
}

func TestLSTMGradients(t *testing.T) {
	lstm := func(opts ...Option) Layer { return LSTM(3, opts...) }
	checkRNNGradients(t, rand.New(rand.NewPCG(3, 2)), lstm, 2, 5, 2, []rnnGradCase{
		{"last", nil, false},
		{"seq", []Option{WithReturnSequences(true)}, false},
		{"no_bias", []Option{WithUseBias(false)}, false},
		{"dropout", []Option{WithDropout(0.3), WithReturnSequences(true)}, true},
		{"recurrent_dropout", []Option{WithDropout(0.2), WithRecurrentDropout(0.4)}, true},
		{"go_backwards", []Option{WithGoBackwards(true)}, false},
		{"go_backwards/dropout", []Option{WithGoBackwards(true), WithDropout(0.3)}, true},
	})
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

// refMask returns mask k of m (shape (n, B, w)) for sample b as float64,
// all ones when m has no masks, the only mask when it has one.
func refMask(m *tensor.Tensor, k, b, w int) []float64 {
	out := make([]float64, w)
	for j := range out {
		out[j] = 1
	}
	if len(m.Shape) == 0 || m.Shape[0] == 0 {
		return out
	}
	if m.Shape[0] == 1 {
		k = 0
	}
	B := m.Shape[1]
	for j := range out {
		out[j] = float64(m.Data[(k*B+b)*w+j])
	}
	return out
}

// TestRecurrentMaskedForwardReference checks training-mode outputs against
// Keras 3's equations written out in float64, with the masks the layer
// drew: each gate's input and state copies get their own masks under
// recurrent dropout ("implementation 1").
func TestRecurrentMaskedForwardReference(t *testing.T) {
	const B, T, F, u = 3, 4, 3, 2
	x := randTensor(rand.New(rand.NewPCG(6, 6)), -1, 1, B, T, F)
	dot := func(v []float64, w []float32, ld, col int) float64 {
		s := 0.0
		for k := range v {
			s += v[k] * float64(w[k*ld+col])
		}
		return s
	}
	mul := func(a, m []float64) []float64 {
		out := make([]float64, len(a))
		for i := range a {
			out[i] = a[i] * m[i]
		}
		return out
	}
	for _, c := range []struct {
		name string
		l    Layer
	}{
		{"gru", GRU(u, WithDropout(0.3), WithRecurrentDropout(0.4), WithReturnSequences(true))},
		{"gru/reset_before", GRU(u, WithResetAfter(false), WithDropout(0.3), WithRecurrentDropout(0.4), WithReturnSequences(true))},
		{"gru/input_dropout_only", GRU(u, WithDropout(0.5), WithReturnSequences(true))},
		{"lstm", LSTM(u, WithDropout(0.3), WithRecurrentDropout(0.4), WithReturnSequences(true))},
	} {
		buildRNN(t, c.l, -1, F)
		y, err := c.l.Forward(x, true)
		if err != nil {
			t.Fatal(err)
		}
		bb := c.l.(recurrentLayer).base()
		W, U, bias := bb.kernel.Value.Data, bb.recKernel.Value.Data, bb.bias.Value.Data
		G := bb.gates
		for s := 0; s < B; s++ {
			h, cs := make([]float64, u), make([]float64, u)
			for st := 0; st < T; st++ {
				xv := make([]float64, F)
				for f := range xv {
					xv[f] = float64(x.Data[(s*T+st)*F+f])
				}
				xg := func(g, j int) float64 { // masked input projection + input bias
					return dot(mul(xv, refMask(&bb.mx, g, s, F)), W, G*u, g*u+j) + float64(bias[g*u+j])
				}
				hg := func(g int) []float64 { return mul(h, refMask(&bb.mh, g, s, u)) }
				nh := make([]float64, u)
				if G == 3 {
					resetAfter := c.l.(*GRULayer).resetAfter
					rb := func(g, j int) float64 { // recurrent bias (reset_after)
						if resetAfter {
							return float64(bias[3*u+g*u+j])
						}
						return 0
					}
					r := make([]float64, u)
					for j := range r {
						r[j] = sig64(xg(1, j) + dot(hg(1), U, G*u, u+j) + rb(1, j))
					}
					for j := 0; j < u; j++ {
						z := sig64(xg(0, j) + dot(hg(0), U, G*u, j) + rb(0, j))
						var hh float64
						if resetAfter {
							hh = math.Tanh(xg(2, j) + r[j]*(dot(hg(2), U, G*u, 2*u+j)+rb(2, j)))
						} else {
							hh = math.Tanh(xg(2, j) + dot(mul(r, hg(2)), U, G*u, 2*u+j))
						}
						nh[j] = z*h[j] + (1-z)*hh
					}
				} else {
					for j := 0; j < u; j++ {
						pre := func(g int) float64 { return xg(g, j) + dot(hg(g), U, G*u, g*u+j) }
						i, f, g, o := sig64(pre(0)), sig64(pre(1)), math.Tanh(pre(2)), sig64(pre(3))
						cs[j] = f*cs[j] + i*g
						nh[j] = o * math.Tanh(cs[j])
					}
				}
				h = nh
				for j := 0; j < u; j++ {
					if got := float64(y.Data[(s*T+st)*u+j]); math.Abs(got-h[j]) > 1e-5 {
						t.Errorf("%s sample %d step %d unit %d: %.7f, want %.7f", c.name, s, st, j, got, h[j])
					}
				}
			}
		}
	}
}
