package layers

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestDenseExact(t *testing.T) {
	l := Dense(2)
	buildLayer(t, l, []int{3}, 1)
	copy(l.kernel.Value.Data, []float32{1, 2, 3, 4, 5, 6}) // [[1 2] [3 4] [5 6]]
	copy(l.bias.Value.Data, []float32{0.5, -1})
	x, _ := tensor.FromData([]float32{1, 0, -1, 2, 1, 0}, 2, 3)
	y, err := l.Forward(x, false)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "y", y.Data, []float32{-3.5, -5, 5.5, 7}, 0)
	dy, _ := tensor.FromData([]float32{1, 0, 0, 1}, 2, 2)
	dx, err := l.Backward(dy, true)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "dx", dx.Data, []float32{1, 3, 5, 2, 4, 6}, 0)
	assertClose(t, "dkernel", l.kernel.Grad.Data, []float32{1, 2, 0, 1, -1, 0}, 0)
	assertClose(t, "dbias", l.bias.Grad.Data, []float32{1, 1}, 0)
}

func TestDenseOnLastAxis(t *testing.T) {
	// A (batch, steps, in) input is a stack of rows, as in Keras.
	l := Dense(4, WithActivation("tanh"))
	buildLayer(t, l, []int{-1, 3}, 1)
	if !tensor.SameShape(l.OutputShape(), []int{-1, 4}) {
		t.Fatalf("output %v", l.OutputShape())
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := randTensor(rng, -1, 1, 2, 5, 3)
	y, err := l.Forward(x, false)
	if err != nil {
		t.Fatal(err)
	}
	y = y.Clone()
	flat := Dense(4, WithActivation("tanh"))
	buildLayer(t, flat, []int{3}, 1) // same seed: same weights
	x2, _ := x.Reshape(10, 3)
	y2, _ := flat.Forward(x2, false)
	if !tensor.SameShape(y.Shape, []int{2, 5, 4}) {
		t.Fatalf("shape %v", y.Shape)
	}
	assertClose(t, "3D vs 2D", y.Data, y2.Data, 0)
}

func TestDenseGradCheck(t *testing.T) {
	for _, act := range []string{"linear", "relu", "sigmoid", "tanh", "softmax"} {
		for _, ub := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(2, 3))
			l := Dense(4, WithActivation(act), WithUseBias(ub))
			buildLayer(t, l, []int{3, 5}, 4)
			x := randTensor(rng, -1, 1, 2, 3, 5)
			if act == "relu" {
				for try := 0; ; try++ {
					lin := Dense(4, WithUseBias(ub))
					buildLayer(t, lin, []int{3, 5}, 4)
					z, _ := lin.Forward(x, false)
					if awayFromKinks(z.Data, 0.03) {
						break
					}
					if try == 1000 {
						t.Fatal("no input away from the ReLU kink")
					}
					x = randTensor(rng, -1, 1, 2, 3, 5)
				}
			}
			gradCheck(t, l, x, true, false, 1e-2, nil)
		}
	}
}

func TestDenseParamsErrorsConfig(t *testing.T) {
	l := Dense(1)
	buildLayer(t, l, []int{32}, 1)
	if n := countParams(l); n != 33 {
		t.Errorf("Dense(1) on 32: %d params, want 33", n)
	}
	if ps := l.Params(); ps[0].Name != "kernel" || !tensor.SameShape(ps[0].Value.Shape, []int{32, 1}) || ps[1].Name != "bias" {
		t.Errorf("params %s %v, %s", ps[0].Name, ps[0].Value.Shape, ps[1].Name)
	}
	for i, c := range []struct {
		l    Layer
		in   []int
		want string
	}{
		{Dense(0), []int{3}, "units"},
		{Dense(2, WithActivation("gelu")), []int{3}, "activation"},
		{Dense(2), []int{-1}, "last axis"},
		{Dense(2, WithPadding("same")), []int{3}, "padding"},
	} {
		err := c.l.Build(c.in, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: Build error %v, want one mentioning %q", i, err, c.want)
		}
	}
	if _, err := l.Forward(tensor.New(2, 31), false); err == nil {
		t.Error("wrong feature size accepted")
	}
	d := Dense(3, WithActivation("sigmoid"), WithUseBias(false), WithName("dense_7"))
	js, _ := json.Marshal(d.Config())
	for _, want := range []string{`"units":3`, `"activation":"sigmoid"`, `"use_bias":false`, `"name":"dense_7"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("config %s lacks %s", js, want)
		}
	}
	d2 := roundTrip(t, d)
	buildLayer(t, d2, []int{2}, 1)
	if countParams(d2) != 6 {
		t.Errorf("rebuilt Dense has %d params, want 6", countParams(d2))
	}
	if _, err := FromConfig("Dense", map[string]any{"activation": "relu"}); err == nil {
		t.Error("Dense without units accepted")
	}
}
