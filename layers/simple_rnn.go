package layers

import (
	"math/rand/v2"

	"github.com/seqconv/seqconv/tensor"
)

// SimpleRNNLayer is Keras's SimpleRNN, a fully connected recurrence over
// (batch, timesteps, features) inputs: h ← φ(x·W + b + h·U), with kernel
// (features, units), recurrent_kernel (units, units) and bias (units).
// In training, one input mask and one state mask are drawn per batch, as
// in Keras.
type SimpleRNNLayer struct {
	rnnBase
}

// SimpleRNN returns a SimpleRNN layer with the given number of units. It
// takes WithActivation (default "tanh"), WithUseBias, WithDropout,
// WithRecurrentDropout, WithReturnSequences, WithGoBackwards, WithSeed,
// WithName and WithInputShape.
func SimpleRNN(units int, opts ...Option) *SimpleRNNLayer {
	l := &SimpleRNNLayer{rnnBase: newRNNBase("SimpleRNN", units, 1, opts)}
	l.bind(l.forwardRows, l.backwardRows)
	return l
}

func init() {
	register("SimpleRNN", func(cfg map[string]any) (Layer, error) {
		units, opts, err := rnnOptsFromConfig(cfg, false)
		if err != nil {
			return nil, err
		}
		return SimpleRNN(units, opts...), nil
	})
}

// Build checks the arguments and creates the weights for inputs of shape
// (timesteps, features); timesteps may be -1 (variable).
func (l *SimpleRNNLayer) Build(in []int, rng *rand.Rand) error {
	if err := l.setup(); err != nil {
		return err
	}
	if err := l.buildWeights(in, rng); err != nil {
		return err
	}
	if l.useBias {
		l.bias = NewParam("bias", l.units)
		l.biasIn = l.bias.Value.Data
	}
	return nil
}

// Config returns the Keras config of the layer.
func (l *SimpleRNNLayer) Config() map[string]any {
	cfg := l.configBase()
	delete(cfg, "recurrent_activation")
	return cfg
}

// Forward runs the recurrence over the batch x of shape (batch, timesteps,
// features) from a zero state and returns (batch, units), or (batch,
// timesteps, units) with return_sequences.
func (l *SimpleRNNLayer) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	if err := l.beginForward(x, training, 1); err != nil {
		return nil, err
	}
	l.forEachRows(l.fwdRows)
	return l.finishForward(), nil
}

// Backward back-propagates through all time steps, storing the gradients
// of kernel, recurrent_kernel and bias, and returns ∂loss/∂x when needDx.
func (l *SimpleRNNLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := l.beginBackward(dy); err != nil {
		return nil, err
	}
	l.dy = dy
	l.forEachRows(l.bwdRows)
	return l.finishBackward(needDx, l.biasGrad()), nil
}

// forwardRows runs the time loop for batch rows [lo, hi).
func (l *SimpleRNNLayer) forwardRows(lo, hi int) {
	B, T, u := l.batch, l.steps, l.units
	for t := 0; t < T; t++ {
		l.fillOperands(t, -1, lo, hi)
		l.recGemm(t, 0, 1, lo, hi, l.pre.Data[t*B*u:(t+1)*B*u], u, 1)
		for i := lo; i < hi; i++ {
			o := (t*B + i) * u
			g := l.pre.Data[o : o+u]
			l.act.apply(g)
			copy(l.hs.Data[o:o+u], g)
		}
	}
}

// backwardRows back-propagates through time for batch rows [lo, hi).
func (l *SimpleRNNLayer) backwardRows(lo, hi int) {
	B, T, u := l.batch, l.steps, l.units
	for t := T - 1; t >= 0; t-- {
		l.stepGrad(l.dy, t, lo, hi)
		for i := lo; i < hi; i++ {
			o := (t*B + i) * u
			l.act.grad(l.dGx.Data[o:o+u], l.dhp.Data[i*u:(i+1)*u], l.hs.Data[o:o+u])
		}
		if t > 0 {
			l.stateGrad(t, lo, hi, 0)
		}
	}
}
