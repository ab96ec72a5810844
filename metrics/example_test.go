package metrics_test

import (
	"fmt"

	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/tensor"
)

func ExampleNewAccuracy() {
	acc := metrics.NewAccuracy().Named("acc")
	// Resolved for binary cross-entropy on logits: threshold 0.
	acc.Resolve(losses.BinaryCrossentropy{FromLogits: true}, true)
	logits, _ := tensor.FromData([]float32{2.5, -0.3, 0.1, -4}, 4, 1)
	labels, _ := tensor.FromData([]float32{1, 0, 0, 0}, 4, 1)
	_ = acc.Update(logits, labels)
	fmt.Println(acc.Name(), acc.Kind(), acc.Threshold(), acc.Result())
	// Output: acc binary 0 0.75
}
