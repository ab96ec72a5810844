package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/tensor"
)

// A convolution of a one-channel ramp with the kernel [1, 2, 3]: each output
// is x[t] + 2·x[t+1] + 3·x[t+2] over the valid windows.
func ExampleConv1D() {
	conv := layers.Conv1D(1, 3, layers.WithUseBias(false))
	if err := conv.Build([]int{6, 1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		fmt.Println(err)
		return
	}
	copy(conv.Params()[0].Value.Data, []float32{1, 2, 3})
	x, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, 6}, 1, 6, 1)
	y, _ := conv.Forward(x, false)
	fmt.Println(y.Shape, y.Data)
	// Output: [1 4 1] [14 20 26 32]
}

// The IMDB convnet: each layer is built on its predecessor's output shape,
// and the summary matches Keras's model.summary().
func Example_imdb() {
	stack := []layers.Layer{
		layers.Embedding(10000, 128, layers.WithInputLength(500)),
		layers.Conv1D(32, 7, layers.WithActivation("relu")),
		layers.MaxPooling1D(5),
		layers.Conv1D(32, 7, layers.WithActivation("relu")),
		layers.GlobalMaxPooling1D(),
		layers.Dense(1),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	shape := []int{500}
	total := 0
	for _, l := range stack {
		if err := l.Build(shape, rng); err != nil {
			fmt.Println(err)
			return
		}
		shape = l.OutputShape()
		n := 0
		for _, p := range l.Params() {
			n += p.Value.Len()
		}
		total += n
		fmt.Printf("%-22s %-16s %9d\n", l.ClassName(), tensor.ShapeString(append([]int{-1}, shape...)), n)
	}
	fmt.Println("total params:", total)
	// Output:
	// Embedding              (None, 500, 128)   1280000
	// Conv1D                 (None, 494, 32)      28704
	// MaxPooling1D           (None, 98, 32)           0
	// Conv1D                 (None, 92, 32)        7200
	// GlobalMaxPooling1D     (None, 32)               0
	// Dense                  (None, 1)               33
	// total params: 1315937
}

// Layers round-trip through their Keras configs.
func ExampleFromConfig() {
	conv := layers.Conv1D(32, 5, layers.WithActivation("relu"), layers.WithName("conv1d"))
	cfg := conv.Config()
	fmt.Println(cfg["kernel_size"], cfg["strides"], cfg["padding"], cfg["activation"])
	again, err := layers.FromConfig("Conv1D", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := again.Build([]int{-1, 14}, rand.New(rand.NewPCG(1, 1))); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(again.Name(), again.OutputShape(), again.Params()[0].Value.Shape)
	// Output:
	// [5] [1] valid relu
	// conv1d [-1 32] [5 14 32]
}

// Token ids arrive as float32 values, as in Keras; each becomes its row of
// the embeddings.
func ExampleEmbedding() {
	emb := layers.Embedding(4, 2)
	if err := emb.Build([]int{-1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		fmt.Println(err)
		return
	}
	copy(emb.Params()[0].Value.Data, []float32{0, 0, 1, 1, 2, 2, 3, 3})
	ids, _ := tensor.FromData([]float32{3, 1, 1}, 1, 3)
	y, _ := emb.Forward(ids, false)
	fmt.Println(y.Shape, y.Data)
	_, err := emb.Forward(tensor.New(1, 1).Clone(), false)
	fmt.Println(err)
	bad, _ := tensor.FromData([]float32{0, 7}, 1, 2)
	_, err = emb.Forward(bad, false)
	fmt.Println(err)
	// Output:
	// [1 3 2] [3 3 1 1 1 1]
	// <nil>
	// Embedding: input[0, 1] = 7 is not an integer id in [0, 4)
}

// MaxPooling1D with 'same' padding: ⌈5/2⌉ windows, the last one padded.
func ExampleMaxPooling1D() {
	pool := layers.MaxPooling1D(2, layers.WithPadding("same"))
	if err := pool.Build([]int{5, 1}, nil); err != nil {
		fmt.Println(err)
		return
	}
	x, _ := tensor.FromData([]float32{1, 5, 2, 4, 3}, 1, 5, 1)
	y, _ := pool.Forward(x, false)
	fmt.Println(y.Data)
	// Output: [5 4 3]
}

// A model can run an Embedding and the Conv1D after it as one fused layer;
// the two keep their weights, and the results match running them in turn.
func ExampleFuseEmbeddingConv1D() {
	emb := layers.Embedding(50, 8)
	conv := layers.Conv1D(4, 3, layers.WithActivation("relu"))
	fused := layers.FuseEmbeddingConv1D(emb, conv)
	if err := fused.Build([]int{-1}, rand.New(rand.NewPCG(1, 1))); err != nil {
		fmt.Println(err)
		return
	}
	ids := tensor.New(64, 20)
	for i := range ids.Data {
		ids.Data[i] = float32(i % 50)
	}
	y, _ := fused.Forward(ids, true)
	y = y.Clone()
	e, _ := emb.Forward(ids, true)
	y2, _ := conv.Forward(e, true)
	var diff float64
	for i := range y.Data {
		diff = max(diff, math.Abs(float64(y.Data[i]-y2.Data[i])))
	}
	fmt.Println(y.Shape, len(fused.Params()), diff < 1e-5)
	// Output: [64 18 4] 3 true
}
