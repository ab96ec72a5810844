package layers

import (
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestFlatten(t *testing.T) {
	l := Flatten()
	buildLayer(t, l, []int{3, 4}, 1)
	if !tensor.SameShape(l.OutputShape(), []int{12}) {
		t.Fatalf("output %v", l.OutputShape())
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), -1, 1, 2, 3, 4)
	y, err := l.Forward(x, true)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(y.Shape, []int{2, 12}) || &y.Data[0] != &x.Data[0] {
		t.Fatalf("Forward: shape %v, shares data %v", y.Shape, &y.Data[0] == &x.Data[0])
	}
	gradCheck(t, l, x, true, false, 1e-3, nil)
	dy := tensor.New(2, 12)
	dx, _ := l.Backward(dy, true)
	if !tensor.SameShape(dx.Shape, x.Shape) {
		t.Fatalf("dx shape %v", dx.Shape)
	}
	if _, err := l.Backward(tensor.New(2, 11), true); err == nil {
		t.Error("wrong dy shape accepted")
	}
	v := Flatten()
	buildLayer(t, v, []int{-1, 4}, 1)
	if !tensor.SameShape(v.OutputShape(), []int{-1}) {
		t.Errorf("variable input: output %v, want [-1]", v.OutputShape())
	}
	if err := Flatten().Build(nil, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("scalar input accepted")
	}
	roundTrip(t, Flatten(WithName("flatten")))
}
