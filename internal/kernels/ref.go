package kernels

import "math"

// RefSgemm is the reference for Sgemm: C = alpha·op(A)·op(B) + beta·C, where
// op(A) is m×k (A is k×m when transA), op(B) is k×n (B is n×k when transB)
// and C is m×n, all row-major with leading dimensions lda, ldb, ldc.
// When beta is 0, C is not read (NaNs in C do not propagate), as in BLAS.
func RefSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// RefAxpy is the reference for Axpy: y += alpha·x.
func RefAxpy(alpha float32, x, y []float32) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// RefScal is the reference for Scal: x *= alpha.
func RefScal(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// RefDot is the reference for Dot: Σ x[i]·y[i].
func RefDot(x, y []float32) float32 {
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// RefSum is the reference for Sum: Σ x[i].
func RefSum(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

// RefRelu is the reference for Relu: dst[i] = max(src[i], 0). dst may alias src.
func RefRelu(dst, src []float32) {
	for i, v := range src {
		if v > 0 {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

// RefReluBackward is the reference for ReluBackward: dx[i] = dy[i] if
// y[i] > 0 else 0, where y is the ReLU's output. dx may alias dy.
func RefReluBackward(dx, dy, y []float32) {
	for i, v := range y {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}

// RefSigmoid is the reference for Sigmoid: dst[i] = 1/(1+exp(-src[i])).
// dst may alias src.
func RefSigmoid(dst, src []float32) {
	for i, v := range src {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}

// RefTanh is the reference for Tanh: dst[i] = tanh(src[i]). dst may alias src.
func RefTanh(dst, src []float32) {
	for i, v := range src {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

// RefAddBias is the reference for AddBias: c[r*ldc+j] += bias[j] for every
// row r < rows and column j < len(bias).
func RefAddBias(c []float32, rows, ldc int, bias []float32) {
	for r := 0; r < rows; r++ {
		row := c[r*ldc : r*ldc+len(bias)]
		for j, b := range bias {
			row[j] += b
		}
	}
}

// RefColSum is the reference for ColSum: dst[j] = beta·dst[j] + Σ_r
// src[r*lds+j] for j < len(dst), the bias gradient of a dense or conv layer.
func RefColSum(dst []float32, beta float32, src []float32, rows, lds int) {
	for j := range dst {
		var s float32
		for r := 0; r < rows; r++ {
			s += src[r*lds+j]
		}
		dst[j] = beta*dst[j] + s
	}
}

// RefMaxPool1D is the reference for MaxPool1D over one sample: in is
// steps×ch, out is outSteps×ch; window t covers input rows
// [t·stride, t·stride+pool) clipped to [0, steps) after shifting left by
// padLeft. arg receives the input row index of each maximum (first wins on
// ties), for the backward pass. A window with no valid row yields 0 and arg -1.
func RefMaxPool1D(out []float32, arg []int32, in []float32, steps, ch, pool, stride, padLeft, outSteps int) {
	for t := 0; t < outSteps; t++ {
		lo := t*stride - padLeft
		hi := lo + pool
		lo, hi = max(lo, 0), min(hi, steps)
		for c := 0; c < ch; c++ {
			best := float32(math.Inf(-1))
			bi := int32(-1)
			for r := lo; r < hi; r++ {
				if v := in[r*ch+c]; v > best || bi < 0 {
					best, bi = v, int32(r)
				}
			}
			if bi < 0 {
				best = 0
			}
			out[t*ch+c] = best
			arg[t*ch+c] = bi
		}
	}
}

// RefGRUBackwardStep is the reference for GRUBackwardStep. For j < len(dh),
// with z, r, h̃ = gate[j], gate[u+j], gate[2u+j] and, for k = 0, 1, 2,
// q_k = dop[k·u+j] and m_k = mask[k·maskStride+j]:
//
//	d = ((dh[j] + q_0·m_0) + q_1·m_1) + q_2·m_2, set to 0 when |d| < 2^-100
//	dh[j] = d·z
//	c = d·(1−z)·(1−h̃²)
//	dgate[j], dgate[u+j], dgate[2u+j] = d·(h−h̃)·z·(1−z), c·rh[j]·r·(1−r), c
//	drh[j] = c·r
//
// where h = hPrev[j]; products are evaluated left to right.
func RefGRUBackwardStep(dh, dgate, drh, gate, hPrev, rh, dop, mask []float32, u, maskStride int) {
	for j, d := range dh {
		d += dop[j] * mask[j]
		d += dop[u+j] * mask[maskStride+j]
		d += dop[2*u+j] * mask[2*maskStride+j]
		if math.Abs(float64(d)) < 0x1p-100 {
			d = 0
		}
		z, r, hh := gate[j], gate[u+j], gate[2*u+j]
		dh[j] = d * z
		c := d * (1 - z) * (1 - hh*hh)
		dgate[j] = d * (hPrev[j] - hh) * z * (1 - z)
		dgate[u+j] = c * rh[j] * r * (1 - r)
		dgate[2*u+j] = c
		drh[j] = c * r
	}
}

// RefGRUForwardStep is the reference for GRUForwardStep. For j < len(h),
// with gate holding the pre-activations of z, r and h̃ u apart:
//
//	z, r = σ(gate[j]), σ(gate[u+j])             (stored back into gate)
//	rh[j] += bh[j]
//	h̃ = tanh(gate[2u+j] + r·rh[j])             (stored back into gate)
//	h[j] = z·hPrev[j] + (1−z)·h̃
//
// and, when op is not nil, op[k·u+j] = h[j]·mask[k·maskStride+j] for
// k = 0, 1, 2.
func RefGRUForwardStep(gate, rh, bh, hPrev, h, op, mask []float32, u, maskStride int) {
	gruForwardStepWith(RefSigmoid, RefTanh, gate, rh, bh, hPrev, h, op, mask, u, maskStride)
}

// gruForwardStepWith is RefGRUForwardStep with the sigmoid and tanh passed
// in: the fused kernels are bit-identical to this sequence run with the
// dispatched (vector) Sigmoid and Tanh, which their tests check.
func gruForwardStepWith(sigmoid, tanh func(dst, src []float32), gate, rh, bh, hPrev, h, op, mask []float32, u, maskStride int) {
	n := len(h)
	sigmoid(gate[:n], gate[:n])
	sigmoid(gate[u:u+n], gate[u:u+n])
	for j := range h {
		v := rh[j] + bh[j]
		rh[j] = v
		gate[2*u+j] += gate[u+j] * v
	}
	tanh(gate[2*u:2*u+n], gate[2*u:2*u+n])
	for j := range h {
		z := gate[j]
		v := z*hPrev[j] + (1-z)*gate[2*u+j]
		h[j] = v
		if op != nil {
			op[j], op[u+j], op[2*u+j] = v*mask[j], v*mask[maskStride+j], v*mask[2*maskStride+j]
		}
	}
}

// RefAddBiasRelu is the reference for AddBiasRelu: dst[r*n+j] =
// max(src[r*n+j] + bias[j], 0) for r < rows and j < n = len(bias), NaN
// mapping to 0 as in RefRelu.
func RefAddBiasRelu(dst, src []float32, rows int, bias []float32) {
	n := len(bias)
	for r := 0; r < rows; r++ {
		for j, b := range bias {
			if v := src[r*n+j] + b; v > 0 {
				dst[r*n+j] = v
			} else {
				dst[r*n+j] = 0
			}
		}
	}
}

// RefMaxPool1DBackward is the reference for MaxPool1DBackward: dx is
// cleared, then dy[o*ch+j] is added at row arg[o*ch+j] of channel j for
// every output step o < outSteps whose argmax is a row (≥ 0).
func RefMaxPool1DBackward(dx, dy []float32, arg []int32, steps, ch, pool, outSteps int) {
	clear(dx[:steps*ch])
	for o := 0; o < outSteps; o++ {
		for j, r := range arg[o*ch : (o+1)*ch] {
			if r >= 0 {
				dx[int(r)*ch+j] += dy[o*ch+j]
			}
		}
	}
}

// RefGRUBackwardRows is the reference for GRUBackwardRows: RefGRUBackwardStep
// on each of rows rows of u elements.
func RefGRUBackwardRows(rows int, dh, dgate, drh, gate, hPrev, rh, dop, mask []float32, u, maskStride int) {
	for i := 0; i < rows; i++ {
		w, n := i*3*u, i*u
		RefGRUBackwardStep(dh[n:n+u], dgate[w:], drh[n:], gate[w:], hPrev[n:], rh[n:], dop[w:], mask[n:], u, maskStride)
	}
}

// RefGRUForwardRows is the reference for GRUForwardRows: RefGRUForwardStep
// on each of rows rows of u elements.
func RefGRUForwardRows(rows int, gate, rh, bh, hPrev, h, op, mask []float32, u, maskStride int) {
	for i := 0; i < rows; i++ {
		w, n := i*3*u, i*u
		var o, m []float32
		if op != nil {
			o, m = op[w:], mask[n:]
		}
		RefGRUForwardStep(gate[w:], rh[n:], bh, hPrev[n:], h[n:n+u], o, m, u, maskStride)
	}
}
