package layers

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/tensor"
)

// buildRNN builds l for input (T, F) with a generator whose stream the
// returned reseed function restarts (so dropout masks repeat exactly).
func buildRNN(t *testing.T, l Layer, in ...int) (reseed func()) {
	t.Helper()
	src := rand.NewPCG(3, 4)
	if err := l.Build(in, rand.New(src)); err != nil {
		t.Fatalf("%s Build%v: %v", l.ClassName(), in, err)
	}
	// Perturb the biases so their gradients and paths are exercised.
	rng := rand.New(rand.NewPCG(9, 9))
	for _, p := range l.Params() {
		if strings.HasSuffix(p.Name, "bias") {
			for i := range p.Value.Data {
				p.Value.Data[i] += float32(rng.Float64()*0.4 - 0.2)
			}
		}
	}
	return func() { src.Seed(11, 12) }
}

func TestGRUGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name  string
		opts  []Option
		train bool
	}{
		{"reset_after", nil, false},
		{"reset_after/seq", []Option{WithReturnSequences(true)}, false},
		{"reset_before", []Option{WithResetAfter(false)}, false},
		{"reset_before/seq", []Option{WithResetAfter(false), WithReturnSequences(true)}, false},
		{"no_bias", []Option{WithUseBias(false)}, false},
		{"dropout", []Option{WithDropout(0.3)}, true},
		{"recurrent_dropout", []Option{WithDropout(0.3), WithRecurrentDropout(0.4), WithReturnSequences(true)}, true},
		// The Jena model's form: last output only, whose backward folds
		// the masked operands' gradient into the next step's fused loop.
		{"recurrent_dropout/last", []Option{WithDropout(0.3), WithRecurrentDropout(0.4)}, true},
		{"reset_before/recurrent_dropout", []Option{WithResetAfter(false), WithDropout(0.2), WithRecurrentDropout(0.4)}, true},
		{"go_backwards/seq", []Option{WithGoBackwards(true), WithReturnSequences(true)}, false},
		{"go_backwards/dropout", []Option{WithGoBackwards(true), WithDropout(0.3), WithRecurrentDropout(0.2), WithReturnSequences(true)}, true},
		{"relu", []Option{WithActivation("relu"), WithResetAfter(false)}, false},
		{"hard_sigmoid", []Option{WithRecurrentActivation("hard_sigmoid")}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := GRU(4, c.opts...)
			reseed := buildRNN(t, l, -1, 3)
			if l.act == raRelu {
				// Keep the candidates' pre-activations away from ReLU's
				// kink, where finite differences are meaningless.
				for j := 8; j < 12; j++ {
					l.bias.Value.Data[j] += 2
				}
			}
			x := randTensor(rng, -1, 1, 2, 4, 3)
			gradCheck(t, l, x, c.train, false, 2e-2, reseed)
		})
	}
}

// TestGRUGradientsVectorRows checks the gradients of the Jena model's GRU
// form with 16 units, the smallest width whose row blocks take the
// 16-lane fused kernels (forward and backward).
func TestGRUGradientsVectorRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	l := GRU(16, WithDropout(0.2), WithRecurrentDropout(0.4))
	reseed := buildRNN(t, l, -1, 3)
	x := randTensor(rng, -1, 1, 3, 5, 3)
	gradCheck(t, l, x, true, false, 2e-2, reseed)
}

