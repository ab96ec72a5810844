package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// seededRand returns a generator seeded from the clock; the seed is logged
// so a failure can be replayed with KERNELS_SEED-style edits of the test.
func seededRand(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random seed: %d", seed)
		}
	})
	return rand.New(rand.NewPCG(seed, 0x5eed))
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

// forEachGemm runs f once per SGEMM path available here (AVX-512, AVX2,
// portable Go), restoring the default afterwards.
func forEachGemm(t *testing.T, f func(t *testing.T)) {
	saved := gemm
	defer func() { gemm = saved }()
	for _, g := range gemmImpls {
		gemm = g
		t.Run(g.name, f)
	}
}

// gemmCase is one Sgemm problem; extraLd widens leading dimensions and
// overlap (when > 0) sets lda to that value below the row length.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	lda, ldb, ldc  int
	alpha, beta    float32
}

func (gc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d lda=%d ldb=%d ldc=%d alpha=%g beta=%g",
		gc.transA, gc.transB, gc.m, gc.n, gc.k, gc.lda, gc.ldb, gc.ldc, gc.alpha, gc.beta)
}

func matLen(rows, cols, ld int) int {
	if rows == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

// checkGemmCase runs one case against a float64 evaluation of the same
// sums. Bound: |c − ref| ≤ 1e-5·(|alpha|·Σ_p |a||b| + |beta·c0|) + 1e-30,
// float32 rounding of a K-term sum with a few blocked partial sums.
func checkGemmCase(t *testing.T, r *rand.Rand, gc gemmCase) {
	t.Helper()
	ar, ac := gc.m, gc.k
	if gc.transA {
		ar, ac = gc.k, gc.m
	}
	br, bc := gc.k, gc.n
	if gc.transB {
		br, bc = gc.n, gc.k
	}
	a := randSlice(r, matLen(ar, ac, gc.lda))
	b := randSlice(r, matLen(br, bc, gc.ldb))
	c := randSlice(r, matLen(gc.m, gc.n, gc.ldc))
	if gc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	c0 := append([]float32(nil), c...)
	Sgemm(gc.transA, gc.transB, gc.m, gc.n, gc.k, gc.alpha, a, gc.lda, b, gc.ldb, gc.beta, c, gc.ldc)
	at := func(i, p int) float64 {
		if gc.transA {
			return float64(a[p*gc.lda+i])
		}
		return float64(a[i*gc.lda+p])
	}
	bt := func(p, j int) float64 {
		if gc.transB {
			return float64(b[j*gc.ldb+p])
		}
		return float64(b[p*gc.ldb+j])
	}
	for i := 0; i < gc.m; i++ {
		for j := 0; j < gc.n; j++ {
			var s, mag float64
			for p := 0; p < gc.k; p++ {
				s += at(i, p) * bt(p, j)
				mag += math.Abs(at(i, p) * bt(p, j))
			}
			want := float64(gc.alpha) * s
			bound := 1e-5*math.Abs(float64(gc.alpha))*mag + 1e-30
			if gc.beta != 0 {
				cv := float64(gc.beta) * float64(c0[i*gc.ldc+j])
				want += cv
				bound += 1e-5 * math.Abs(cv)
			}
			got := float64(c[i*gc.ldc+j])
			if !(math.Abs(got-want) <= bound) {
				t.Fatalf("%v: C[%d][%d] = %g, want %g (bound %g)", gc, i, j, got, want, bound)
			}
		}
		// Columns between n and ldc must be untouched.
		for j := gc.n; j < gc.ldc && i*gc.ldc+j < len(c); j++ {
			if got, was := c[i*gc.ldc+j], c0[i*gc.ldc+j]; math.Float32bits(got) != math.Float32bits(was) {
				t.Fatalf("%v: padding C[%d][%d] changed from %g to %g", gc, i, j, was, got)
			}
		}
	}
}

func TestSgemmShapes(t *testing.T) {
	dims := []int{1, 3, 6, 14, 17, 33, 64, 127}
	ks := []int{1, 3, 17, 33, 127, 300}
	forEachGemm(t, func(t *testing.T) {
		r := seededRand(t)
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, m := range dims {
					for _, n := range dims {
						k := ks[r.IntN(len(ks))]
						gc := gemmCase{transA: tA, transB: tB, m: m, n: n, k: k, alpha: 1, beta: 0}
						gc.lda, gc.ldb, gc.ldc = k, n, n
						if tA {
							gc.lda = m
						}
						if tB {
							gc.ldb = k
						}
						// Strides beyond the row length on a third of cases.
						if r.IntN(3) == 0 {
							gc.lda += r.IntN(5) + 1
							gc.ldb += r.IntN(5) + 1
							gc.ldc += r.IntN(5) + 1
						}
						gc.alpha = []float32{1, -0.7, 2.5}[r.IntN(3)]
						gc.beta = []float32{0, 1, 0.5}[r.IntN(3)]
						checkGemmCase(t, r, gc)
					}
				}
			}
		}
	})
}

