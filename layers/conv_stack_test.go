package layers

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

// seq chains layers into one Layer so that gradCheck can test a whole stack.
type seq struct {
	kbase
	ls []Layer
}

func (s *seq) ClassName() string { return "seq" }
func (s *seq) Build(in []int, rng *rand.Rand) error {
	for _, l := range s.ls {
		if err := l.Build(in, rng); err != nil {
			return err
		}
		in = l.OutputShape()
	}
	s.out = in
	return nil
}
func (s *seq) Params() []*Param {
	var ps []*Param
	for _, l := range s.ls {
		ps = append(ps, l.Params()...)
	}
	return ps
}
func (s *seq) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	var err error
	for _, l := range s.ls {
		if x, err = l.Forward(x, training); err != nil {
			return nil, err
		}
	}
	return x, nil
}
func (s *seq) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	var err error
	for i := len(s.ls) - 1; i >= 0; i-- {
		if dy, err = s.ls[i].Backward(dy, needDx || i > 0); err != nil {
			return nil, err
		}
	}
	return dy, nil
}
func (s *seq) Config() map[string]any { return nil }

func TestIMDBStyleStackGradCheck(t *testing.T) {
	// The IMDB architecture at toy sizes; the ids make the embeddings the
	// only perturbable input.
	s := &seq{ls: []Layer{
		Embedding(20, 4, WithInputLength(16)),
		Conv1D(3, 3, WithActivation("tanh")),
		MaxPooling1D(2),
		Conv1D(3, 2, WithActivation("tanh")),
		GlobalMaxPooling1D(),
		Dense(1),
	}}
	if err := s.Build([]int{-1}, rand.New(rand.NewPCG(5, 5))); err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(s.out, []int{1}) {
		t.Fatalf("output %v", s.out)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	// Larger embeddings so that the max-pooled activations are well apart.
	initUniform(rng, -2, 2, s.ls[0].Params()[0].Value.Data)
	x := tensor.New(3, 16)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(20))
	}
	gradCheck(t, s, x, true, true, 2e-2, nil)
}

func TestJenaConvStackShapes(t *testing.T) {
	s := []Layer{
		Conv1D(32, 5, WithActivation("relu"), WithInputShape(-1, 14)),
		MaxPooling1D(3),
		Conv1D(32, 5, WithActivation("relu")),
	}
	want := []struct {
		out    []int
		params int
	}{{[]int{-1, 32}, 2272}, {[]int{-1, 32}, 0}, {[]int{-1, 32}, 5152}}
	in := s[0].(*Conv1DLayer).InputShape()
	rng := rand.New(rand.NewPCG(1, 1))
	for i, l := range s {
		if err := l.Build(in, rng); err != nil {
			t.Fatal(err)
		}
		in = l.OutputShape()
		if !tensor.SameShape(in, want[i].out) || countParams(l) != want[i].params {
			t.Errorf("layer %d: output %v params %d, want %v %d", i, in, countParams(l), want[i].out, want[i].params)
		}
	}
	// A (2, 480, 14) batch flows to (2, 154, 32): 480 → 476 → 158 → 154.
	x := randTensor(rng, -1, 1, 2, 480, 14)
	var err error
	for _, l := range s {
		if x, err = l.Forward(x, true); err != nil {
			t.Fatal(err)
		}
	}
	if !tensor.SameShape(x.Shape, []int{2, 154, 32}) {
		t.Errorf("batch output %v, want [2 154 32]", x.Shape)
	}
}

