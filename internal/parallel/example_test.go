package parallel_test

import (
	"fmt"

	"github.com/seqconv/seqconv/internal/parallel"
)

// Each chunk writes its own part of the output, so no locking is needed.
func ExampleFor() {
	squares := make([]int, 10)
	parallel.For(len(squares), 2, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			squares[i] = i * i
		}
	})
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49 64 81]
}
