package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// forEachVec runs f with the vector elementwise kernels on (when this CPU
// has them) and off.
func forEachVec(t *testing.T, f func(t *testing.T)) {
	saved := hasAVX2
	defer func() { hasAVX2 = saved }()
	if saved {
		hasAVX2 = true
		t.Run("avx2", f)
	}
	hasAVX2 = false
	t.Run("go", f)
}

var vecLens = []int{0, 1, 7, 31, 32, 33, 64, 100, 1000, 4099}

// closeTo reports |got−want| ≤ tol·scale.
func closeTo(got, want, scale, tol float64) bool {
	return math.Abs(got-want) <= tol*scale
}

func TestAxpyScal(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		r := seededRand(t)
		for _, n := range vecLens {
			x, y := randSlice(r, n), randSlice(r, n+3) // y longer: only n updated
			want := append([]float32(nil), y...)
			RefAxpy(-0.75, x, want[:n])
			Axpy(-0.75, x, y)
			for i := range y {
				if !closeTo(float64(y[i]), float64(want[i]), 1, 1e-6) {
					t.Fatalf("Axpy n=%d: y[%d] = %g, want %g", n, i, y[i], want[i])
				}
			}
			RefScal(1.5, want)
			Scal(1.5, y)
			for i := range y {
				if y[i] != want[i] && !closeTo(float64(y[i]), float64(want[i]), 1, 1e-6) {
					t.Fatalf("Scal n=%d: x[%d] = %g, want %g", n, i, y[i], want[i])
				}
			}
		}
	})
}

func TestDotSum(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		r := seededRand(t)
		for _, n := range vecLens {
			x, y := randSlice(r, n), randSlice(r, n)
			var dot, sum, mag, smag float64
			for i := range x {
				dot += float64(x[i]) * float64(y[i])
				mag += math.Abs(float64(x[i]) * float64(y[i]))
				sum += float64(x[i])
				smag += math.Abs(float64(x[i]))
			}
			// Bound: float32 summation error, ≤ ~n·2⁻²⁴·Σ|terms|, far
			// tighter in practice with blocked partial sums.
			if got := Dot(x, y); !closeTo(float64(got), dot, mag, 1e-5) {
				t.Fatalf("Dot n=%d = %g, want %g", n, got, dot)
			}
			if got := Sum(x); !closeTo(float64(got), sum, smag, 1e-5) {
				t.Fatalf("Sum n=%d = %g, want %g", n, got, sum)
			}
		}
	})
}

func TestReluAndBackward(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		r := seededRand(t)
		for _, n := range vecLens {
			x := randSlice(r, n)
			if n > 5 {
				x[0], x[3], x[n-1] = float32(math.NaN()), float32(math.Copysign(0, -1)), float32(math.Inf(-1))
			}
			want := make([]float32, n)
			RefRelu(want, x)
			got := make([]float32, n)
			Relu(got, x)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("Relu n=%d: [%d] relu(%g) = %g, want %g", n, i, x[i], got[i], want[i])
				}
			}
			// In place.
			inPlace := append([]float32(nil), x...)
			Relu(inPlace, inPlace)
			for i := range inPlace {
				if math.Float32bits(inPlace[i]) != math.Float32bits(want[i]) {
					t.Fatalf("Relu in place n=%d: [%d] = %g, want %g", n, i, inPlace[i], want[i])
				}
			}
			dy := randSlice(r, n)
			wantDx := make([]float32, n)
			RefReluBackward(wantDx, dy, x)
			ReluBackward(dy, dy, x) // dx aliases dy
			for i := range dy {
				if math.Float32bits(dy[i]) != math.Float32bits(wantDx[i]) {
					t.Fatalf("ReluBackward n=%d: [%d] = %g, want %g (y=%g)", n, i, dy[i], wantDx[i], x[i])
				}
			}
		}
	})
}

func TestAddBiasColSum(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		r := seededRand(t)
		for _, ch := range []int{1, 14, 32, 33, 96} {
			rows, ld := 37, ch+r.IntN(3)
			c := randSlice(r, rows*ld)
			bias := randSlice(r, ch)
			want := append([]float32(nil), c...)
			RefAddBias(want, rows, ld, bias)
			AddBias(c, rows, ld, bias)
			for i := range c {
				if c[i] != want[i] {
					t.Fatalf("AddBias ch=%d: c[%d] = %g, want %g", ch, i, c[i], want[i])
				}
			}
			for _, beta := range []float32{0, 1, 0.5} {
				dst := randSlice(r, ch)
				wantD := append([]float32(nil), dst...)
				RefColSum(wantD, beta, c, rows, ld)
				if beta == 0 {
					for j := range dst {
						dst[j] = float32(math.NaN()) // not read when beta is 0
					}
				}
				ColSum(dst, beta, c, rows, ld)
				for j := range dst {
					// Rows are summed in the reference's order: exact.
					if dst[j] != wantD[j] {
						t.Fatalf("ColSum ch=%d beta=%g: [%d] = %g, want %g", ch, beta, j, dst[j], wantD[j])
					}
				}
			}
		}
	})
}

