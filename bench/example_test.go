package bench_test

import (
	"fmt"

	"github.com/seqconv/seqconv/bench"
)

// The analytic FLOP counts behind the benchmark's GFLOP/s figures.
func ExampleFLOPs() {
	for _, name := range bench.CaseNames {
		fmt.Printf("%-16s %8.2f GFLOP\n", name, bench.FLOPs(name)/1e9)
	}
	// Output:
	// imdb_train_step     11.38 GFLOP
	// imdb_inference       3.79 GFLOP
	// jena_train_step      1.88 GFLOP
	// jena_inference       0.72 GFLOP
	// imdb_epoch        1778.81 GFLOP
}
