package layers

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/tensor"
)

// naiveConv1D is a direct-loop convolution used as the reference: zero
// padding padL on the left, output length tOut.
func naiveConv1D(x *tensor.Tensor, w []float32, bias []float32, k, f, stride, dil, padL, tOut int) *tensor.Tensor {
	b, t, c := x.Shape[0], x.Shape[1], x.Shape[2]
	y := tensor.New(b, tOut, f)
	for s := 0; s < b; s++ {
		for o := 0; o < tOut; o++ {
			for g := 0; g < f; g++ {
				var acc float64
				if bias != nil {
					acc = float64(bias[g])
				}
				for j := 0; j < k; j++ {
					ti := o*stride + j*dil - padL
					if ti < 0 || ti >= t {
						continue
					}
					for ci := 0; ci < c; ci++ {
						acc += float64(x.Data[(s*t+ti)*c+ci]) * float64(w[(j*c+ci)*f+g])
					}
				}
				y.Data[(s*tOut+o)*f+g] = float32(acc)
			}
		}
	}
	return y
}

func buildLayer(t *testing.T, l Layer, in []int, seed uint64) {
	t.Helper()
	if err := l.Build(in, rand.New(rand.NewPCG(seed, seed))); err != nil {
		t.Fatalf("%s Build(%v): %v", l.ClassName(), in, err)
	}
}

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > tol*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestConv1DOutputLengths(t *testing.T) {
	// Keras: valid ⌈(T−dk+1)/s⌉, same and causal ⌈T/s⌉, dk = (k−1)·d+1.
	cases := []struct {
		t, k, s, d int
		pad        string
		want       int
	}{
		{500, 7, 1, 1, "valid", 494},
		{98, 7, 1, 1, "valid", 92},
		{10, 3, 2, 1, "valid", 4},
		{10, 3, 3, 1, "valid", 3},
		{10, 3, 1, 2, "valid", 6},
		{10, 3, 2, 1, "same", 5},
		{11, 4, 3, 1, "same", 4},
		{10, 3, 1, 3, "same", 10},
		{10, 3, 1, 2, "causal", 10},
		{10, 3, 2, 1, "causal", 5},
		{-1, 3, 1, 1, "valid", -1},
	}
	for _, c := range cases {
		l := Conv1D(2, c.k, WithStrides(c.s), WithDilationRate(c.d), WithPadding(c.pad))
		buildLayer(t, l, []int{c.t, 3}, 1)
		if got := l.OutputShape(); got[0] != c.want || got[1] != 2 {
			t.Errorf("T=%d k=%d s=%d d=%d %s: output %v, want [%d 2]", c.t, c.k, c.s, c.d, c.pad, got, c.want)
		}
	}
}

func TestConv1DRamp(t *testing.T) {
	// One channel, input 1..6, kernel [1, 2, 3], bias 0.5: each output is
	// x[t] + 2x[t+1] + 3x[t+2] + 0.5.
	x, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, 6}, 1, 6, 1)
	for _, tc := range []struct {
		pad  string
		want []float32
	}{
		{"valid", []float32{14.5, 20.5, 26.5, 32.5}},
		// same pads one zero each side: [0 1 2 3 4 5 6 0].
		{"same", []float32{8.5, 14.5, 20.5, 26.5, 32.5, 17.5}},
		// causal pads two zeros on the left: [0 0 1 2 3 4 5 6].
		{"causal", []float32{3.5, 8.5, 14.5, 20.5, 26.5, 32.5}},
	} {
		l := Conv1D(1, 3, WithPadding(tc.pad))
		buildLayer(t, l, []int{6, 1}, 1)
		copy(l.kernel.Value.Data, []float32{1, 2, 3})
		l.bias.Value.Data[0] = 0.5
		y, err := l.Forward(x, false)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, tc.pad, y.Data, tc.want, 0)
	}
	// Strided and dilated on the same ramp.
	l := Conv1D(1, 3, WithStrides(2), WithActivation("relu"))
	buildLayer(t, l, []int{6, 1}, 1)
	copy(l.kernel.Value.Data, []float32{1, 2, -3})
	y, _ := l.Forward(x, false)
	// x0+2x1−3x2 = −4 → 0; x2+2x3−3x4 = −4 → 0 (relu).
	assertClose(t, "strided relu", y.Data, []float32{0, 0}, 0)
	l = Conv1D(1, 2, WithDilationRate(3))
	buildLayer(t, l, []int{6, 1}, 1)
	copy(l.kernel.Value.Data, []float32{1, 10})
	y, _ = l.Forward(x, false)
	assertClose(t, "dilated", y.Data, []float32{41, 52, 63}, 0)
}

