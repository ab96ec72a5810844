// Package layers holds seqconv's Keras-compatible layers. Each layer keeps
// its forward and backward computation side by side in one file.
//
// The contract, modelled on Keras's: a constructor records the arguments
// (an invalid argument is reported by Build, so models can be written as one
// expression); Build creates the weights for a given input shape with Keras's
// initializers; Forward computes a batch; Backward takes the gradient of the
// loss with respect to the output and returns the gradient with respect to
// the input, storing the weight gradients in each Param's Grad. Config
// returns the Keras config, from which FromConfig rebuilds the layer.
//
// Shapes exclude nothing: a batch of IMDB reviews entering Embedding is
// (batch, 500); a shape given to Build omits the batch axis and writes an
// unknown (variable) axis as -1, as Keras writes None.
//
// Buffers: the tensors returned by Forward and Backward belong to the layer
// and stay valid until its next Forward or Backward call; layers grow them
// with Tensor.Resize so that steady-state training allocates nothing.
package layers

import (
	"math/rand/v2"

	"github.com/seqconv/seqconv/tensor"
)

// Layer is one stage of a model.
type Layer interface {
	// Name returns the layer's name, such as "conv1d_1"; a model assigns
	// unique Keras-style names to layers left unnamed.
	Name() string
	// SetName sets the layer's name.
	SetName(name string)
	// ClassName returns the Keras class name, such as "Conv1D".
	ClassName() string
	// Build validates the constructor's arguments and creates the weights
	// for inputs of shape in (batch axis omitted, -1 for a variable axis),
	// drawing initial values from rng. The layer keeps rng for its own
	// randomness (dropout masks). Build is called once, before Forward.
	Build(in []int, rng *rand.Rand) error
	// OutputShape returns the output shape for the built input shape (batch
	// axis omitted, -1 for a variable axis).
	OutputShape() []int
	// Params returns the layer's weights in Keras's get_weights() order.
	// Layers without weights return nil.
	Params() []*Param
	// Forward computes the layer's output for a batch x. training selects
	// training behaviour (dropout). The result belongs to the layer.
	Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error)
	// Backward takes dy = ∂loss/∂output for the batch of the last Forward,
	// overwrites each Param's Grad with ∂loss/∂weight and, when needDx,
	// returns ∂loss/∂input (otherwise nil, saving the work for a first
	// layer). The result belongs to the layer.
	Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error)
	// Config returns the layer's Keras config (the get_config() keys and
	// values, including "name"), enough to rebuild it with FromConfig.
	Config() map[string]any
}

// Param is one trainable weight tensor and its gradient.
type Param struct {
	// Name is the weight's Keras name, such as "kernel", "recurrent_kernel",
	// "bias" or "embeddings".
	Name string
	// Value holds the weight in Keras's layout.
	Value *tensor.Tensor
	// Grad holds ∂loss/∂Value after Backward; same shape as Value.
	Grad *tensor.Tensor
}

// NewParam returns a Param with a zero value and zero gradient of shape.
func NewParam(name string, shape ...int) *Param {
	return &Param{Name: name, Value: tensor.New(shape...), Grad: tensor.New(shape...)}
}
