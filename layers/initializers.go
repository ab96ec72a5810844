package layers

import (
	"math"
	"math/rand/v2"
)

// Keras's weight initializers. They fill dst in place, drawing from rng, so
// that a model seeded once initialises reproducibly. The distributions match
// Keras's; the random streams do not (Keras draws from TensorFlow's
// generators), so only statistics can be compared with Keras.

// initGlorotUniform fills dst with Keras's glorot_uniform: uniform values in
// [-l, l] with l = sqrt(6 / (fanIn + fanOut)).
func initGlorotUniform(rng *rand.Rand, fanIn, fanOut int, dst []float32) {
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	initUniform(rng, -limit, limit, dst)
}

// initUniform fills dst with uniform values in [lo, hi) (Keras's
// RandomUniform; Embedding uses lo, hi = -0.05, 0.05).
func initUniform(rng *rand.Rand, lo, hi float64, dst []float32) {
	for i := range dst {
		dst[i] = float32(lo + (hi-lo)*rng.Float64())
	}
}

// initConstant fills dst with v (Keras's zeros and ones initializers).
func initConstant(v float32, dst []float32) {
	for i := range dst {
		dst[i] = v
	}
}

// initOrthogonal fills the rows×cols row-major matrix dst with Keras's
// orthogonal initializer (gain 1): a standard normal matrix of shape
// (max(rows, cols), min(rows, cols)) is factored as Q·R, Q's columns are
// multiplied by the signs of R's diagonal (which makes the result
// independent of the QR algorithm's sign conventions and the distribution
// uniform over orthogonal matrices), and Q is transposed when rows < cols.
// The result has orthonormal columns when rows ≥ cols and orthonormal rows
// otherwise.
func initOrthogonal(rng *rand.Rand, rows, cols int, dst []float32) {
	if rows <= 0 || cols <= 0 {
		return
	}
	m, n := max(rows, cols), min(rows, cols)
	// a is m×n, stored by columns so that Gram–Schmidt works on contiguous
	// vectors; it is computed in float64 for a clean orthogonalisation.
	a := make([][]float64, n)
	for j := range a {
		a[j] = make([]float64, m)
	}
	// Draw in row-major order of the (m, n) matrix, as Keras does.
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			a[j][i] = rng.NormFloat64()
		}
	}
	// Modified Gram–Schmidt with one re-orthogonalisation pass. It yields
	// the QR factor with a positive diagonal of R, which is exactly
	// Q·sign(diag(R)) for any other QR algorithm.
	for j := 0; j < n; j++ {
		v := a[j]
		for pass := 0; pass < 2; pass++ {
			for p := 0; p < j; p++ {
				q := a[p]
				var d float64
				for i, x := range v {
					d += x * q[i]
				}
				for i := range v {
					v[i] -= d * q[i]
				}
			}
		}
		var nrm float64
		for _, x := range v {
			nrm += x * x
		}
		nrm = math.Sqrt(nrm)
		if nrm == 0 { // probability zero; keep a unit vector
			v[j] = 1
			nrm = 1
		}
		for i := range v {
			v[i] /= nrm
		}
	}
	if rows >= cols {
		// dst = Q (rows×cols): dst[i][j] = a[j][i].
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				dst[i*cols+j] = float32(a[j][i])
			}
		}
		return
	}
	// dst = Qᵀ (rows×cols with rows = n, cols = m): dst[j][i] = a[j][i].
	for j := 0; j < rows; j++ {
		for i := 0; i < cols; i++ {
			dst[j*cols+i] = float32(a[j][i])
		}
	}
}