var convVariants = []struct {
	name       string
	k, s, d    int
	pad, act   string
	bias       bool
	t, c, f, b int
}{
	{"valid", 3, 1, 1, "valid", "linear", true, 9, 3, 4, 2},
	{"valid-relu", 7, 1, 1, "valid", "relu", true, 9, 2, 3, 2},
	{"same", 4, 1, 1, "same", "tanh", true, 8, 2, 3, 2},
	{"causal", 3, 1, 1, "causal", "sigmoid", false, 7, 3, 2, 2},
	{"strided", 3, 2, 1, "valid", "linear", true, 10, 3, 4, 2},
	{"strided-same", 4, 3, 1, "same", "linear", true, 11, 2, 3, 2},
	{"dilated", 3, 1, 2, "valid", "linear", true, 10, 3, 2, 2},
	{"dilated-causal", 2, 1, 3, "causal", "relu", true, 9, 2, 3, 2},
	{"dilated-same", 3, 1, 2, "same", "softmax", true, 8, 2, 3, 2},
	{"k1", 1, 1, 1, "valid", "linear", true, 5, 4, 3, 2},
}

func TestConv1DMatchesNaive(t *testing.T) {
	for _, v := range convVariants {
		t.Run(v.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 9))
			l := Conv1D(v.f, v.k, WithStrides(v.s), WithDilationRate(v.d), WithPadding(v.pad), WithUseBias(v.bias))
			buildLayer(t, l, []int{-1, v.c}, 5)
			if v.bias {
				initUniform(rng, -1, 1, l.bias.Value.Data)
			}
			x := randTensor(rng, -1, 1, v.b, v.t, v.c)
			y, err := l.Forward(x, true)
			if err != nil {
				t.Fatal(err)
			}
			dk := (v.k-1)*v.d + 1
			tOut, padL, _ := convLength(v.t, dk, v.s, v.pad)
			var bias []float32
			if v.bias {
				bias = l.bias.Value.Data
			}
			want := naiveConv1D(x, l.kernel.Value.Data, bias, v.k, v.f, v.s, v.d, padL, tOut)
			if !tensor.SameShape(y.Shape, want.Shape) {
				t.Fatalf("shape %v, want %v", y.Shape, want.Shape)
			}
			assertClose(t, "y", y.Data, want.Data, 1e-5)
		})
	}
}

