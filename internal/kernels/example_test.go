package kernels_test

import (
	"fmt"

	"github.com/seqconv/seqconv/internal/kernels"
)

// A 2×3 by 3×2 product: C = A·B.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float32, 4)
	kernels.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [4 5 10 11]
}

// A stride-1 convolution as one GEMM without building im2col: with lda
// equal to the channel count, row t of A is the window of width·channels
// inputs starting at step t, so rows overlap.
func ExampleSgemm_convolution() {
	const steps, ch, width, filters = 5, 2, 3, 1
	x := []float32{ // steps × ch
		1, 0,
		2, 0,
		3, 0,
		4, 0,
		5, 1,
	}
	w := []float32{1, 0, 1, 0, 1, 10} // (width·ch) × filters: sums channel 0, 10×channel 1 at the last tap
	out := make([]float32, steps-width+1)
	kernels.Sgemm(false, false, steps-width+1, filters, width*ch, 1, x, ch, w, filters, 0, out, filters)
	fmt.Println(out)
	// Output: [6 9 22]
}

func ExampleSigmoid() {
	y := make([]float32, 3)
	kernels.Sigmoid(y, []float32{-2, 0, 2})
	fmt.Printf("%.4f\n", y)
	// Output: [0.1192 0.5000 0.8808]
}
