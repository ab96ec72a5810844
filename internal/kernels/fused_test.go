package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGRUBackwardStep compares the fused step with its reference bit for
// bit (both round each product and sum separately, in the same order),
// over lengths that exercise the 16-lane, 8-lane and scalar paths, and
// checks one element by hand.
func TestGRUBackwardStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	fill := func(n int, lo, hi float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = lo + (hi-lo)*rng.Float32()
		}
		return v
	}
	for _, n := range []int{1, 7, 8, 24, 32, 37, 45} {
		u, ms := n+3, 2*n+5
		gate := fill(3*u, 0.01, 0.99)
		hPrev, rh := fill(n, -1, 1), fill(n, -2, 2)
		dop := fill(3*u, -1, 1)
		mask := fill(3*ms, 0, 2)
		dh0 := fill(n, -1, 1)
		dh0[0] = 1e-31 // below 2^-100 once the operand terms cancel
		dop[0], dop[u], dop[2*u] = 0, 0, 0
		run := func(f func(dh, dgate, drh, gate, hPrev, rh, dop, mask []float32, u, maskStride int)) (dh, dg, drh []float32) {
			dh = append([]float32(nil), dh0...)
			dg, drh = fill(3*u, -9, 9), fill(n, -9, 9)
			f(dh, dg, drh, gate, hPrev, rh, dop, mask, u, ms)
			return dh, dg, drh
		}
		dh1, dg1, drh1 := run(RefGRUBackwardStep)
		dh2, dg2, drh2 := run(GRUBackwardStep)
		same := func(a, b []float32) bool {
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					return false
				}
			}
			return true
		}
		if !same(dh1, dh2) || !same(drh1, drh2) ||
			!same(dg1[:n], dg2[:n]) || !same(dg1[u:u+n], dg2[u:u+n]) || !same(dg1[2*u:2*u+n], dg2[2*u:2*u+n]) {
			t.Errorf("n=%d: GRUBackwardStep differs from RefGRUBackwardStep", n)
		}
		if dh2[0] != 0 || dg2[0] != 0 || drh2[0] != 0 {
			t.Errorf("n=%d: a gradient below 2^-100 was not flushed: dh %g dz %g drh %g", n, dh2[0], dg2[0], drh2[0])
		}
		// Element n−1 by hand, in float64.
		j := n - 1
		d := float64(dh0[j])
		for k := 0; k < 3; k++ {
			d += float64(dop[k*u+j]) * float64(mask[k*ms+j])
		}
		z, r, hh := float64(gate[j]), float64(gate[u+j]), float64(gate[2*u+j])
		c := d * (1 - z) * (1 - hh*hh)
		want := []float64{d * z, d * (float64(hPrev[j]) - hh) * z * (1 - z), c * float64(rh[j]) * r * (1 - r), c, c * r}
		got := []float32{dh2[j], dg2[j], dg2[u+j], dg2[2*u+j], drh2[j]}
		for i, w := range want {
			if math.Abs(float64(got[i])-w) > 1e-5*(1+math.Abs(w)) {
				t.Errorf("n=%d: output %d = %g, want %g", n, i, got[i], w)
			}
		}
	}
}