func TestConv1DGradCheck(t *testing.T) {
	for _, v := range convVariants {
		t.Run(v.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 13))
			l := Conv1D(v.f, v.k, WithStrides(v.s), WithDilationRate(v.d), WithPadding(v.pad), WithActivation(v.act), WithUseBias(v.bias))
			buildLayer(t, l, []int{v.t, v.c}, 17)
			if v.bias {
				initUniform(rng, -0.5, 0.5, l.bias.Value.Data)
			}
			x := randTensor(rng, -1, 1, v.b, v.t, v.c)
			if v.act == "relu" {
				// Redraw until no pre-activation lies within the finite
				// difference step of ReLU's kink.
				dk := (v.k-1)*v.d + 1
				tOut, padL, _ := convLength(v.t, dk, v.s, v.pad)
				var bias []float32
				if v.bias {
					bias = l.bias.Value.Data
				}
				for try := 0; !awayFromKinks(naiveConv1D(x, l.kernel.Value.Data, bias, v.k, v.f, v.s, v.d, padL, tOut).Data, 0.03); try++ {
					if try == 1000 {
						t.Fatal("no input away from the ReLU kink")
					}
					x = randTensor(rng, -1, 1, v.b, v.t, v.c)
				}
			}
			gradCheck(t, l, x, true, false, 2e-2, nil)
			// needDx false returns nil but still fills the weight grads.
			if _, err := l.Forward(x, true); err != nil {
				t.Fatal(err)
			}
			dy := randTensor(rng, -1, 1, l.y.Shape...)
			if _, err := l.Backward(dy, true); err != nil {
				t.Fatal(err)
			}
			g := append([]float32(nil), l.kernel.Grad.Data...)
			dx, err := l.Backward(dy, false)
			if err != nil || dx != nil {
				t.Fatalf("Backward(needDx=false) = %v, %v; want nil, nil", dx, err)
			}
			assertClose(t, "kernel grad without dx", l.kernel.Grad.Data, g, 0)
		})
	}
}

func TestConv1DParams(t *testing.T) {
	cases := []struct {
		f, k   int
		in     []int
		params int
		out    []int
	}{
		{32, 7, []int{500, 128}, 28704, []int{494, 32}},
		{32, 7, []int{98, 32}, 7200, []int{92, 32}},
		{32, 5, []int{-1, 14}, 2272, []int{-1, 32}},
		{32, 5, []int{-1, 32}, 5152, []int{-1, 32}},
	}
	for _, c := range cases {
		l := Conv1D(c.f, c.k, WithActivation("relu"))
		buildLayer(t, l, c.in, 1)
		if n := countParams(l); n != c.params {
			t.Errorf("Conv1D(%d,%d) on %v: %d params, want %d", c.f, c.k, c.in, n, c.params)
		}
		if !tensor.SameShape(l.OutputShape(), c.out) {
			t.Errorf("Conv1D(%d,%d) on %v: output %v, want %v", c.f, c.k, c.in, l.OutputShape(), c.out)
		}
		if got := l.kernel.Value.Shape; !tensor.SameShape(got, []int{c.k, c.in[1], c.f}) {
			t.Errorf("kernel shape %v", got)
		}
	}
	// Glorot limit for the IMDB first conv: sqrt(6/(7·128+7·32)).
	l := Conv1D(32, 7)
	buildLayer(t, l, []int{500, 128}, 1)
	lim := float32(math.Sqrt(6.0 / (7*128 + 7*32)))
	var mx float32
	for _, v := range l.kernel.Value.Data {
		mx = max(mx, float32(math.Abs(float64(v))))
	}
	if mx > lim || mx < 0.95*lim {
		t.Errorf("kernel max |w| = %v, want just under %v", mx, lim)
	}
	for _, v := range l.bias.Value.Data {
		if v != 0 {
			t.Fatalf("bias not zero-initialised: %v", v)
		}
	}
}

func countParams(l Layer) int {
	n := 0
	for _, p := range l.Params() {
		n += p.Value.Len()
	}
	return n
}

