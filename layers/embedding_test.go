package layers

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestEmbeddingForwardBackward(t *testing.T) {
	l := Embedding(5, 2)
	buildLayer(t, l, []int{-1}, 1)
	for i := range l.emb.Value.Data {
		l.emb.Value.Data[i] = float32(i) // row r = [2r, 2r+1]
	}
	x, _ := tensor.FromData([]float32{3, 0, 3, 4, 1, 1}, 2, 3)
	y, err := l.Forward(x, true)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(y.Shape, []int{2, 3, 2}) {
		t.Fatalf("shape %v", y.Shape)
	}
	assertClose(t, "y", y.Data, []float32{6, 7, 0, 1, 6, 7, 8, 9, 2, 3, 2, 3}, 0)
	dy, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 3, 2)
	dx, err := l.Backward(dy, false)
	if err != nil || dx != nil {
		t.Fatalf("Backward = %v, %v", dx, err)
	}
	// Id 3 appears twice, id 1 twice, id 2 never.
	assertClose(t, "grad", l.emb.Grad.Data, []float32{3, 4, 9 + 11, 10 + 12, 0, 0, 1 + 5, 2 + 6, 7, 8}, 0)
	// The next batch touches other ids: the old rows must be zero again.
	x2, _ := tensor.FromData([]float32{2, 2, 2, 2, 2, 2}, 2, 3)
	l.Forward(x2, true)
	dx, _ = l.Backward(dy, true)
	assertClose(t, "grad 2", l.emb.Grad.Data, []float32{0, 0, 0, 0, 36, 42, 0, 0, 0, 0}, 0)
	if dx == nil || !tensor.SameShape(dx.Shape, x.Shape) || dx.Data[0] != 0 {
		t.Errorf("dx with needDx: %v", dx)
	}
}

func TestEmbeddingGradCheck(t *testing.T) {
	l := Embedding(7, 3, WithInputLength(4))
	buildLayer(t, l, []int{4}, 2)
	x, _ := tensor.FromData([]float32{1, 6, 1, 0, 2, 2, 5, 1}, 2, 4)
	gradCheck(t, l, x, true, true, 1e-2, nil)
}

func TestEmbeddingShapesAndInit(t *testing.T) {
	l := Embedding(10000, 128, WithInputLength(500))
	buildLayer(t, l, []int{-1}, 1)
	if n := countParams(l); n != 1280000 {
		t.Errorf("params %d, want 1280000", n)
	}
	if !tensor.SameShape(l.OutputShape(), []int{500, 128}) {
		t.Errorf("output %v, want [500 128]", l.OutputShape())
	}
	var mx float64
	for _, v := range l.emb.Value.Data {
		mx = math.Max(mx, math.Abs(float64(v)))
	}
	if mx > 0.05 || mx < 0.0499 {
		t.Errorf("max |embedding| %v, want just under 0.05", mx)
	}
	l2 := Embedding(10, 4)
	buildLayer(t, l2, []int{-1}, 1)
	if !tensor.SameShape(l2.OutputShape(), []int{-1, 4}) {
		t.Errorf("output %v, want [-1 4]", l2.OutputShape())
	}
}

func TestEmbeddingErrors(t *testing.T) {
	for i, c := range []struct {
		l    Layer
		in   []int
		want string
	}{
		{Embedding(0, 4), []int{5}, "input_dim"},
		{Embedding(4, -1), []int{5}, "output_dim"},
		{Embedding(4, 2, WithInputLength(6)), []int{5}, "input_length"},
		{Embedding(4, 2), []int{}, "sequence axis"},
		{Embedding(4, 2, WithStrides(2)), []int{5}, "strides"},
	} {
		err := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: Build error %v, want one mentioning %q", i, err, c.want)
		}
	}
	l := Embedding(10, 2)
	buildLayer(t, l, []int{-1}, 1)
	for _, bad := range []float32{10, -1, 2.5, float32(math.NaN()), 1e20} {
		x, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, bad}, 2, 3)
		_, err := l.Forward(x, false)
		if err == nil || !strings.Contains(err.Error(), "input[1, 2]") {
			t.Errorf("id %v: error %v, want one naming input[1, 2]", bad, err)
		}
	}
	if _, err := l.Forward(tensor.New(2, 3, 1), false); err == nil {
		t.Error("rank-3 input accepted")
	}
	fixed := Embedding(10, 2, WithInputLength(3))
	buildLayer(t, fixed, []int{-1}, 1)
	if _, err := fixed.Forward(tensor.New(2, 4), false); err == nil {
		t.Error("input longer than input_length accepted")
	}
}

func TestEmbeddingConfig(t *testing.T) {
	l := Embedding(10000, 128, WithInputLength(500), WithName("embedding"))
	js, _ := json.Marshal(l.Config())
	for _, want := range []string{`"input_dim":10000`, `"output_dim":128`, `"input_length":500`, `"batch_input_shape":[null,500]`, `"mask_zero":false`, `"name":"embedding"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("config %s lacks %s", js, want)
		}
	}
	l2 := roundTrip(t, l)
	buildLayer(t, l2, l2.(*EmbeddingLayer).InputShape(), 1)
	if !tensor.SameShape(l2.OutputShape(), []int{500, 128}) {
		t.Errorf("rebuilt output %v", l2.OutputShape())
	}
	roundTrip(t, Embedding(5, 3))
	for _, bad := range []string{`{"input_dim":5,"output_dim":3,"mask_zero":true}`, `{"output_dim":3}`, `{"input_dim":5}`} {
		var m map[string]any
		json.Unmarshal([]byte(bad), &m)
		if _, err := FromConfig("Embedding", m); err == nil {
			t.Errorf("FromConfig(%s): no error", bad)
		}
	}
}
