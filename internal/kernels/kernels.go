package kernels

// The exported kernels below are the ones layers call. Until the optimised
// paths land they forward to the reference; the dispatch lives here so that
// callers never change.

// Sgemm computes C = alpha·op(A)·op(B) + beta·C (see RefSgemm for the layout
// contract). It may split the work across the worker pool.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	RefSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Axpy computes y += alpha·x over len(x) elements.
func Axpy(alpha float32, x, y []float32) { RefAxpy(alpha, x, y) }

// Scal computes x *= alpha.
func Scal(alpha float32, x []float32) { RefScal(alpha, x) }

// Dot returns Σ x[i]·y[i] over len(x) elements.
func Dot(x, y []float32) float32 { return RefDot(x, y) }

// Sum returns Σ x[i].
func Sum(x []float32) float32 { return RefSum(x) }

// Relu sets dst[i] = max(src[i], 0); dst may alias src.
func Relu(dst, src []float32) { RefRelu(dst, src) }

// ReluBackward sets dx[i] = dy[i]·[y[i] > 0]; dx may alias dy.
func ReluBackward(dx, dy, y []float32) { RefReluBackward(dx, dy, y) }

// Sigmoid sets dst[i] = σ(src[i]); dst may alias src.
func Sigmoid(dst, src []float32) { RefSigmoid(dst, src) }

// Tanh sets dst[i] = tanh(src[i]); dst may alias src.
func Tanh(dst, src []float32) { RefTanh(dst, src) }

// AddBias adds bias to the first len(bias) columns of each of rows rows of c.
func AddBias(c []float32, rows, ldc int, bias []float32) { RefAddBias(c, rows, ldc, bias) }

// ColSum sets dst[j] = beta·dst[j] + Σ_r src[r*lds+j].
func ColSum(dst []float32, beta float32, src []float32, rows, lds int) {
	RefColSum(dst, beta, src, rows, lds)
}

// MaxPool1D pools one steps×ch sample into outSteps×ch with argmax rows; see
// RefMaxPool1D.
func MaxPool1D(out []float32, arg []int32, in []float32, steps, ch, pool, stride, padLeft, outSteps int) {
	RefMaxPool1D(out, arg, in, steps, ch, pool, stride, padLeft, outSteps)
}
