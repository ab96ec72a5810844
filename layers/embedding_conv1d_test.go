package layers

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/tensor"
)

func TestEmbeddingConv1DMatchesUnfused(t *testing.T) {
	for _, v := range []struct {
		name string
		opts []Option
	}{
		{"valid-relu", []Option{WithActivation("relu")}},
		{"same-tanh", []Option{WithPadding("same"), WithActivation("tanh")}},
		{"causal-nobias", []Option{WithPadding("causal"), WithUseBias(false)}},
		{"strided", []Option{WithStrides(2)}},
		{"dilated-same", []Option{WithDilationRate(2), WithPadding("same"), WithActivation("sigmoid")}},
	} {
		t.Run(v.name, func(t *testing.T) {
			mk := func(mode int) *EmbeddingConv1DLayer {
				l := FuseEmbeddingConv1D(Embedding(11, 4, WithInputLength(9)), Conv1D(3, 3, v.opts...))
				l.mode = mode
				if err := l.Build([]int{9}, rand.New(rand.NewPCG(1, 2))); err != nil {
					t.Fatal(err)
				}
				if b := l.conv.bias; b != nil {
					initUniform(rand.New(rand.NewPCG(3, 3)), -0.5, 0.5, b.Value.Data)
				}
				return l
			}
			fused, plain := mk(1), mk(2)
			rng := rand.New(rand.NewPCG(4, 4))
			x := tensor.New(3, 9)
			for i := range x.Data {
				x.Data[i] = float32(rng.IntN(11))
			}
			dy := randTensor(rng, -1, 1, append([]int{3}, fused.OutputShape()...)...)
			for step := 0; step < 2; step++ { // twice: the second must reset Grad
				yf, err := fused.Forward(x, true)
				if err != nil {
					t.Fatal(err)
				}
				yp, err := plain.Forward(x, true)
				if err != nil {
					t.Fatal(err)
				}
				if !fused.fused || plain.fused {
					t.Fatal("mode not honoured")
				}
				assertClose(t, "y", yf.Data, yp.Data, 1e-5)
				if _, err := fused.Backward(dy, false); err != nil {
					t.Fatal(err)
				}
				if _, err := plain.Backward(dy, false); err != nil {
					t.Fatal(err)
				}
				pf, pp := fused.Params(), plain.Params()
				for i := range pf {
					assertClose(t, pf[i].Name+" grad", pf[i].Grad.Data, pp[i].Grad.Data, 1e-5)
				}
				for i := range x.Data { // new ids for the second step
					x.Data[i] = float32(rng.IntN(6))
				}
			}
		})
	}
}