// TestGRUForwardStep checks the fused forward step against the unfused
// kernels it replaces (Sigmoid, Go loops, Tanh: bit for bit) and against
// its float64-based reference (within the activations' accuracy), with and
// without the masked operands, over lengths that exercise the 16-lane, the
// 8-lane and the scalar paths.
func TestGRUForwardStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	fill := func(n int, lo, hi float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = lo + (hi-lo)*rng.Float32()
		}
		return v
	}
	unfused := func(gate, rh, bh, hPrev, h, op, mask []float32, u, ms int) {
		gruForwardStepWith(Sigmoid, Tanh, gate, rh, bh, hPrev, h, op, mask, u, ms)
	}
	for _, n := range []int{3, 8, 24, 32, 37, 45} {
		for _, withOps := range []bool{false, true} {
			u, ms := n+2, 2*n+1
			gate0 := fill(3*u, -4, 4)
			gate0[0] = 0.1 // the tanh series range
			rh0, bh, hPrev := fill(n, -2, 2), fill(n, -1, 1), fill(n, -1, 1)
			mask := fill(3*ms, 0, 2)
			type out struct{ gate, rh, h, op []float32 }
			run := func(f func(gate, rh, bh, hPrev, h, op, mask []float32, u, maskStride int)) out {
				o := out{append([]float32(nil), gate0...), append([]float32(nil), rh0...), make([]float32, n), nil}
				var m []float32
				if withOps {
					o.op, m = make([]float32, 3*u), mask
				}
				f(o.gate, o.rh, bh, hPrev, o.h, o.op, m, u, ms)
				return o
			}
			got, same, ref := run(GRUForwardStep), run(unfused), run(RefGRUForwardStep)
			check := func(what string, a, b []float32, tol float64) {
				for i := range a {
					if d := math.Abs(float64(a[i]) - float64(b[i])); d > tol || (tol == 0 && math.Float32bits(a[i]) != math.Float32bits(b[i])) {
						t.Errorf("n=%d ops=%v: %s[%d] = %g, want %g", n, withOps, what, i, a[i], b[i])
						return
					}
				}
			}
			for _, c := range []struct {
				want out
				tol  float64
			}{{same, 0}, {ref, 2e-6}} {
				check("gate", got.gate, c.want.gate, c.tol)
				check("rh", got.rh, c.want.rh, c.tol)
				check("h", got.h, c.want.h, c.tol)
				check("op", got.op, c.want.op, c.tol)
			}
		}
	}
}

// TestAddBiasRelu checks the fused epilogue against AddBias then Relu (bit
// for bit) and against its reference, for widths with and without a vector
// part and a tail, in place and not.
func TestAddBiasRelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{5, 32, 45, 96} {
		for _, inPlace := range []bool{false, true} {
			rows := 7
			src := make([]float32, rows*n)
			for i := range src {
				src[i] = rng.Float32()*2 - 1
			}
			src[1] = float32(math.NaN())
			bias := make([]float32, n)
			for j := range bias {
				bias[j] = rng.Float32() - 0.5
			}
			want := append([]float32(nil), src...)
			AddBias(want, rows, n, bias)
			Relu(want, want)
			ref := make([]float32, rows*n)
			RefAddBiasRelu(ref, src, rows, bias)
			got := make([]float32, rows*n)
			if inPlace {
				got = append(got[:0], src...)
				AddBiasRelu(got, got, rows, bias)
			} else {
				AddBiasRelu(got, src, rows, bias)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) || got[i] != ref[i] {
					t.Fatalf("n=%d in place %v: element %d = %g, want %g (reference %g)", n, inPlace, i, got[i], want[i], ref[i])
				}
			}
			if got[1] != 0 {
				t.Errorf("n=%d: NaN + bias gave %g, want 0", n, got[1])
			}
		}
	}
}

// TestMaxPool1DBackward checks the vector pooling gradient against its
// reference bit for bit, with argmax rows from MaxPool1D (ties included),
// leftover input rows past the last window, a −0 gradient and stale
// values in dx that must be overwritten.
func TestMaxPool1DBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for _, c := range []struct{ steps, ch, pool int }{{481, 32, 3}, {20, 16, 2}, {17, 12, 5}, {9, 8, 1}} {
		out := (c.steps-c.pool)/c.pool + 1
		in := make([]float32, c.steps*c.ch)
		for i := range in {
			in[i] = float32(rng.IntN(5)) // ties
		}
		y, arg := make([]float32, out*c.ch), make([]int32, out*c.ch)
		MaxPool1D(y, arg, in, c.steps, c.ch, c.pool, c.pool, 0, out)
		dy := make([]float32, out*c.ch)
		for i := range dy {
			dy[i] = rng.Float32()*2 - 1
		}
		dy[0] = float32(math.Copysign(0, -1))
		want := make([]float32, c.steps*c.ch)
		RefMaxPool1DBackward(want, dy, arg, c.steps, c.ch, c.pool, out)
		got := make([]float32, c.steps*c.ch)
		for i := range got {
			got[i] = 7 // stale
		}
		MaxPool1DBackward(got, dy, arg, c.steps, c.ch, c.pool, out)
		nonzero := 0
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: element %d = %g, want %g", c, i, got[i], want[i])
			}
			if got[i] != 0 {
				nonzero++
			}
		}
		if nonzero < out*c.ch/2 {
			t.Errorf("%+v: only %d nonzero gradients for %d windows×channels", c, nonzero, out*c.ch)
		}
	}
}

