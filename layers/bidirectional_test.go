package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestBidirectionalGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 2))
	for _, c := range []struct {
		name  string
		inner Layer
		mode  string
	}{
		{"gru/concat", GRU(3), "concat"},
		{"gru/seq/concat", GRU(3, WithReturnSequences(true)), "concat"},
		{"lstm/seq/sum", LSTM(2, WithReturnSequences(true)), "sum"},
		{"gru/mul", GRU(2, WithResetAfter(false)), "mul"},
		{"rnn/seq/ave", SimpleRNN(2, WithReturnSequences(true)), "ave"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := Bidirectional(c.inner, WithMergeMode(c.mode))
			reseed := buildRNN(t, l, -1, 2)
			x := randTensor(rng, -1, 1, 2, 4, 2)
			gradCheck(t, l, x, false, false, 2e-2, reseed)
		})
	}
}

// TestBidirectionalSemantics checks the output against the two directions
// run by hand: a forward layer on x and the same weights on x reversed.
func TestBidirectionalSemantics(t *testing.T) {
	l := Bidirectional(GRU(2, WithReturnSequences(true)))
	buildRNN(t, l, -1, 3)
	f, b := l.Directions()
	if f.Name() != "forward_gru" || b.Name() != "backward_gru" {
		t.Fatalf("names %q, %q; want forward_gru, backward_gru", f.Name(), b.Name())
	}
	ps := l.Params()
	if len(ps) != 6 || ps[0].Name != "forward_gru/kernel" || ps[5].Name != "backward_gru/bias" {
		t.Fatalf("params %d, first %q last %q", len(ps), ps[0].Name, ps[5].Name)
	}
	x := randTensor(rand.New(rand.NewPCG(2, 3)), -1, 1, 2, 5, 3)
	y, err := l.Forward(x, false)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(y.Shape, []int{2, 5, 4}) {
		t.Fatalf("output shape %v, want (2, 5, 4)", y.Shape)
	}
	y = y.Clone()
	// A plain GRU with the backward copy's weights on the reversed input.
	ref := GRU(2, WithReturnSequences(true))
	buildRNN(t, ref, -1, 3)
	for i, p := range ref.Params() {
		copy(p.Value.Data, b.Params()[i].Value.Data)
	}
	xr := tensor.New(2, 5, 3)
	for i := 0; i < 2; i++ {
		for s := 0; s < 5; s++ {
			copy(xr.Data[(i*5+s)*3:(i*5+s+1)*3], x.Data[(i*5+4-s)*3:(i*5+5-s)*3])
		}
	}
	yr, err := ref.Forward(xr, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		for s := 0; s < 5; s++ {
			for j := 0; j < 2; j++ {
				got := y.Data[(i*5+s)*4+2+j]
				want := yr.Data[(i*5+4-s)*2+j]
				if math.Abs(float64(got-want)) > 1e-6 {
					t.Fatalf("backward half at batch %d step %d unit %d: %v, want %v", i, s, j, got, want)
				}
			}
		}
	}
	if err := Bidirectional(stubLayer{}).Build([]int{5, 3}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("Bidirectional accepted a non-recurrent layer")
	}
	if err := Bidirectional(GRU(3), WithMergeMode("max")).Build([]int{5, 3}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("Bidirectional accepted merge_mode max")
	}
}

// stubLayer is a non-recurrent Layer.
type stubLayer struct{}

func (stubLayer) Name() string                  { return "stub" }
func (stubLayer) SetName(string)                {}
func (stubLayer) ClassName() string             { return "Stub" }
func (stubLayer) Build([]int, *rand.Rand) error { return nil }
func (stubLayer) OutputShape() []int            { return nil }
func (stubLayer) Params() []*Param              { return nil }
func (stubLayer) Forward(x *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	return x, nil
}
func (stubLayer) Backward(dy *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	return dy, nil
}
func (stubLayer) Config() map[string]any { return nil }