// TestGRUDropoutChangesOutput checks that the masks are really applied in
// training and not at inference.
func TestGRUDropoutChangesOutput(t *testing.T) {
	l := GRU(3, WithDropout(0.5), WithRecurrentDropout(0.5))
	buildRNN(t, l, 5, 2)
	x := randTensor(rand.New(rand.NewPCG(5, 5)), -1, 1, 4, 5, 2)
	inf1, _ := l.Forward(x, false)
	a := inf1.Clone()
	inf2, _ := l.Forward(x, false)
	if !slices.Equal(a.Data, inf2.Data) {
		t.Fatal("inference output is not deterministic")
	}
	tr, _ := l.Forward(x, true)
	if slices.Equal(a.Data, tr.Data) {
		t.Fatal("training output equals inference output despite dropout")
	}
	if l.nmx != 3 || l.nmh != 3 {
		t.Fatalf("masks in use: %d input, %d recurrent; Keras 3 draws 3 and 3 when recurrent_dropout > 0", l.nmx, l.nmh)
	}
	// seed= fixes the masks whatever the model's generator.
	s1, s2 := GRU(3, WithDropout(0.5), WithSeed(7)), GRU(3, WithDropout(0.5), WithSeed(7))
	for i, l := range []*GRULayer{s1, s2} {
		if err := l.Build([]int{5, 2}, rand.New(rand.NewPCG(uint64(i), 9))); err != nil {
			t.Fatal(err)
		}
		copy(l.kernel.Value.Data, s1.kernel.Value.Data)
		copy(l.recKernel.Value.Data, s1.recKernel.Value.Data)
	}
	y1, _ := s1.Forward(x, true)
	y1c := y1.Clone()
	y2, _ := s2.Forward(x, true)
	if !slices.Equal(y1c.Data, y2.Data) {
		t.Error("two GRUs with seed 7 drew different dropout masks")
	}
	l2 := GRU(3, WithDropout(0.5))
	buildRNN(t, l2, 5, 2)
	if _, err := l2.Forward(x, true); err != nil {
		t.Fatal(err)
	}
	if l2.nmx != 1 || l2.nmh != 0 {
		t.Fatalf("masks in use: %d input, %d recurrent; want 1 shared input mask", l2.nmx, l2.nmh)
	}
}