func TestConv1DErrors(t *testing.T) {
	bad := []struct {
		l    Layer
		in   []int
		want string
	}{
		{Conv1D(0, 3), []int{10, 2}, "filters"},
		{Conv1D(2, 0), []int{10, 2}, "kernel_size"},
		{Conv1D(2, 3, WithPadding("full")), []int{10, 2}, "padding"},
		{Conv1D(2, 3, WithActivation("swishy")), []int{10, 2}, "activation"},
		{Conv1D(2, 3, WithStrides(2), WithDilationRate(2)), []int{10, 2}, "dilation_rate"},
		{Conv1D(2, 3, WithStrides(0)), []int{10, 2}, "strides"},
		{Conv1D(2, 3), []int{10}, "input shape"},
		{Conv1D(2, 3), []int{10, 2, 2}, "input shape"},
		{Conv1D(2, 5), []int{4, 2}, "shorter"},
		{Conv1D(2, 3, WithReturnSequences(true)), []int{10, 2}, "return_sequences"},
	}
	for i, c := range bad {
		err := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: Build error %v, want one mentioning %q", i, err, c.want)
		}
	}
	l := Conv1D(2, 3)
	if _, err := l.Forward(tensor.New(1, 5, 2), false); err == nil {
		t.Error("Forward before Build: no error")
	}
	buildLayer(t, l, []int{-1, 2}, 1)
	for _, x := range []*tensor.Tensor{tensor.New(1, 5, 3), tensor.New(5, 2), tensor.New(1, 2, 2)} {
		if _, err := l.Forward(x, false); err == nil {
			t.Errorf("Forward(%v): no error", x.Shape)
		}
	}
	if _, err := l.Forward(tensor.New(1, 5, 2), false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Backward(tensor.New(1, 4, 2), true); err == nil {
		t.Error("Backward with wrong dy shape: no error")
	}
}

// roundTrip checks that a layer's Config survives JSON and rebuilds an
// identical config through FromConfig.
func roundTrip(t *testing.T, l Layer) Layer {
	t.Helper()
	cfg := l.Config()
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("%s config does not marshal: %v", l.ClassName(), err)
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	l2, err := FromConfig(l.ClassName(), back)
	if err != nil {
		t.Fatalf("%s FromConfig(%s): %v", l.ClassName(), js, err)
	}
	js2, _ := json.Marshal(l2.Config())
	if string(js) != string(js2) {
		t.Fatalf("%s config round trip:\n got %s\nwant %s", l.ClassName(), js2, js)
	}
	return l2
}

func TestConv1DConfig(t *testing.T) {
	l := Conv1D(32, 7, WithActivation("relu"), WithName("conv1d_1"), WithInputShape(-1, 14))
	cfg := l.Config()
	js, _ := json.Marshal(cfg)
	for _, want := range []string{`"kernel_size":[7]`, `"strides":[1]`, `"dilation_rate":[1]`, `"filters":32`, `"activation":"relu"`, `"padding":"valid"`, `"name":"conv1d_1"`, `"batch_input_shape":[null,null,14]`, `"use_bias":true`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("config %s lacks %s", js, want)
		}
	}
	roundTrip(t, l)
	l2 := roundTrip(t, Conv1D(4, 3, WithStrides(2), WithPadding("same"), WithUseBias(false))).(*Conv1DLayer)
	buildLayer(t, l2, []int{9, 2}, 1)
	if l2.strides != 2 || l2.padding != "same" || l2.bias != nil || !tensor.SameShape(l2.OutputShape(), []int{5, 4}) {
		t.Errorf("rebuilt layer: strides %d padding %s bias %v out %v", l2.strides, l2.padding, l2.bias, l2.OutputShape())
	}
	roundTrip(t, Conv1D(4, 3, WithDilationRate(2), WithPadding("causal"), WithActivation("tanh")))
	// A Keras-written config: numbers as float64, lists as []any.
	var kc map[string]any
	json.Unmarshal([]byte(`{"name":"c","filters":8,"kernel_size":[5],"strides":[1],"padding":"valid","data_format":"channels_last","dilation_rate":[1],"groups":1,"activation":"relu","use_bias":true,"batch_input_shape":[null,null,14]}`), &kc)
	k, err := FromConfig("Conv1D", kc)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Build(k.(*Conv1DLayer).InputShape(), rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(k.OutputShape(), []int{-1, 8}) || countParams(k) != 5*14*8+8 {
		t.Errorf("Keras config: out %v params %d", k.OutputShape(), countParams(k))
	}
	for _, bad := range []string{`{"kernel_size":[5]}`, `{"filters":8}`, `{"filters":8,"kernel_size":[5],"groups":2}`, `{"filters":8,"kernel_size":[5],"data_format":"channels_first"}`, `{"filters":"8","kernel_size":[5]}`} {
		var m map[string]any
		json.Unmarshal([]byte(bad), &m)
		if _, err := FromConfig("Conv1D", m); err == nil {
			t.Errorf("FromConfig(%s): no error", bad)
		}
	}
}

