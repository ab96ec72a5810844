package layers

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestDropoutMask(t *testing.T) {
	l := Dropout(0.3)
	buildLayer(t, l, []int{100}, 9)
	x := tensor.New(200, 100)
	for i := range x.Data {
		x.Data[i] = float32(i%7) + 1
	}
	y, err := l.Forward(x, false)
	if err != nil || y != x {
		t.Fatalf("inference Forward = %p, %v; want x itself", y, err)
	}
	y, err = l.Forward(x, true)
	if err != nil {
		t.Fatal(err)
	}
	zeros := 0
	for i, v := range y.Data {
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v)-float64(x.Data[i])/0.7) > 1e-5:
			t.Fatalf("kept value %v, want %v/0.7", v, x.Data[i])
		}
	}
	// 20000 draws: the zero fraction is 0.3 ± 0.0032 (1σ).
	if f := float64(zeros) / float64(len(y.Data)); math.Abs(f-0.3) > 0.015 {
		t.Errorf("dropped fraction %v, want 0.3", f)
	}
	dy := tensor.New(200, 100)
	for i := range dy.Data {
		dy.Data[i] = 1
	}
	dx, _ := l.Backward(dy, true)
	for i, v := range dx.Data {
		if (v == 0) != (y.Data[i] == 0) {
			t.Fatalf("backward mask differs from forward at %d", i)
		}
	}
	// A new training Forward draws a new mask.
	first := append([]float32(nil), y.Data...)
	y, _ = l.Forward(x, true)
	same := true
	for i := range first {
		same = same && first[i] == y.Data[i]
	}
	if same {
		t.Error("two training batches got the same mask")
	}
}

func TestDropoutGradCheckAndSeed(t *testing.T) {
	pcg := rand.NewPCG(4, 2)
	l := Dropout(0.5)
	if err := l.Build([]int{6}, rand.New(pcg)); err != nil {
		t.Fatal(err)
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), -1, 1, 3, 6)
	gradCheck(t, l, x, true, false, 1e-3, func() { pcg.Seed(4, 2) })

	a, b := Dropout(0.5, WithSeed(7)), Dropout(0.5, WithSeed(7))
	buildLayer(t, a, []int{6}, 1)
	buildLayer(t, b, []int{6}, 2) // different model generator, same own seed
	ya, _ := a.Forward(x, true)
	yb, _ := b.Forward(x, true)
	assertClose(t, "seeded masks", ya.Data, yb.Data, 0)
}

func TestDropoutErrorsConfig(t *testing.T) {
	for _, r := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if err := Dropout(r).Build([]int{3}, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "rate") {
			t.Errorf("rate %v: %v", r, err)
		}
	}
	if err := Dropout(0.1, WithUseBias(false)).Build([]int{3}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("use_bias accepted")
	}
	l := Dropout(0.25, WithSeed(3), WithName("dropout"))
	js, _ := json.Marshal(l.Config())
	for _, want := range []string{`"rate":0.25`, `"seed":3`, `"noise_shape":null`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("config %s lacks %s", js, want)
		}
	}
	roundTrip(t, l)
	roundTrip(t, Dropout(0.5))
	if _, err := FromConfig("Dropout", map[string]any{"rate": 0.5, "noise_shape": []any{nil, 1.0}}); err == nil {
		t.Error("noise_shape accepted")
	}
}
