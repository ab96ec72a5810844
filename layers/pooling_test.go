package layers

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

// spacedTensor fills a tensor with a random permutation of distinct values
// 0.2 apart, centred on 0, so max pooling has no near-ties for the finite
// differences to straddle.
func spacedTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i, p := range rng.Perm(len(x.Data)) {
		x.Data[i] = 0.2 * (float32(p) - float32(len(x.Data))/2)
	}
	return x
}

func TestPoolingExact(t *testing.T) {
	x, _ := tensor.FromData([]float32{1, 5, 2, 4, 3}, 1, 5, 1)
	cases := []struct {
		l    Layer
		want []float32
	}{
		{MaxPooling1D(2), []float32{5, 4}},
		// same: ⌈5/2⌉ = 3 windows, the one padded step on the right.
		{MaxPooling1D(2, WithPadding("same")), []float32{5, 4, 3}},
		// same with stride 1, pool 3: one padded step each side.
		{MaxPooling1D(3, WithStrides(1), WithPadding("same")), []float32{5, 5, 5, 4, 4}},
		{MaxPooling1D(2, WithStrides(1)), []float32{5, 5, 4, 4}},
		{AveragePooling1D(2), []float32{3, 3}},
		// Padded steps are not counted: the last window is [3] alone.
		{AveragePooling1D(2, WithPadding("same")), []float32{3, 3, 3}},
		{AveragePooling1D(3, WithStrides(1), WithPadding("same")), []float32{3, 8.0 / 3, 11.0 / 3, 3, 3.5}},
		{GlobalMaxPooling1D(), []float32{5}},
		{GlobalAveragePooling1D(), []float32{3}},
	}
	for i, c := range cases {
		buildLayer(t, c.l, []int{5, 1}, 1)
		y, err := c.l.Forward(x, false)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, c.l.ClassName()+" case "+string(rune('0'+i)), y.Data, c.want, 1e-6)
		if !tensor.SameShape(c.l.OutputShape(), y.Shape[1:]) {
			t.Errorf("case %d: OutputShape %v, Forward gave %v", i, c.l.OutputShape(), y.Shape)
		}
	}
	// Max backward sends each gradient to its window's maximum; with
	// overlapping windows they add up.
	l := MaxPooling1D(3, WithStrides(1), WithPadding("same"))
	buildLayer(t, l, []int{5, 1}, 1)
	l.Forward(x, true)
	dy, _ := tensor.FromData([]float32{1, 2, 4, 8, 16}, 1, 5, 1)
	dx, err := l.Backward(dy, true)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "max backward", dx.Data, []float32{0, 7, 0, 24, 0}, 0)
	a := AveragePooling1D(2, WithPadding("same"))
	buildLayer(t, a, []int{5, 1}, 1)
	a.Forward(x, true)
	dy, _ = tensor.FromData([]float32{2, 4, 6}, 1, 3, 1)
	dx, _ = a.Backward(dy, true)
	assertClose(t, "average backward", dx.Data, []float32{1, 1, 2, 2, 6}, 0)
}

func TestPoolingShapes(t *testing.T) {
	cases := []struct {
		l       Layer
		in, out []int
	}{
		{MaxPooling1D(5), []int{494, 32}, []int{98, 32}},
		{MaxPooling1D(3), []int{476, 32}, []int{158, 32}},
		{MaxPooling1D(3), []int{-1, 32}, []int{-1, 32}},
		{MaxPooling1D(2, WithStrides(3)), []int{10, 4}, []int{3, 4}},
		{AveragePooling1D(4, WithPadding("same")), []int{10, 4}, []int{3, 4}},
		{AveragePooling1D(4, WithStrides(1), WithPadding("same")), []int{10, 4}, []int{10, 4}},
		{GlobalMaxPooling1D(), []int{92, 32}, []int{32}},
		{GlobalAveragePooling1D(), []int{-1, 7}, []int{7}},
	}
	for _, c := range cases {
		buildLayer(t, c.l, c.in, 1)
		if !tensor.SameShape(c.l.OutputShape(), c.out) {
			t.Errorf("%s on %v: %v, want %v", c.l.ClassName(), c.in, c.l.OutputShape(), c.out)
		}
		if c.l.Params() != nil {
			t.Errorf("%s has params", c.l.ClassName())
		}
	}
}