func TestEmbeddingConv1DAutoAndSwitch(t *testing.T) {
	l := FuseEmbeddingConv1D(Embedding(20, 4), Conv1D(2, 3))
	if err := l.Build([]int{-1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	ids := func(b, t int) *tensor.Tensor {
		x := tensor.New(b, t)
		for i := range x.Data {
			x.Data[i] = float32(rng.IntN(20))
		}
		return x
	}
	// 2·20 > 1·8 output steps: the plain path; 2·20 ≤ 4·18: fused.
	small, big := ids(1, 10), ids(4, 20)
	if _, err := l.Forward(small, true); err != nil || l.fused {
		t.Fatalf("small batch: fused=%v err=%v", l.fused, err)
	}
	if _, err := l.Backward(tensor.New(1, 8, 2), false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Forward(big, true); err != nil || !l.fused {
		t.Fatalf("big batch: fused=%v err=%v", l.fused, err)
	}
	dy := randTensor(rng, -1, 1, 4, 18, 2)
	if _, err := l.Backward(dy, false); err != nil {
		t.Fatal(err)
	}
	// Back to the plain path: the Embedding must clear the rows the fused
	// step wrote. Its gradient then has non-zero rows only for ids seen.
	if _, err := l.Forward(small, true); err != nil || l.fused {
		t.Fatal(err)
	}
	dy1 := randTensor(rng, -1, 1, 1, 8, 2)
	if _, err := l.Backward(dy1, false); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, v := range small.Data {
		seen[int(v)] = true
	}
	g := l.emb.emb.Grad.Data
	for id := 0; id < 20; id++ {
		if seen[id] {
			continue
		}
		for _, v := range g[id*4 : id*4+4] {
			if v != 0 {
				t.Fatalf("row %d (id not in batch) has gradient %v", id, v)
			}
		}
	}
	if _, err := l.Forward(ids(2, 2), true); err == nil {
		t.Error("input shorter than the kernel accepted")
	}
	bad := tensor.New(4, 20)
	bad.Data[5] = 20
	if _, err := l.Forward(bad, true); err == nil {
		t.Error("out-of-range id accepted on the fused path")
	}
	if err := FuseEmbeddingConv1D(Embedding(5, 4), Conv1D(2, 3)).Build([]int{2, 3}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("rank-2 ids accepted")
	}
}

func TestEmbeddingConv1DGradCheck(t *testing.T) {
	l := FuseEmbeddingConv1D(Embedding(6, 3), Conv1D(2, 3, WithActivation("tanh")))
	l.mode = 1
	if err := l.Build([]int{-1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.FromData([]float32{0, 5, 2, 2, 1, 3, 4, 4, 0, 1}, 2, 5)
	gradCheck(t, l, x, true, true, 1e-2, nil)
}

// BenchmarkIMDBStepFused is BenchmarkIMDBStep with the Embedding and the
// first Conv1D fused.
func BenchmarkIMDBStepFused(b *testing.B) { benchIMDBStep(b, true, false) }

// BenchmarkIMDBStepFusedZipf is BenchmarkIMDBStepFused on IMDB-like ids.
func BenchmarkIMDBStepFusedZipf(b *testing.B) { benchIMDBStep(b, true, true) }

// benchPair times Forward+Backward of Embedding(10000,128)+Conv1D(32,7,relu)
// on a (128, 500) batch, fused (mode 1) or as two layers (mode 2), with
// uniform ids (nearly every id in every batch) or IMDB-like ones.
func benchPair(b *testing.B, mode int, zipf bool) {
	l := FuseEmbeddingConv1D(Embedding(10000, 128, WithInputLength(500)), Conv1D(32, 7, WithActivation("relu")))
	l.mode = mode
	if err := l.Build([]int{-1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	x := randomIDs(rng, 128, 500, 10000)
	if zipf {
		x = imdbLikeIDs(rng, 128, 500, 10000)
	}
	dy := randTensor(rng, -1, 1, 128, 494, 32)
	benchForwardBackward(b, l, x, dy, false)
}

func BenchmarkEmbeddingConv1DIMDBFused(b *testing.B)     { benchPair(b, 1, false) }
func BenchmarkEmbeddingConv1DIMDBUnfused(b *testing.B)   { benchPair(b, 2, false) }
func BenchmarkEmbeddingConv1DIMDBFusedZipf(b *testing.B) { benchPair(b, 1, true) }

// imdbLikeIDs draws a batch shaped like padded IMDB reviews: lengths
// uniform in [50, steps], left-padded with id 0 as Keras's pad_sequences
// does, and word ids Zipf-distributed (exponent 1.1) over [1, vocab).
func imdbLikeIDs(rng *rand.Rand, batch, steps, vocab int) *tensor.Tensor {
	x := tensor.New(batch, steps)
	z := rand.NewZipf(rng, 1.1, 1, uint64(vocab-2))
	for s := 0; s < batch; s++ {
		n := 50 + rng.IntN(steps-49)
		for t := steps - n; t < steps; t++ {
			x.Data[s*steps+t] = float32(1 + z.Uint64())
		}
	}
	return x
}

func TestEmbeddingConv1DNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // parallel loops run inline
	l := FuseEmbeddingConv1D(Embedding(30, 8), Conv1D(4, 3, WithActivation("relu")))
	l.mode = 1
	if err := l.Build([]int{-1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	x := randomIDs(rng, 4, 20, 30)
	dy := randTensor(rng, -1, 1, 4, 18, 4)
	step := func() {
		if _, err := l.Forward(x, true); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Backward(dy, false); err != nil {
			t.Fatal(err)
		}
	}
	step()
	u := len(l.uniq)
	a, c := make([]float32, 30*24), make([]float32, 30*24)
	replay := func() { // the step's three GEMMs, for the kernel's own allocations
		kernels.Sgemm(false, false, u, 12, 8, 1, a, 8, a, 12, 0, c, 12)
		kernels.Sgemm(true, false, 8, 12, u, 1, a, 8, a, 12, 0, c, 12)
		kernels.Sgemm(false, true, u, 8, 12, 1, a, 12, a, 12, 0, c, 8)
	}
	base := testing.AllocsPerRun(20, replay)
	if n := testing.AllocsPerRun(20, step); n > base {
		t.Errorf("fused Forward+Backward allocate %v times per step, want %v (the GEMM kernel's own)", n, base)
	}
}

func TestEmbeddingFuseWith(t *testing.T) {
	emb, conv := Embedding(10, 4), Conv1D(2, 3)
	if _, ok := emb.FuseWith(conv); ok {
		t.Error("fused unbuilt layers")
	}
	buildLayer(t, emb, []int{-1}, 1)
	buildLayer(t, conv, emb.OutputShape(), 1)
	var f Fuser = emb
	l, ok := f.FuseWith(conv)
	if !ok || l.ClassName() != "EmbeddingConv1D" || len(l.Params()) != 3 || l.Params()[1] != conv.Params()[0] {
		t.Fatalf("FuseWith(Conv1D) = %v, %v", l, ok)
	}
	if _, ok := emb.FuseWith(Dense(3)); ok {
		t.Error("fused Embedding with Dense")
	}
}
