package kernels

// The exported kernels below are the ones layers call. Each dispatches to
// the fastest path this build and CPU have (see doc.go); the Ref*
// functions in ref.go remain the specification.

// Sgemm computes C = alpha·op(A)·op(B) + beta·C (see RefSgemm for the layout
// contract; lda may be smaller than the row length, so rows may overlap).
// When beta is 0, C is not read. Large products are split across the
// worker pool; results are reproducible for a given GOMAXPROCS (see doc.go).
// It panics if a slice is too short for the shape and leading dimension.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// vecMin is the length from which the vector kernels pay off; they work on
// multiples of 32 and the Go loops finish the tail.
const vecMin = 32

// Axpy computes y += alpha·x over len(x) elements.
func Axpy(alpha float32, x, y []float32) {
	n := len(x)
	y = y[:n]
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		axpyAvx2(alpha, &x[0], &y[0], done)
	}
	for i := done; i < n; i++ {
		y[i] += alpha * x[i]
	}
}

// Scal computes x *= alpha.
func Scal(alpha float32, x []float32) {
	n := len(x)
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		scalAvx2(alpha, &x[0], done)
	}
	for i := done; i < n; i++ {
		x[i] *= alpha
	}
}

// Dot returns Σ x[i]·y[i] over len(x) elements.
func Dot(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	var s float32
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		s = dotAvx2(&x[0], &y[0], done)
	}
	for i := done; i < n; i++ {
		s += x[i] * y[i]
	}
	return s
}

// Sum returns Σ x[i].
func Sum(x []float32) float32 {
	n := len(x)
	var s float32
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		s = sumAvx2(&x[0], done)
	}
	for i := done; i < n; i++ {
		s += x[i]
	}
	return s
}

// Relu sets dst[i] = max(src[i], 0); dst may alias src. NaN maps to 0.
func Relu(dst, src []float32) {
	n := len(src)
	dst = dst[:n]
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		reluAvx2(&dst[0], &src[0], done)
	}
	RefRelu(dst[done:], src[done:])
}

// ReluBackward sets dx[i] = dy[i]·[y[i] > 0]; dx may alias dy.
func ReluBackward(dx, dy, y []float32) {
	n := len(y)
	dx, dy = dx[:n], dy[:n]
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		reluBackwardAvx2(&dx[0], &dy[0], &y[0], done)
	}
	RefReluBackward(dx[done:], dy[done:], y[done:])
}

// Sigmoid sets dst[i] = σ(src[i]); dst may alias src. The vector path
// evaluates e^x with a range-reduced polynomial: relative error ≤ 1e-6
// against float64 (tested; about 5e-7 seen), and NaN propagates.
func Sigmoid(dst, src []float32) {
	n := len(src)
	dst = dst[:n]
	done := 0
	if hasAVX2 && n >= 8 {
		done = n &^ 7
		sigmoidAvx2(&dst[0], &src[0], done)
	}
	RefSigmoid(dst[done:], src[done:])
}

// Tanh sets dst[i] = tanh(src[i]); dst may alias src. Accuracy as for
// Sigmoid (a series below |x| = 0.35 keeps it relative near 0).
func Tanh(dst, src []float32) {
	n := len(src)
	dst = dst[:n]
	done := 0
	if hasAVX2 && n >= 8 {
		done = n &^ 7
		tanhAvx2(&dst[0], &src[0], done)
	}
	RefTanh(dst[done:], src[done:])
}

// AddBias adds bias to the first len(bias) columns of each of rows rows of c.
func AddBias(c []float32, rows, ldc int, bias []float32) {
	n := len(bias)
	if rows <= 0 || n == 0 {
		return
	}
	_ = c[(rows-1)*ldc+n-1] // bounds, before the unchecked vector loop
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		addBiasAvx2(&c[0], rows, ldc, &bias[0], done)
	}
	if done < n {
		for r := 0; r < rows; r++ {
			row := c[r*ldc+done : r*ldc+n]
			for j, b := range bias[done:] {
				row[j] += b
			}
		}
	}
}

