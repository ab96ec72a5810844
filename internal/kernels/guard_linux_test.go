package kernels

import (
	"syscall"
	"testing"
	"unsafe"
)

// guarded returns a float32 slice of length n whose last element ends
// exactly at an inaccessible page, so any read or write past the end (or
// into the guard) by the assembly kernels crashes the test instead of
// silently using neighbouring memory.
func guarded(t *testing.T, n int) []float32 {
	t.Helper()
	page := syscall.Getpagesize()
	bytes := 4 * n
	dataPages := (bytes + page - 1) / page
	mem, err := syscall.Mmap(-1, 0, (dataPages+1)*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[dataPages*page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	if n == 0 {
		return nil
	}
	start := dataPages*page - bytes
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[start])), n)
}

// TestSgemmStaysInBounds runs shapes whose operands end right at a guard
// page: ragged tiles, overlapping rows, transposes and direct (unpacked)
// A and B reads must not touch a byte past the last element.
func TestSgemmStaysInBounds(t *testing.T) {
	forEachGemm(t, func(t *testing.T) {
		r := seededRand(t)
		for trial := 0; trial < 60; trial++ {
			gc := gemmCase{
				transA: r.IntN(2) == 0, transB: r.IntN(2) == 0,
				m: 1 + r.IntN(40), n: 1 + r.IntN(70), k: 1 + r.IntN(300),
				alpha: 1, beta: []float32{0, 1}[r.IntN(2)],
			}
			ar, ac := gc.m, gc.k
			if gc.transA {
				ar, ac = gc.k, gc.m
			}
			br, bc := gc.k, gc.n
			if gc.transB {
				br, bc = gc.n, gc.k
			}
			// Leading dimensions: overlapping, exact or padded.
			gc.lda = max(1, ac+r.IntN(5)-2)
			gc.ldb = max(1, bc+r.IntN(3))
			gc.ldc = gc.n + r.IntN(3)
			a := guarded(t, matLen(ar, ac, gc.lda))
			b := guarded(t, matLen(br, bc, gc.ldb))
			c := guarded(t, matLen(gc.m, gc.n, gc.ldc))
			copy(a, randSlice(r, len(a)))
			copy(b, randSlice(r, len(b)))
			copy(c, randSlice(r, len(c)))
			want := append([]float32(nil), c...)
			RefSgemm(gc.transA, gc.transB, gc.m, gc.n, gc.k, gc.alpha, a, gc.lda, b, gc.ldb, gc.beta, want, gc.ldc)
			Sgemm(gc.transA, gc.transB, gc.m, gc.n, gc.k, gc.alpha, a, gc.lda, b, gc.ldb, gc.beta, c, gc.ldc)
			for i := range c {
				if d := c[i] - want[i]; d > 1e-3 || d < -1e-3 {
					t.Fatalf("%v: C[%d] = %g, want %g", gc, i, c[i], want[i])
				}
			}
		}
	})
}

func TestElementwiseStaysInBounds(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		r := seededRand(t)
		for _, n := range []int{1, 31, 32, 33, 95, 96, 100} {
			x, y := guarded(t, n), guarded(t, n)
			copy(x, randSlice(r, n))
			copy(y, randSlice(r, n))
			Axpy(1, x, y)
			Scal(2, y)
			_ = Dot(x, y)
			_ = Sum(x)
			Relu(y, x)
			ReluBackward(y, y, x)
			Sigmoid(y, x)
			Tanh(y, x)
			// n columns of 3 rows with ldc n+1, ending at the guard.
			m := guarded(t, 2*(n+1)+n)
			copy(m, randSlice(r, len(m)))
			AddBias(m, 3, n+1, x)
			ColSum(y, 0.5, m, 3, n+1)
			// Pooling windows reaching the last input row.
			in := guarded(t, 7*n)
			copy(in, randSlice(r, len(in)))
			out, arg := make([]float32, 3*n), make([]int32, 3*n)
			MaxPool1D(out, arg, in, 7, n, 3, 3, 1, 3)
			if arg[2*n] != 5 && arg[2*n] != 6 {
				t.Fatalf("n=%d: last window's argmax row %d, want 5 or 6", n, arg[2*n])
			}
		}
	})
}