// benchConv runs Forward+Backward of one Conv1D at the given shape.
func benchConv(b *testing.B, batch, steps, ch, filters, k int, needDx bool) {
	l := Conv1D(filters, k, WithActivation("relu"))
	if err := l.Build([]int{steps, ch}, rand.New(rand.NewPCG(1, 1))); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	x := randTensor(rng, -1, 1, batch, steps, ch)
	dy := randTensor(rng, -1, 1, batch, steps-k+1, filters)
	flops := 3 * 2 * float64(batch*(steps-k+1)*filters*k*ch)
	benchForwardBackward(b, l, x, dy, needDx)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// IMDB shapes at batch 128: conv1 on (500, 128) embeddings (its dx feeds
// the Embedding's gradient), conv2 on the pooled (98, 32).
func BenchmarkConv1DIMDB1(b *testing.B) { benchConv(b, 128, 500, 128, 32, 7, true) }
func BenchmarkConv1DIMDB2(b *testing.B) { benchConv(b, 128, 98, 32, 32, 7, true) }

// BenchmarkIMDBStep times the whole IMDB stack's Forward+Backward at batch
// 128 (no loss or optimizer).
func BenchmarkIMDBStep(b *testing.B) { benchIMDBStep(b, false, false) }

// benchIMDBStep times the IMDB stack, with the Embedding and the first
// Conv1D as two layers or fused, on uniform random ids or IMDB-like ones.
func benchIMDBStep(b *testing.B, fused, zipf bool) {
	emb, conv := Embedding(10000, 128, WithInputLength(500)), Conv1D(32, 7, WithActivation("relu"))
	first := []Layer{emb, conv}
	if fused {
		first = []Layer{FuseEmbeddingConv1D(emb, conv)}
	}
	s := &seq{ls: append(first,
		MaxPooling1D(5),
		Conv1D(32, 7, WithActivation("relu")),
		GlobalMaxPooling1D(),
		Dense(1),
	)}
	if err := s.Build([]int{-1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	x := randomIDs(rng, 128, 500, 10000)
	if zipf {
		x = imdbLikeIDs(rng, 128, 500, 10000)
	}
	dy := randTensor(rng, -1, 1, 128, 1)
	benchForwardBackward(b, s, x, dy, false)
}

// TestParallelMatchesSerial runs batches large enough for the layers'
// parallel loops with one worker and with several, and `go test -race`
// checks the split. The layers' own loops give each worker whole samples,
// taps or id ranges, so they do not change the arithmetic order; the GEMM
// kernel may split long sums across workers, hence the float32 tolerance.
func TestParallelMatchesSerial(t *testing.T) {
	run := func(procs int) [][]float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rng := rand.New(rand.NewPCG(9, 9))
		emb, conv := Embedding(100, 16), Conv1D(32, 5, WithActivation("relu"))
		s := &seq{ls: []Layer{
			FuseEmbeddingConv1D(emb, conv),
			MaxPooling1D(2),
			AveragePooling1D(2, WithStrides(1), WithPadding("same")),
			Conv1D(32, 3, WithStrides(2), WithActivation("relu")),
			Conv1D(32, 3, WithDilationRate(2), WithActivation("tanh")),
			GlobalMaxPooling1D(),
			Dense(2),
		}}
		if err := s.Build([]int{-1}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		plain := Embedding(100, 64)
		buildLayer(t, plain, []int{-1}, 2)
		x := tensor.New(24, 300)
		for i := range x.Data {
			x.Data[i] = float32(rng.IntN(100))
		}
		var out [][]float32
		for step := 0; step < 2; step++ {
			y, err := s.Forward(x, true)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, append([]float32(nil), y.Data...))
			if _, err := s.Backward(randTensor(rng, -1, 1, y.Shape...), false); err != nil {
				t.Fatal(err)
			}
			for _, p := range s.Params() {
				out = append(out, append([]float32(nil), p.Grad.Data...))
			}
			e, err := plain.Forward(x, true)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := plain.Backward(randTensor(rng, -1, 1, e.Shape...), false); err != nil {
				t.Fatal(err)
			}
			out = append(out, append([]float32(nil), plain.Params()[0].Grad.Data...))
		}
		if !s.ls[0].(*EmbeddingConv1DLayer).fused {
			t.Fatal("the fused path was not taken")
		}
		return out
	}
	one, many := run(1), run(4)
	for i := range one {
		assertClose(t, fmt.Sprintf("tensor %d", i), many[i], one[i], 1e-5)
	}
}

// reportCPU adds the CPU time per operation since c0 (cpuSeconds), which
// on a shared machine says more than the wall time.
func reportCPU(b *testing.B, c0 float64) {
	b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e3, "cpu-ms/op")
}

// benchForwardBackward times l's training Forward on x then Backward of dy
// per iteration, from here on, and reports the CPU time per operation.
func benchForwardBackward(b *testing.B, l Layer, x, dy *tensor.Tensor, needDx bool) {
	b.Helper()
	b.ResetTimer()
	c0 := cpuSeconds()
	for range b.N {
		if _, err := l.Forward(x, true); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Backward(dy, needDx); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, c0)
}

// randomIDs returns a (batch, steps) batch of ids drawn uniformly from
// [0, vocab).
func randomIDs(rng *rand.Rand, batch, steps, vocab int) *tensor.Tensor {
	x := tensor.New(batch, steps)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(vocab))
	}
	return x
}

func TestGEMMFreeLayersNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rng := rand.New(rand.NewPCG(1, 1))
	x3 := randTensor(rng, -1, 1, 3, 10, 4)
	ids := randomIDs(rng, 3, 10, 7)
	cases := []struct {
		l Layer
		x *tensor.Tensor
	}{
		{Embedding(7, 4), ids},
		{MaxPooling1D(3, WithStrides(2), WithPadding("same")), x3},
		{AveragePooling1D(2), x3},
		{GlobalMaxPooling1D(), x3},
		{GlobalAveragePooling1D(), x3},
		{Flatten(), x3},
		{Dropout(0.4), x3},
		{Activation("softmax"), x3},
	}
	for _, c := range cases {
		buildLayer(t, c.l, c.x.Shape[1:], 1)
		y, err := c.l.Forward(c.x, true)
		if err != nil {
			t.Fatal(err)
		}
		dy := randTensor(rng, -1, 1, y.Shape...)
		step := func() {
			if _, err := c.l.Forward(c.x, true); err != nil {
				t.Fatal(err)
			}
			if _, err := c.l.Backward(dy, true); err != nil {
				t.Fatal(err)
			}
		}
		step()
		if n := testing.AllocsPerRun(20, step); n != 0 {
			t.Errorf("%s Forward+Backward allocate %v times per step", c.l.ClassName(), n)
		}
	}
}