// ColSum sets dst[j] = beta·dst[j] + Σ_r src[r*lds+j], summing rows in
// order as RefColSum does (so results match it exactly). When beta is 0,
// dst is not read.
func ColSum(dst []float32, beta float32, src []float32, rows, lds int) {
	n := len(dst)
	if rows <= 0 || n == 0 {
		if beta == 0 {
			clear(dst)
		} else {
			Scal(beta, dst)
		}
		return
	}
	_ = src[(rows-1)*lds+n-1] // bounds, before the unchecked vector loop
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		if beta == 0 {
			colSumAvx2(&dst[0], &src[0], rows, lds, done)
		} else {
			sums := getBuf(&cPool, done)
			colSumAvx2(&(*sums)[0], &src[0], rows, lds, done)
			for j, v := range (*sums)[:done] {
				dst[j] = beta*dst[j] + v
			}
			cPool.Put(sums)
		}
	}
	if done < n {
		if beta == 0 {
			clear(dst[done:]) // not read: NaNs there must not propagate
		}
		RefColSum(dst[done:], beta, src[done:], rows, lds)
	}
}

// MaxPool1D pools one steps×ch sample into outSteps×ch with argmax rows; see
// RefMaxPool1D (same results, including ties and empty windows).
func MaxPool1D(out []float32, arg []int32, in []float32, steps, ch, pool, stride, padLeft, outSteps int) {
	for t := 0; t < outSteps; t++ {
		lo := t*stride - padLeft
		lo, hi := max(lo, 0), min(lo+pool, steps)
		o := out[t*ch : t*ch+ch]
		g := arg[t*ch : t*ch+ch]
		if lo >= hi {
			clear(o)
			for c := range g {
				g[c] = -1
			}
			continue
		}
		done := 0
		if hasAVX2 && ch >= 8 {
			_ = in[hi*ch-1] // bounds, before the unchecked vector loop
			done = ch &^ 7
			maxPoolRowAvx2(&o[0], &g[0], &in[0], ch, lo, hi-lo, done)
		}
		if done == ch {
			continue
		}
		copy(o[done:], in[lo*ch+done:lo*ch+ch])
		for c := done; c < ch; c++ {
			g[c] = int32(lo)
		}
		for r := lo + 1; r < hi; r++ {
			row := in[r*ch+done : r*ch+ch]
			for c, v := range row {
				if v > o[done+c] {
					o[done+c], g[done+c] = v, int32(r)
				}
			}
		}
	}
}

// GRUBackwardStep is one row of the backward time step of a reset_after
// GRU with sigmoid gates, a tanh candidate and a recurrent dropout mask
// per gate (Keras's GRU under recurrent_dropout), fused into one pass; see
// RefGRUBackwardStep for the exact arithmetic, which it reproduces bit for
// bit. On entry dh holds ∂loss/∂h_t before the gradient through step t+1's
// masked operands, dop (three u-wide blocks) that operand gradient, mask
// the three masks maskStride apart; on return dh holds d·z, the gradient
// towards h_{t−1} through the update gate. gate holds z, r and h̃ (u apart),
// dgate receives their pre-activation gradients (u apart), rh is
// h_{t−1}·U_h + b′_h and drh receives ∂loss/∂rh = c·r.
func GRUBackwardStep(dh, dgate, drh, gate, hPrev, rh, dop, mask []float32, u, maskStride int) {
	n := len(dh)
	if n == 0 {
		return
	}
	// Bounds once here: the assembly reads and writes the whole ranges.
	_, _, _, _ = dgate[2*u+n-1], drh[n-1], gate[2*u+n-1], hPrev[n-1]
	_, _, _ = rh[n-1], dop[2*u+n-1], mask[2*maskStride+n-1]
	done := 0
	if hasAVX2 && n >= 8 && u >= n && maskStride >= n {
		if hasAVX512 && n >= 16 {
			done = n &^ 15
			gruBackwardAvx512(&dh[0], &dgate[0], &drh[0], &gate[0], &hPrev[0], &rh[0], &dop[0], &mask[0], u, maskStride, done)
		}
		if n-done >= 8 {
			gruBackwardAvx2(&dh[done], &dgate[done], &drh[done], &gate[done], &hPrev[done], &rh[done], &dop[done], &mask[done], u, maskStride, 8)
			done += 8
		}
	}
	if done < n {
		RefGRUBackwardStep(dh[done:], dgate[done:], drh[done:], gate[done:], hPrev[done:], rh[done:], dop[done:], mask[done:], u, maskStride)
	}
}