// TestGRUBackwardRows checks the row-block form against the per-row kernel
// and its reference, bit for bit, for a vector width and a Go-only one.
func TestGRUBackwardRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	for _, u := range []int{32, 12} {
		rows, ms := 5, 7*u
		gate, dop := fill(3*u*rows), fill(3*u*rows)
		for i := range gate {
			gate[i] = gate[i]/2 + 0.5 // gate values in (0, 1)
		}
		hPrev, rh, mask, dh0 := fill(u*rows), fill(u*rows), fill(2*ms+u*rows), fill(u*rows)
		type out struct{ dh, dg, drh []float32 }
		run := func(f func(rows int, dh, dgate, drh, gate, hPrev, rh, dop, mask []float32, u, maskStride int)) out {
			o := out{append([]float32(nil), dh0...), make([]float32, 3*u*rows), make([]float32, u*rows)}
			f(rows, o.dh, o.dg, o.drh, gate, hPrev, rh, dop, mask, u, ms)
			return o
		}
		perRow := func(rows int, dh, dgate, drh, gate, hPrev, rh, dop, mask []float32, u, maskStride int) {
			for i := 0; i < rows; i++ {
				w, n := i*3*u, i*u
				GRUBackwardStep(dh[n:n+u], dgate[w:], drh[n:], gate[w:], hPrev[n:], rh[n:], dop[w:], mask[n:], u, maskStride)
			}
		}
		got, want, ref := run(GRUBackwardRows), run(perRow), run(RefGRUBackwardRows)
		for k, pair := range [][3][]float32{{got.dh, want.dh, ref.dh}, {got.dg, want.dg, ref.dg}, {got.drh, want.drh, ref.drh}} {
			for i := range pair[0] {
				if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) || pair[0][i] != pair[2][i] {
					t.Fatalf("u=%d output %d element %d: %g, per row %g, reference %g", u, k, i, pair[0][i], pair[1][i], pair[2][i])
				}
			}
		}
	}
}

// TestGRUForwardRows checks the row-block form against the per-row kernel
// (bit for bit) and its reference, with and without the operands, for a
// vector width and a Go-only one.
func TestGRUForwardRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = rng.Float32()*4 - 2
		}
		return v
	}
	for _, u := range []int{32, 12} {
		for _, withOps := range []bool{false, true} {
			rows, ms := 5, 7*u
			gate0, rh0, bh, hPrev, mask := fill(3*u*rows), fill(u*rows), fill(u), fill(u*rows), fill(2*ms+u*rows)
			type out struct{ gate, rh, h, op []float32 }
			run := func(f func(rows int, gate, rh, bh, hPrev, h, op, mask []float32, u, maskStride int)) out {
				o := out{append([]float32(nil), gate0...), append([]float32(nil), rh0...), make([]float32, u*rows), nil}
				var m []float32
				if withOps {
					o.op, m = make([]float32, 3*u*rows), mask
				}
				f(rows, o.gate, o.rh, bh, hPrev, o.h, o.op, m, u, ms)
				return o
			}
			perRow := func(rows int, gate, rh, bh, hPrev, h, op, mask []float32, u, maskStride int) {
				for i := 0; i < rows; i++ {
					w, n := i*3*u, i*u
					var o, m []float32
					if op != nil {
						o, m = op[w:], mask[n:]
					}
					GRUForwardStep(gate[w:], rh[n:], bh, hPrev[n:], h[n:n+u], o, m, u, maskStride)
				}
			}
			got, want, ref := run(GRUForwardRows), run(perRow), run(RefGRUForwardRows)
			for k, pair := range [][3][]float32{{got.gate, want.gate, ref.gate}, {got.rh, want.rh, ref.rh}, {got.h, want.h, ref.h}, {got.op, want.op, ref.op}} {
				for i := range pair[0] {
					if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) || math.Abs(float64(pair[0][i]-pair[2][i])) > 2e-6 {
						t.Fatalf("u=%d ops=%v output %d element %d: %g, per row %g, reference %g", u, withOps, k, i, pair[0][i], pair[1][i], pair[2][i])
					}
				}
			}
		}
	}
}
