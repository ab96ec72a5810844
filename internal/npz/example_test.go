package npz_test

import (
	"bytes"
	"fmt"

	"github.com/seqconv/seqconv/internal/npz"
	"github.com/seqconv/seqconv/tensor"
)

// Example writes two float32 tensors as numpy.savez would write them
// positionally and reads them back in order.
func Example() {
	w, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b, _ := tensor.FromData([]float32{0.5, -1}, 2)
	var buf bytes.Buffer
	if err := npz.WriteNPZ(&buf, []*tensor.Tensor{w, b}); err != nil {
		fmt.Println(err)
		return
	}
	ts, err := npz.ReadTensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, t := range ts {
		fmt.Printf("arr_%d %v %v\n", i, t.Shape, t.Data)
	}
	// Output:
	// arr_0 [2 3] [1 2 3 4 5 6]
	// arr_1 [2] [0.5 -1]
}