func TestMaxPool1D(t *testing.T) {
	forEachVec(t, testMaxPool1D)
}

func testMaxPool1D(t *testing.T) {
	r := seededRand(t)
	for _, tc := range []struct{ steps, ch, pool, stride, pad int }{
		{494, 32, 5, 5, 0}, {10, 3, 3, 1, 1}, {7, 2, 2, 3, 4}, {1, 1, 5, 5, 2},
		{20, 13, 3, 2, 1}, {9, 8, 4, 1, 2}, {480, 14, 3, 3, 0},
	} {
		outSteps := (tc.steps+2*tc.pad-tc.pool)/tc.stride + 1
		if outSteps < 1 {
			outSteps = 1
		}
		in := randSlice(r, tc.steps*tc.ch)
		// Ties: repeat a row so first-wins is exercised; a NaN and an
		// infinity must behave as in the reference.
		if tc.steps > 2 {
			copy(in[tc.ch:2*tc.ch], in[:tc.ch])
			in[len(in)-1] = float32(math.NaN())
			in[len(in)/2] = float32(math.Inf(-1))
		}
		want, got := make([]float32, outSteps*tc.ch), make([]float32, outSteps*tc.ch)
		wantArg, gotArg := make([]int32, len(want)), make([]int32, len(got))
		RefMaxPool1D(want, wantArg, in, tc.steps, tc.ch, tc.pool, tc.stride, tc.pad, outSteps)
		MaxPool1D(got, gotArg, in, tc.steps, tc.ch, tc.pool, tc.stride, tc.pad, outSteps)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) || gotArg[i] != wantArg[i] {
				t.Fatalf("%+v: out[%d] = %g@%d, want %g@%d", tc, i, got[i], gotArg[i], want[i], wantArg[i])
			}
		}
	}
}

func TestSigmoidTanhAccuracy(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		r := seededRand(t)
		x := make([]float32, 0, 5000)
		for _, v := range []float64{0, -0.0, 1e-8, -1e-8, 1e-3, -1e-3, 0.5, -0.5, 8, -8, 15, -15, 30, -30, 88, -88, 100, -100, 1e4, -1e4} {
			x = append(x, float32(v))
		}
		for len(x) < cap(x) {
			x = append(x, float32(r.NormFloat64()*4))
		}
		x = append(x, float32(math.Inf(1)), float32(math.Inf(-1)))
		got := make([]float32, len(x))
		nan := make([]float32, 9)
		nan[4] = float32(math.NaN())
		for _, f := range []func(dst, src []float32){Sigmoid, Tanh} {
			f(nan, nan)
			if !math.IsNaN(float64(nan[4])) || math.IsNaN(float64(nan[3])) {
				t.Fatalf("NaN handling: %v", nan)
			}
		}
		// Stated bound: |got − want| ≤ 1e-6·|want| + 1e-38 against float64
		// (relative everywhere, tanh near 0 included; the absolute floor only
		// matters where sigmoid underflows float32's normal range).
		const tol = 1e-6
		Sigmoid(got, x)
		for i, v := range x {
			want := 1 / (1 + math.Exp(-float64(v)))
			if !(math.Abs(float64(got[i])-want) <= tol*want+1e-38) {
				t.Fatalf("Sigmoid(%g) = %g, want %g", v, got[i], want)
			}
		}
		Tanh(got, x)
		for i, v := range x {
			want := math.Tanh(float64(v))
			if !(math.Abs(float64(got[i])-want) <= tol*math.Abs(want)+1e-38) {
				t.Fatalf("Tanh(%g) = %g, want %g", v, got[i], want)
			}
		}
	})
}

// TestVecPathsAgreeWithRef draws random lengths and offsets (unaligned
// starts) for every elementwise kernel at once.
func TestVecPathsUnaligned(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		r := seededRand(t)
		for trial := 0; trial < 50; trial++ {
			n, off := r.IntN(300), r.IntN(8)
			buf := randSlice(r, n+off)
			x := buf[off:]
			y := randSlice(rand.New(rand.NewPCG(uint64(trial), 1)), n)
			want := append([]float32(nil), y...)
			RefAxpy(2, x, want)
			Axpy(2, x, y)
			for i := range y {
				if !closeTo(float64(y[i]), float64(want[i]), 1, 1e-6) {
					t.Fatalf("n=%d off=%d: Axpy[%d] = %g, want %g", n, off, i, y[i], want[i])
				}
			}
		}
	})
}