// GRUForwardStep is one row of the forward time step of a reset_after GRU
// with sigmoid gates and a tanh candidate, fused into one pass (see
// RefGRUForwardStep). gate holds the pre-activations of z, r and h̃ (u
// apart, the recurrent products of z and r already added) and receives
// their activations; rh holds h_{t−1}·U_h and receives it plus bh (b′_h);
// h receives h_t. When op is not nil it receives h_t times each of the
// three masks (maskStride apart), the next step's recurrent operands. On
// amd64 the activations are those of Sigmoid and Tanh exactly.
func GRUForwardStep(gate, rh, bh, hPrev, h, op, mask []float32, u, maskStride int) {
	n := len(h)
	if n == 0 {
		return
	}
	_, _, _, _ = gate[2*u+n-1], rh[n-1], bh[n-1], hPrev[n-1]
	done := 0
	if hasAVX2 && n >= 8 && u >= n && (op == nil || maskStride >= n) {
		po, pm, ops := (*float32)(nil), (*float32)(nil), 0
		if op != nil {
			_, _ = op[2*u+n-1], mask[2*maskStride+n-1]
			po, pm, ops = &op[0], &mask[0], 1
		}
		if hasAVX512 && n >= 16 {
			done = n &^ 15
			gruForwardAvx512(&gate[0], &rh[0], &bh[0], &hPrev[0], &h[0], po, pm, u, maskStride, done, ops)
		}
		if n-done >= 8 {
			if op != nil {
				po, pm = &op[done], &mask[done]
			}
			gruForwardAvx2(&gate[done], &rh[done], &bh[done], &hPrev[done], &h[done], po, pm, u, maskStride, 8, ops)
			done += 8
		}
	}
	if done < n {
		var o, m []float32
		if op != nil {
			o, m = op[done:], mask[done:]
		}
		RefGRUForwardStep(gate[done:], rh[done:], bh[done:], hPrev[done:], h[done:], o, m, u, maskStride)
	}
}

// AddBiasRelu sets dst[r*n+j] = max(src[r*n+j] + bias[j], 0) for r < rows
// and j < n = len(bias): AddBias followed by Relu (with the same results)
// in one pass over memory, for a layer's bias-and-ReLU epilogue. dst may
// alias src.
func AddBiasRelu(dst, src []float32, rows int, bias []float32) {
	n := len(bias)
	if rows <= 0 || n == 0 {
		return
	}
	_, _ = dst[rows*n-1], src[rows*n-1] // bounds, before the unchecked vector loop
	done := 0
	if hasAVX2 && n >= vecMin {
		done = n &^ 31
		addBiasReluAvx2(&dst[0], &src[0], rows, n, &bias[0], done)
	}
	if done < n {
		for r := 0; r < rows; r++ {
			for j := done; j < n; j++ {
				if v := src[r*n+j] + bias[j]; v > 0 {
					dst[r*n+j] = v
				} else {
					dst[r*n+j] = 0
				}
			}
		}
	}
}