// TestSgemmOverlappingRows covers lda smaller than the row length: a
// stride-1 Conv1D reads its input as an implicit im2col matrix this way,
// for the forward product and (transposed) for the weight gradient.
func TestSgemmOverlappingRows(t *testing.T) {
	forEachGemm(t, func(t *testing.T) {
		r := seededRand(t)
		for _, ch := range []int{1, 3, 14, 32} {
			for _, width := range []int{2, 5, 7} {
				for _, steps := range []int{1, 13, 60} {
					k := width * ch
					for _, n := range []int{1, 17, 32, 40} {
						for _, beta := range []float32{0, 1} {
							fwd := gemmCase{m: steps, n: n, k: k, lda: ch, ldb: n, ldc: n, alpha: 1, beta: beta}
							checkGemmCase(t, r, fwd)
							grad := gemmCase{transA: true, m: k, n: n, k: steps, lda: ch, ldb: n, ldc: n, alpha: 1, beta: beta}
							checkGemmCase(t, r, grad)
						}
					}
				}
			}
		}
	})
}

// TestSgemmLargeParallel covers the multi-worker split (M and N), the
// packed transposed-A path (lda ≥ packAMinLd), several K blocks and both
// loop orders.
func TestSgemmLargeParallel(t *testing.T) {
	cases := []gemmCase{
		{m: 301, n: 70, k: 600, alpha: 1, beta: 0.5},
		{transA: true, m: 530, n: 33, k: 290, alpha: -1, beta: 0},
		{transB: true, m: 9, n: 700, k: 400, alpha: 1, beta: 1},
		{transA: true, transB: true, m: 200, n: 200, k: 257, alpha: 0.5, beta: 0},
		// K ≫ M (K-outer loop order), like a weight gradient.
		{transA: true, m: 90, n: 32, k: 1500, alpha: 1, beta: 1},
	}
	forEachGemm(t, func(t *testing.T) {
		r := seededRand(t)
		for _, gc := range cases {
			gc.lda, gc.ldb, gc.ldc = gc.k, gc.n, gc.n
			if gc.transA {
				gc.lda = gc.m
			}
			if gc.transB {
				gc.ldb = gc.k
			}
			checkGemmCase(t, r, gc)
		}
	})
}

// TestSgemmDeterministic checks that repeated calls give bit-identical
// results, that splitting by rows or columns gives the same bits as one
// worker, and that the split-K order (K ≫ M) stays within rounding of it.
func TestSgemmDeterministic(t *testing.T) {
	r := seededRand(t)
	for _, sh := range []struct {
		m, n, k  int
		sameBits bool
	}{
		{m: 257, n: 96, k: 300, sameBits: true}, // split by row tiles
		{m: 9, n: 700, k: 400, sameBits: true},  // split by column panels
		{m: 100, n: 40, k: 3000},                // split along K
	} {
		m, n, k := sh.m, sh.n, sh.k
		a, b := randSlice(r, m*k), randSlice(r, k*n)
		run := func() []float32 {
			c := make([]float32, m*n)
			Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
			return c
		}
		first := run()
		again := run()
		prev := runtime.GOMAXPROCS(1)
		single := run()
		runtime.GOMAXPROCS(prev)
		for i := range first {
			if math.Float32bits(first[i]) != math.Float32bits(again[i]) {
				t.Fatalf("%dx%dx%d: C[%d] = %g then %g", m, n, k, i, first[i], again[i])
			}
			if sh.sameBits && math.Float32bits(first[i]) != math.Float32bits(single[i]) {
				t.Fatalf("%dx%dx%d: C[%d] = %g with %d workers, %g with 1", m, n, k, i, first[i], prev, single[i])
			}
			if d := math.Abs(float64(first[i] - single[i])); d > 1e-5*math.Sqrt(float64(k)) {
				t.Fatalf("%dx%dx%d: C[%d] = %g with %d workers, %g with 1", m, n, k, i, first[i], prev, single[i])
			}
		}
	}
}

