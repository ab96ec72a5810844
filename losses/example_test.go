package losses_test

import (
	"fmt"

	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/tensor"
)

func ExampleBinaryCrossentropy() {
	logits, _ := tensor.FromData([]float32{0, 2}, 2, 1)
	labels, _ := tensor.FromData([]float32{1, 0}, 2, 1)
	grad := tensor.New()
	loss, _ := losses.BinaryCrossentropy{FromLogits: true}.Compute(logits, labels, grad)
	fmt.Printf("loss %.4f, gradient %.4f\n", loss, grad.Data)
	// Output: loss 1.4100, gradient [-0.2500 0.4404]
}