// MaxPool1DBackward routes the gradient dy (outSteps×ch) of a max pooling
// with windows of pool rows, stride pool and no padding (MaxPool1D with
// stride = pool and padLeft = 0, which gave arg) back to its steps×ch input:
// each window's gradient goes to its argmax row, every other element of dx
// is 0. Same results as RefMaxPool1DBackward; the vector path writes each
// element once instead of clearing and scattering.
func MaxPool1DBackward(dx, dy []float32, arg []int32, steps, ch, pool, outSteps int) {
	if outSteps <= 0 || ch <= 0 {
		clear(dx[:max(steps, 0)*max(ch, 0)])
		return
	}
	if pool < 1 || outSteps*pool > steps {
		panic("kernels: MaxPool1DBackward windows do not fit the input")
	}
	_, _, _ = dx[steps*ch-1], dy[outSteps*ch-1], arg[outSteps*ch-1]
	if !hasAVX2 || ch%8 != 0 {
		RefMaxPool1DBackward(dx, dy, arg, steps, ch, pool, outSteps)
		return
	}
	maxPoolBackwardAvx2(&dx[0], &dy[0], &arg[0], ch, pool, outSteps)
	clear(dx[outSteps*pool*ch : steps*ch])
}

// GRUBackwardRows is GRUBackwardStep on rows consecutive rows of u
// elements: row i uses dh, drh, hPrev, rh and mask from i·u on and dgate,
// gate and dop from i·3u on (the layout of a GRU step's row block). One
// call per block instead of per row; same results.
func GRUBackwardRows(rows int, dh, dgate, drh, gate, hPrev, rh, dop, mask []float32, u, maskStride int) {
	if rows <= 0 || u <= 0 {
		return
	}
	if !hasAVX512 || u%16 != 0 || maskStride < u {
		for i := 0; i < rows; i++ {
			w, n := i*3*u, i*u
			GRUBackwardStep(dh[n:n+u], dgate[w:], drh[n:], gate[w:], hPrev[n:], rh[n:], dop[w:], mask[n:], u, maskStride)
		}
		return
	}
	n, w := rows*u, rows*3*u
	_, _, _, _ = dh[n-1], dgate[w-1], drh[n-1], gate[w-1]
	_, _, _, _ = hPrev[n-1], rh[n-1], dop[w-1], mask[2*maskStride+n-1]
	gruBackwardRowsAvx512(&dh[0], &dgate[0], &drh[0], &gate[0], &hPrev[0], &rh[0], &dop[0], &mask[0], u, maskStride, rows)
}

// GRUForwardRows is GRUForwardStep on rows consecutive rows of u elements:
// row i uses rh, hPrev, h and mask from i·u on, gate and op from i·3u on,
// and the same bh. One call per block instead of per row; same results.
func GRUForwardRows(rows int, gate, rh, bh, hPrev, h, op, mask []float32, u, maskStride int) {
	if rows <= 0 || u <= 0 {
		return
	}
	if !hasAVX512 || u%16 != 0 || (op != nil && maskStride < u) {
		for i := 0; i < rows; i++ {
			w, n := i*3*u, i*u
			var o, m []float32
			if op != nil {
				o, m = op[w:], mask[n:]
			}
			GRUForwardStep(gate[w:], rh[n:], bh, hPrev[n:], h[n:n+u], o, m, u, maskStride)
		}
		return
	}
	n, w := rows*u, rows*3*u
	_, _, _, _, _ = gate[w-1], rh[n-1], bh[u-1], hPrev[n-1], h[n-1]
	po, pm, ops := (*float32)(nil), (*float32)(nil), 0
	if op != nil {
		_, _ = op[w-1], mask[2*maskStride+n-1]
		po, pm, ops = &op[0], &mask[0], 1
	}
	gruForwardRowsAvx512(&gate[0], &rh[0], &bh[0], &hPrev[0], &h[0], po, pm, u, maskStride, rows, ops)
}