func TestSgemmMatchesReference(t *testing.T) {
	// The exported entry point against RefSgemm itself on one odd shape,
	// including alpha = 0 and k = 0 (C = beta·C).
	r := seededRand(t)
	for _, gc := range []gemmCase{
		{m: 5, n: 7, k: 0, alpha: 1, beta: 0.5},
		{m: 5, n: 7, k: 3, alpha: 0, beta: 2},
		{m: 5, n: 7, k: 3, alpha: 0, beta: 0},
	} {
		gc.lda, gc.ldb, gc.ldc = max(gc.k, 1), gc.n, gc.n
		a, b := randSlice(r, gc.m*gc.lda), randSlice(r, gc.k*gc.n)
		c := randSlice(r, gc.m*gc.n)
		want := append([]float32(nil), c...)
		RefSgemm(false, false, gc.m, gc.n, gc.k, gc.alpha, a, gc.lda, b, gc.ldb, gc.beta, want, gc.ldc)
		Sgemm(false, false, gc.m, gc.n, gc.k, gc.alpha, a, gc.lda, b, gc.ldb, gc.beta, c, gc.ldc)
		for i := range c {
			if math.Abs(float64(c[i]-want[i])) > 1e-6 {
				t.Fatalf("%v: C[%d] = %g, want %g", gc, i, c[i], want[i])
			}
		}
	}
}

func TestSgemmShortSlicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a too-short A")
		}
	}()
	Sgemm(false, false, 4, 4, 4, 1, make([]float32, 15), 4, make([]float32, 16), 4, 0, make([]float32, 16), 4)
}

// TestSgemmEveryEdgeHeight gives every bottom-edge tile height (and so
// every short micro-kernel) a run, with A read both ways.
func TestSgemmEveryEdgeHeight(t *testing.T) {
	forEachGemm(t, func(t *testing.T) {
		r := seededRand(t)
		for m := 1; m <= 2*gemm.mr; m++ {
			for _, tA := range []bool{false, true} {
				n, k := 1+r.IntN(2*gemm.nr), 1+r.IntN(40)
				gc := gemmCase{transA: tA, m: m, n: n, k: k, ldb: n, ldc: n, alpha: 1.5, beta: 0.5}
				gc.lda = k
				if tA {
					gc.lda = m
				}
				checkGemmCase(t, r, gc)
			}
		}
	})
}

// TestSgemmBoundedPacking lowers the packed-B cap so that products are cut
// into K slices, and checks the result is unchanged.
func TestSgemmBoundedPacking(t *testing.T) {
	saved := maxPackedB
	defer func() { maxPackedB = saved }()
	forEachGemm(t, func(t *testing.T) {
		r := seededRand(t)
		for _, gc := range []gemmCase{
			{transB: true, m: 30, n: 40, k: 1000, alpha: 1, beta: 0.5},
			{transA: true, transB: true, m: 17, n: 33, k: 700, alpha: -1, beta: 0},
			{m: 20, n: 200, k: 600, alpha: 2, beta: 1},
		} {
			maxPackedB = 300 * 64 // a few K blocks at most
			gc.lda, gc.ldb, gc.ldc = gc.k, gc.n, gc.n
			if gc.transA {
				gc.lda = gc.m
			}
			if gc.transB {
				gc.ldb = gc.k
			}
			if !gc.transB {
				gc.ldb = 200 + 7 // > directBMaxLd: forces packing
			}
			checkGemmCase(t, r, gc)
		}
	})
}