func sig64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// TestGRUExactValues compares a tiny GRU with hand-set weights against a
// float64 evaluation of Keras's equations written out in the test.
func TestGRUExactValues(t *testing.T) {
	const u, in, T = 2, 2, 2
	W := []float64{ // (in, 3u): columns z1 z2 r1 r2 h1 h2
		0.5, -0.3, 0.2, 0.1, -0.4, 0.6,
		0.1, 0.4, -0.5, 0.3, 0.2, -0.1,
	}
	U := []float64{ // (u, 3u)
		0.3, 0.2, -0.1, 0.4, 0.5, -0.2,
		-0.6, 0.1, 0.2, -0.3, 0.1, 0.7,
	}
	bias := []float64{0.1, -0.2, 0.05, 0.0, 0.3, -0.1, // input row
		-0.05, 0.15, 0.2, -0.1, 0.02, 0.4} // recurrent row
	xs := [][]float64{{1.0, -2.0}, {0.5, 0.25}}
	for _, resetAfter := range []bool{true, false} {
		l := GRU(u, WithResetAfter(resetAfter), WithReturnSequences(true))
		if err := l.Build([]int{T, in}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		set := func(p *Param, v []float64) {
			for i := range p.Value.Data {
				p.Value.Data[i] = float32(v[i])
			}
		}
		set(l.kernel, W)
		set(l.recKernel, U)
		if resetAfter {
			set(l.bias, bias)
		} else {
			set(l.bias, bias[:3*u])
		}
		x := tensor.New(1, T, in)
		for t0 := range xs {
			copy(x.Data[t0*in:], []float32{float32(xs[t0][0]), float32(xs[t0][1])})
		}
		y, err := l.Forward(x, false)
		if err != nil {
			t.Fatal(err)
		}
		// float64 reference
		h := []float64{0, 0}
		for t0 := 0; t0 < T; t0++ {
			col := func(m []float64, v []float64, c int) float64 {
				s := 0.0
				for k := range v {
					s += v[k] * m[k*3*u+c]
				}
				return s
			}
			nh := make([]float64, u)
			for j := 0; j < u; j++ {
				var z, r, hh float64
				if resetAfter {
					z = sig64(col(W, xs[t0], j) + bias[j] + col(U, h, j) + bias[6+j])
					r = sig64(col(W, xs[t0], u+j) + bias[u+j] + col(U, h, u+j) + bias[6+u+j])
					hh = math.Tanh(col(W, xs[t0], 2*u+j) + bias[2*u+j] + r*(col(U, h, 2*u+j)+bias[6+2*u+j]))
				} else {
					z = sig64(col(W, xs[t0], j) + bias[j] + col(U, h, j))
					// r for every unit is needed for (r ⊙ h)·Uh.
					rh := make([]float64, u)
					for k := 0; k < u; k++ {
						rk := sig64(col(W, xs[t0], u+k) + bias[u+k] + col(U, h, u+k))
						rh[k] = rk * h[k]
					}
					hh = math.Tanh(col(W, xs[t0], 2*u+j) + bias[2*u+j] + col(U, rh, 2*u+j))
				}
				nh[j] = z*h[j] + (1-z)*hh
			}
			h = nh
			for j := 0; j < u; j++ {
				got := float64(y.Data[t0*u+j])
				if math.Abs(got-h[j]) > 1e-6 {
					t.Errorf("reset_after=%v step %d unit %d: got %.8f, want %.8f", resetAfter, t0, j, got, h[j])
				}
			}
		}
	}
}

func TestRecurrentParamCounts(t *testing.T) {
	count := func(l Layer, in ...int) int {
		if err := l.Build(in, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range l.Params() {
			n += p.Value.Len()
		}
		return n
	}
	for _, c := range []struct {
		name string
		l    Layer
		in   []int
		want int
	}{
		// Keras: kernel 32·96 + recurrent 32·96 + bias 2·96 (reset_after)
		// or 96. The Jena model's 13,793 = Conv1D 2,272 + Conv1D 5,152 +
		// GRU 6,336 + Dense 33.
		{"GRU reset_after", GRU(32), []int{-1, 32}, 6336},
		{"GRU reset_before", GRU(32, WithResetAfter(false)), []int{-1, 32}, 6240},
		{"GRU no bias", GRU(32, WithUseBias(false)), []int{-1, 32}, 6144},
		{"LSTM", LSTM(32), []int{-1, 32}, 8320},
		{"SimpleRNN", SimpleRNN(32), []int{-1, 32}, 2080},
		{"Bidirectional GRU", Bidirectional(GRU(32)), []int{-1, 32}, 2 * 6336},
	} {
		if got := count(c.l, c.in...); got != c.want {
			t.Errorf("%s: %d parameters, want %d", c.name, got, c.want)
		}
	}
	// Keras's shapes of the GRU weights.
	l := GRU(32)
	count(l, 156, 32)
	want := [][]int{{32, 96}, {32, 96}, {2, 96}}
	for i, p := range l.Params() {
		if !tensor.SameShape(p.Value.Shape, want[i]) {
			t.Errorf("GRU %s shape %v, want %v", p.Name, p.Value.Shape, want[i])
		}
	}
	if s := l.OutputShape(); !tensor.SameShape(s, []int{32}) {
		t.Errorf("GRU output shape %v, want (32)", s)
	}
}

// TestGRUInitializers checks the Keras initial weights: orthogonal
// recurrent kernel (UᵀU rows orthonormal), glorot-bounded kernel, zero bias.
func TestGRUInitializers(t *testing.T) {
	l := GRU(8)
	if err := l.Build([]int{-1, 5}, rand.New(rand.NewPCG(2, 2))); err != nil {
		t.Fatal(err)
	}
	lim := math.Sqrt(6.0 / (5 + 24))
	for _, v := range l.kernel.Value.Data {
		if math.Abs(float64(v)) > lim {
			t.Fatalf("kernel value %v beyond glorot limit %v", v, lim)
		}
	}
	U := l.recKernel.Value.Data // (8, 24): orthonormal rows
	for a := 0; a < 8; a++ {
		for b := 0; b < 8; b++ {
			var s float64
			for k := 0; k < 24; k++ {
				s += float64(U[a*24+k]) * float64(U[b*24+k])
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(s-want) > 1e-5 {
				t.Fatalf("recurrent_kernel rows %d·%d = %v, want %v", a, b, s, want)
			}
		}
	}
	for _, v := range l.bias.Value.Data {
		if v != 0 {
			t.Fatal("bias not zero-initialised")
		}
	}
}

func TestGRUVariableLength(t *testing.T) {
	l := GRU(3, WithReturnSequences(true))
	buildRNN(t, l, -1, 2)
	rng := rand.New(rand.NewPCG(8, 8))
	x9 := randTensor(rng, -1, 1, 2, 9, 2)
	// The first 5 steps of a 9-step sequence must give the same outputs as
	// the 5-step prefix alone (a causal recurrence from a zero state).
	x5 := tensor.New(2, 5, 2)
	for b := 0; b < 2; b++ {
		copy(x5.Data[b*10:(b+1)*10], x9.Data[b*18:b*18+10])
	}
	y5, err := l.Forward(x5, false)
	if err != nil {
		t.Fatal(err)
	}
	y5c := y5.Clone()
	y9, err := l.Forward(x9, false)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(y9.Shape, []int{2, 9, 3}) {
		t.Fatalf("output shape %v, want (2, 9, 3)", y9.Shape)
	}
	for b := 0; b < 2; b++ {
		for i := 0; i < 15; i++ {
			if y5c.Data[b*15+i] != y9.Data[b*27+i] {
				t.Fatalf("prefix output differs at batch %d index %d", b, i)
			}
		}
	}
	if _, err := l.Backward(tensor.New(2, 9, 3), true); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Backward(tensor.New(2, 5, 3), true); err == nil {
		t.Fatal("Backward accepted a gradient for the wrong number of steps")
	}
}

func TestRecurrentErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		name string
		l    Layer
		in   []int
		want string
	}{
		{"rank", GRU(4), []int{10}, "input shape"},
		{"units", GRU(0), []int{5, 3}, "units"},
		{"activation", GRU(2, WithActivation("swish")), []int{5, 3}, "activation"},
		{"dropout", LSTM(2, WithDropout(1.5)), []int{5, 3}, "dropout"},
		{"foreign option", SimpleRNN(2, WithStrides(2)), []int{5, 3}, "strides"},
		{"reset_after on LSTM", LSTM(2, WithResetAfter(false)), []int{5, 3}, "reset_after"},
	} {
		err := c.l.Build(c.in, rng)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Build error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	l := GRU(4)
	if err := l.Build([]int{-1, 3}, rng); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*tensor.Tensor{tensor.New(2, 3), tensor.New(2, 5, 4), nil} {
		if _, err := l.Forward(x, false); err == nil {
			t.Errorf("Forward accepted input of shape %v", rnnShapeOf(x))
		}
	}
	fixed := GRU(4)
	if err := fixed.Build([]int{5, 3}, rng); err != nil {
		t.Fatal(err)
	}
	if _, err := fixed.Forward(tensor.New(2, 6, 3), false); err == nil || !strings.Contains(err.Error(), "timesteps") {
		t.Errorf("Forward with 6 steps on a layer built for 5: error %v", err)
	}
	if _, err := fixed.Backward(tensor.New(2, 4), true); err == nil {
		t.Error("Backward before Forward: no error")
	}
}

func TestRecurrentConfigRoundTrip(t *testing.T) {
	for _, l := range []Layer{
		GRU(7, WithName("g"), WithResetAfter(false), WithDropout(0.1), WithRecurrentDropout(0.5),
			WithReturnSequences(true), WithInputShape(-1, 14), WithSeed(42)),
		LSTM(5, WithName("l"), WithActivation("relu"), WithUseBias(false), WithGoBackwards(true)),
		SimpleRNN(3, WithName("s"), WithRecurrentDropout(0.2)),
		Bidirectional(GRU(4, WithReturnSequences(true)), WithName("bi"), WithMergeMode("ave")),
	} {
		if err := l.Build([]int{-1, 14}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		cfg := l.Config()
		// Through JSON, as a saved model would be.
		js, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatal(err)
		}
		l2, err := FromConfig(l.ClassName(), back)
		if err != nil {
			t.Fatalf("%s FromConfig: %v", l.ClassName(), err)
		}
		if err := l2.Build([]int{-1, 14}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		js2, _ := json.Marshal(l2.Config())
		if string(js) != string(js2) {
			t.Errorf("%s config changed in the round trip:\n%s\n%s", l.ClassName(), js, js2)
		}
		if l2.Name() != l.Name() {
			t.Errorf("name %q, want %q", l2.Name(), l.Name())
		}
	}
}

// TestGRUAllocs checks that steady-state training steps of the recurrent
// layers do not allocate.
func TestGRUAllocs(t *testing.T) {
	const u, f, batch, steps = 32, 32, 4, 6
	// The layer's own code must not allocate; if the GEMM kernel itself
	// allocates for the forms the layer uses (no transposed B), the layer
	// cannot be judged this way.
	a, c := make([]float32, batch*steps*f), make([]float32, batch*steps*3*u)
	w := make([]float32, f*3*u)
	if n := testing.AllocsPerRun(5, func() {
		kernels.Sgemm(false, false, batch*steps, 3*u, f, 1, a, f, w, 3*u, 0, c, 3*u)
		kernels.Sgemm(false, false, batch, u, u, 1, a, f, w, 3*u, 0, c, 3*u)
		kernels.Sgemm(true, false, f, 3*u, batch*steps, 1, a, f, c, 3*u, 0, w, 3*u)
		kernels.Sgemm(false, false, batch*steps, f, 3*u, 1, c, 3*u, w, f, 0, a, f)
	}); n != 0 {
		t.Skipf("kernels.Sgemm allocates %v times per call", n)
	}
	for _, l := range []Layer{
		GRU(u), GRU(u, WithDropout(0.1), WithRecurrentDropout(0.5)), GRU(u, WithResetAfter(false)),
		LSTM(u, WithDropout(0.2)), SimpleRNN(u, WithRecurrentDropout(0.2)), Bidirectional(GRU(u)),
	} {
		buildRNN(t, l, -1, f)
		x := randTensor(rand.New(rand.NewPCG(1, 1)), -1, 1, batch, steps, f)
		dy := tensor.New(append([]int{batch}, l.OutputShape()...)...)
		step := func() {
			if _, err := l.Forward(x, true); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Backward(dy, true); err != nil {
				t.Fatal(err)
			}
		}
		step()
		if n := testing.AllocsPerRun(5, step); n != 0 {
			t.Errorf("%s: %d allocations per Forward+Backward, want 0", l.ClassName(), int(n))
		}
	}
}

// BenchmarkGRUJena times one training step (Forward + Backward with dx) of
// the Jena model's GRU: batch 128, 156 steps of 32 features (the model's
// convolutions leave 154), 32 units; "dropout" uses the model's rates,
// which switch every gate to its own masks. cpu-ms/op is the process's CPU
// time, steadier than wall time on a shared machine.
func BenchmarkGRUJena(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []Option
	}{
		{"plain", nil},
		{"dropout", []Option{WithDropout(0.1), WithRecurrentDropout(0.5)}},
	} {
		for _, part := range []struct {
			suffix            string
			forward, backward bool
		}{{"", true, true}, {"/backward", false, true}, {"/forward", true, false}} {
			b.Run(c.name+part.suffix, func(b *testing.B) {
				l := GRU(32, c.opts...)
				if err := l.Build([]int{-1, 32}, rand.New(rand.NewPCG(1, 1))); err != nil {
					b.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(2, 2))
				x := randTensor(rng, -1, 1, 128, 156, 32)
				dy := randTensor(rng, -1, 1, 128, 32)
				if !part.forward { // Backward alone needs one Forward first
					if _, err := l.Forward(x, true); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				c0 := cpuSeconds()
				for range b.N {
					if part.forward {
						if _, err := l.Forward(x, true); err != nil {
							b.Fatal(err)
						}
					}
					if part.backward {
						if _, err := l.Backward(dy, true); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e3, "cpu-ms/op")
			})
		}
	}
}

// TestRecurrentRowSplit exercises the batch split across workers: gradients
// with a batch big enough for two chunks, and identical results with one
// and two workers.
func TestRecurrentRowSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, l := range []Layer{
		GRU(3, WithDropout(0.2), WithRecurrentDropout(0.3), WithReturnSequences(true)),
		GRU(3, WithResetAfter(false)),
		LSTM(2, WithRecurrentDropout(0.3)),
		SimpleRNN(3, WithReturnSequences(true)),
	} {
		reseed := buildRNN(t, l, -1, 2)
		x := randTensor(rng, -1, 1, 34, 3, 2)
		gradCheck(t, l, x, true, false, 2e-2, reseed)

		run := func(procs int) (y, dx []float32, grads [][]float32) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			reseed()
			out, err := l.Forward(x, true)
			if err != nil {
				t.Fatal(err)
			}
			y = append(y, out.Data...)
			d, err := l.Backward(out, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range l.Params() {
				grads = append(grads, append([]float32(nil), p.Grad.Data...))
			}
			return y, append(dx, d.Data...), grads
		}
		y1, dx1, g1 := run(1)
		y2, dx2, g2 := run(2)
		if !slices.Equal(y1, y2) || !slices.Equal(dx1, dx2) {
			t.Errorf("%s: output or input gradient differs between 1 and 2 workers", l.ClassName())
		}
		for i := range g1 {
			if !slices.Equal(g1[i], g2[i]) {
				t.Errorf("%s: %s gradient differs between 1 and 2 workers", l.ClassName(), l.Params()[i].Name)
			}
		}
	}
}

// TestRecurrentKerasConfigs rebuilds layers from configs in the form Keras
// 3 and Keras 2 (tf.keras) write in model.to_json().
func TestRecurrentKerasConfigs(t *testing.T) {
	keras3GRU := `{"name": "gru", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy",
		"config": {"name": "float32"}, "registered_name": null}, "return_sequences": false, "return_state": false,
		"go_backwards": false, "stateful": false, "unroll": false, "zero_output_for_mask": false, "units": 32,
		"activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
		"kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
		"recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}, "registered_name": null},
		"bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
		"kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
		"kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null,
		"dropout": 0.1, "recurrent_dropout": 0.5, "reset_after": true, "seed": null}`
	keras2LSTM := `{"name": "lstm_1", "trainable": true, "batch_input_shape": [null, null, 14], "dtype": "float32",
		"return_sequences": true, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false,
		"time_major": false, "units": 8, "activation": "tanh", "recurrent_activation": "hard_sigmoid", "use_bias": true,
		"unit_forget_bias": true, "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2}`
	keras3Bi := `{"name": "bidirectional", "trainable": true, "dtype": "float32", "merge_mode": "sum",
		"layer": {"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "forward_simple_rnn", "units": 4,
		"activation": null, "use_bias": false, "return_sequences": true, "dropout": 0.0, "recurrent_dropout": 0.0}},
		"backward_layer": {"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "backward_simple_rnn", "units": 4, "go_backwards": true}}}`
	for _, c := range []struct {
		class, js string
		in        []int
		params    int
		out       []int
		check     func(Layer) string
	}{
		{"GRU", keras3GRU, []int{154, 32}, 6336, []int{32}, func(l Layer) string {
			g := l.(*GRULayer)
			if g.dropout != 0.1 || g.recDrop != 0.5 || !g.resetAfter || g.act != raTanh || g.recAct != raSigmoid {
				return fmt.Sprintf("read %+v", g.opts)
			}
			return ""
		}},
		{"LSTM", keras2LSTM, []int{-1, 14}, 4 * 8 * (14 + 8 + 1), []int{-1, 8}, func(l Layer) string {
			if l.(*LSTMLayer).recAct != raHardSigmoid {
				return "recurrent_activation not hard_sigmoid"
			}
			if s := l.(*LSTMLayer).InputShape(); !tensor.SameShape(s, []int{-1, 14}) {
				return fmt.Sprintf("input shape %v", s)
			}
			return ""
		}},
		{"Bidirectional", keras3Bi, []int{-1, 3}, 2 * (3*4 + 4*4), []int{-1, 4}, func(l Layer) string {
			f, b := l.(*BidirectionalLayer).Directions()
			if f.(*SimpleRNNLayer).act != raLinear {
				return "activation null not read as linear"
			}
			if f.Name() != "forward_simple_rnn" || b.Name() != "backward_simple_rnn" {
				return fmt.Sprintf("directions named %q, %q", f.Name(), b.Name())
			}
			return ""
		}},
	} {
		var cfg map[string]any
		if err := json.Unmarshal([]byte(c.js), &cfg); err != nil {
			t.Fatal(err)
		}
		l, err := FromConfig(c.class, cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.class, err)
		}
		if err := l.Build(c.in, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatalf("%s Build: %v", c.class, err)
		}
		n := 0
		for _, p := range l.Params() {
			n += p.Value.Len()
		}
		if n != c.params || !tensor.SameShape(l.OutputShape(), c.out) {
			t.Errorf("%s: %d params, output %v; want %d, %v", c.class, n, l.OutputShape(), c.params, c.out)
		}
		if msg := c.check(l); msg != "" {
			t.Errorf("%s: %s", c.class, msg)
		}
	}
	var cfg map[string]any
	_ = json.Unmarshal([]byte(keras3GRU), &cfg)
	cfg["kernel_regularizer"] = map[string]any{"class_name": "L2", "config": map[string]any{"l2": 0.01}}
	if _, err := FromConfig("GRU", cfg); err == nil || !strings.Contains(err.Error(), "kernel_regularizer") {
		t.Errorf("a kernel_regularizer was accepted: %v", err)
	}
}