func TestPoolingGradCheck(t *testing.T) {
	for i, l := range []Layer{
		MaxPooling1D(3),
		MaxPooling1D(3, WithStrides(2), WithPadding("same")),
		MaxPooling1D(2, WithStrides(1)),
		AveragePooling1D(3),
		AveragePooling1D(4, WithStrides(3), WithPadding("same")),
		AveragePooling1D(2, WithStrides(1)),
		GlobalMaxPooling1D(),
		GlobalAveragePooling1D(),
	} {
		rng := rand.New(rand.NewPCG(uint64(i), 5))
		buildLayer(t, l, []int{-1, 3}, 1)
		gradCheck(t, l, spacedTensor(rng, 2, 7, 3), true, false, 1e-2, nil)
	}
}

func TestPoolingErrors(t *testing.T) {
	bad := []struct {
		l    Layer
		in   []int
		want string
	}{
		{MaxPooling1D(0), []int{10, 2}, "pool_size"},
		{MaxPooling1D(2, WithStrides(-2)), []int{10, 2}, "strides"},
		{MaxPooling1D(2, WithPadding("causal")), []int{10, 2}, "padding"},
		{AveragePooling1D(2), []int{10}, "input shape"},
		{AveragePooling1D(20), []int{10, 2}, "shorter"},
		{MaxPooling1D(2, WithActivation("relu")), []int{10, 2}, "activation"},
		{GlobalMaxPooling1D(), []int{10, 2, 3}, "input shape"},
		{GlobalAveragePooling1D(WithStrides(2)), []int{10, 2}, "strides"},
	}
	for i, c := range bad {
		err := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: Build error %v, want one mentioning %q", i, err, c.want)
		}
	}
	l := MaxPooling1D(4)
	buildLayer(t, l, []int{-1, 2}, 1)
	if _, err := l.Forward(tensor.New(1, 3, 2), false); err == nil || !strings.Contains(err.Error(), "shorter") {
		t.Errorf("Forward on 3 steps with pool 4: %v", err)
	}
	if _, err := l.Forward(tensor.New(1, 8, 3), false); err == nil {
		t.Error("Forward with 3 channels on a 2-channel layer: no error")
	}
}

func TestPoolingConfig(t *testing.T) {
	l := MaxPooling1D(5, WithName("max_pooling1d"))
	js, _ := json.Marshal(l.Config())
	for _, want := range []string{`"pool_size":[5]`, `"strides":[5]`, `"padding":"valid"`, `"data_format":"channels_last"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("config %s lacks %s", js, want)
		}
	}
	roundTrip(t, l)
	a := roundTrip(t, AveragePooling1D(3, WithStrides(1), WithPadding("same"))).(*AveragePooling1DLayer)
	buildLayer(t, a, []int{10, 2}, 1)
	if !tensor.SameShape(a.OutputShape(), []int{10, 2}) {
		t.Errorf("rebuilt AveragePooling1D output %v", a.OutputShape())
	}
	roundTrip(t, GlobalMaxPooling1D(WithName("g")))
	roundTrip(t, GlobalAveragePooling1D())
	var m map[string]any
	json.Unmarshal([]byte(`{"keepdims":true}`), &m)
	if _, err := FromConfig("GlobalMaxPooling1D", m); err == nil {
		t.Error("keepdims=true accepted")
	}
	if _, err := FromConfig("MaxPooling1D", map[string]any{}); err == nil {
		t.Error("MaxPooling1D without pool_size accepted")
	}
}

// BenchmarkMaxPooling1DIMDB times Forward+Backward of MaxPooling1D(5) on
// the IMDB first convolution's output, batch 128.
func BenchmarkMaxPooling1DIMDB(b *testing.B) {
	l := MaxPooling1D(5)
	if err := l.Build([]int{494, 32}, nil); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := randTensor(rng, -1, 1, 128, 494, 32)
	dy := randTensor(rng, -1, 1, 128, 98, 32)
	benchForwardBackward(b, l, x, dy, true)
}