func TestConv1DDenseNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // parallel loops run inline
	rng := rand.New(rand.NewPCG(1, 2))
	conv := Conv1D(8, 3, WithActivation("relu"))
	buildLayer(t, conv, []int{20, 4}, 1)
	x := randTensor(rng, -1, 1, 4, 20, 4)
	dy := randTensor(rng, -1, 1, 4, 18, 8)
	dense := Dense(3, WithActivation("sigmoid"))
	buildLayer(t, dense, []int{20, 4}, 1)
	dy2 := randTensor(rng, -1, 1, 4, 20, 3)
	step := func() {
		if _, err := conv.Forward(x, true); err != nil {
			t.Fatal(err)
		}
		if _, err := conv.Backward(dy, true); err != nil {
			t.Fatal(err)
		}
		if _, err := dense.Forward(x, true); err != nil {
			t.Fatal(err)
		}
		if _, err := dense.Backward(dy2, true); err != nil {
			t.Fatal(err)
		}
	}
	step()
	// The layers' own code must not allocate; the GEMM kernel's allocations
	// (if any) are measured by replaying the same Sgemm calls (the passes
	// make them per sample).
	a, c := make([]float32, 4*20*8*24), make([]float32, 4*20*8*24)
	replay := func() {
		for range 4 {
			kernels.Sgemm(false, false, 18, 8, 12, 1, a, 4, a, 8, 0, c, 8)
		}
		for range 4 { // the backward pass's per-sample GEMMs
			kernels.Sgemm(true, false, 12, 8, 18, 1, a, 4, a, 8, 1, c, 8)
			kernels.Sgemm(false, false, 20, 4, 24, 1, a, 8, a, 4, 0, c, 4)
		}
		kernels.Sgemm(false, false, 80, 3, 4, 1, a, 4, a, 3, 0, c, 3)
		kernels.Sgemm(true, false, 4, 3, 80, 1, a, 4, a, 3, 0, c, 3)
		kernels.Sgemm(false, true, 80, 4, 3, 1, a, 3, a, 3, 0, c, 4)
	}
	base := testing.AllocsPerRun(20, replay)
	if n := testing.AllocsPerRun(20, step); n > base {
		t.Errorf("Conv1D+Dense forward+backward allocate %v times per step, want %v (the GEMM kernel's own)", n, base)
	}
}

// awayFromKinks reports whether every pre-activation z is at least margin
// away from 0, so that finite differences do not straddle ReLU's kink.
func awayFromKinks(z []float32, margin float32) bool {
	for _, v := range z {
		if v > -margin && v < margin {
			return false
		}
	}
	return true
}

// TestColSums checks the parallel column sums against float64 sums, with
// a row stride wider than the columns, and that one and two workers give
// the same bits.
func TestColSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	rows, n, lds := 5003, 40, 43
	src := make([]float32, rows*lds)
	for i := range src {
		src[i] = rng.Float32()*2 - 1
	}
	var c colSums
	run := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		dst := make([]float32, n)
		c.sum(dst, src, rows, lds)
		return dst
	}
	one, two := run(1), run(2)
	for j := 0; j < n; j++ {
		var want float64
		for r := 0; r < rows; r++ {
			want += float64(src[r*lds+j])
		}
		if math.Abs(float64(two[j])-want) > 1e-3 {
			t.Errorf("column %d: sum %g, want %g", j, two[j], want)
		}
		if math.Float32bits(one[j]) != math.Float32bits(two[j]) {
			t.Errorf("column %d: %g with one worker, %g with two", j, one[j], two[j])
		}
	}
}
