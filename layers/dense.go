package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/tensor"
)

// DenseLayer is a fully connected layer on the last axis (Keras Dense):
// y = act(x·kernel + bias) with kernel [in, units] and bias [units]. An
// input of rank ≥ 3, such as (batch, steps, in), is treated as a stack of
// rows, as in Keras.
type DenseLayer struct {
	kbase
	units        int
	act          actKind
	kernel, bias *Param
	inDim        int

	x         *tensor.Tensor // last input (owned by the caller)
	rows      int
	y, dz, dx *tensor.Tensor
	shapeBuf  []int
}

// Dense returns a fully connected layer with the given number of units.
// Options: WithActivation, WithUseBias, WithName, WithInputShape.
func Dense(units int, opts ...Option) *DenseLayer {
	return &DenseLayer{kbase: newKbase(opts), units: units, y: &tensor.Tensor{}, dz: &tensor.Tensor{}, dx: &tensor.Tensor{}}
}

// ClassName returns "Dense".
func (l *DenseLayer) ClassName() string { return "Dense" }

// Build checks the arguments and creates the kernel (glorot_uniform) and
// bias (zeros) for inputs whose last axis is known.
func (l *DenseLayer) Build(in []int, rng *rand.Rand) error {
	if err := l.opts.check("Dense", "activation", "use_bias"); err != nil {
		return err
	}
	if l.units <= 0 {
		return fmt.Errorf("%s: units = %d, want > 0", who("Dense", l.name), l.units)
	}
	act, err := parseActivation(l.opts.activation)
	if err != nil {
		return fmt.Errorf("%s: %w", who("Dense", l.name), err)
	}
	l.act = act
	if len(in) == 0 || in[len(in)-1] <= 0 {
		return fmt.Errorf("%s: input shape (batch, %s), want a known last axis", who("Dense", l.name), dimsString(in))
	}
	l.inDim = in[len(in)-1]
	l.kernel = NewParam("kernel", l.inDim, l.units)
	initGlorotUniform(rng, l.inDim, l.units, l.kernel.Value.Data)
	if l.opts.useBias {
		l.bias = NewParam("bias", l.units)
	}
	l.in = append([]int(nil), in...)
	l.out = append(append([]int(nil), in[:len(in)-1]...), l.units)
	l.built = true
	return nil
}

// Params returns kernel and, with use_bias, bias.
func (l *DenseLayer) Params() []*Param { return kernelBiasParams(l.kernel, l.bias) }

// Forward computes act(x·kernel + bias) on the last axis.
func (l *DenseLayer) Forward(x *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	if err := l.checkInput("Dense", x); err != nil {
		return nil, err
	}
	n := len(x.Shape)
	l.shapeBuf = append(append(l.shapeBuf[:0], x.Shape[:n-1]...), l.units)
	l.y.Resize(l.shapeBuf...)
	l.x, l.rows = x, len(x.Data)/l.inDim
	if l.rows == 0 {
		return l.y, nil
	}
	kernels.Sgemm(false, false, l.rows, l.units, l.inDim, 1, x.Data, l.inDim, l.kernel.Value.Data, l.units, 0, l.y.Data, l.units)
	if l.bias != nil {
		kernels.AddBias(l.y.Data, l.rows, l.units, l.bias.Value.Data)
	}
	l.act.apply(l.y.Data, l.y.Data, l.units)
	return l.y, nil
}

// Backward computes the kernel and bias gradients and, when needDx, the
// input gradient.
func (l *DenseLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := checkGrad("Dense", l.name, dy, l.y.Shape); err != nil {
		return nil, err
	}
	if l.rows == 0 {
		clearGrads(l.Params())
		if !needDx {
			return nil, nil
		}
		return l.dx.Resize(l.x.Shape...), nil
	}
	dz := dy.Data
	if l.act != actLinear {
		l.dz.Resize(dy.Shape...)
		l.act.grad(l.dz.Data, dy.Data, l.y.Data, l.units)
		dz = l.dz.Data
	}
	kernels.Sgemm(true, false, l.inDim, l.units, l.rows, 1, l.x.Data, l.inDim, dz, l.units, 0, l.kernel.Grad.Data, l.units)
	if l.bias != nil {
		kernels.ColSum(l.bias.Grad.Data, 0, dz, l.rows, l.units)
	}
	if !needDx {
		return nil, nil
	}
	l.dx.Resize(l.x.Shape...)
	kernels.Sgemm(false, true, l.rows, l.inDim, l.units, 1, dz, l.units, l.kernel.Value.Data, l.units, 0, l.dx.Data, l.inDim)
	return l.dx, nil
}

// Config returns the Keras config.
func (l *DenseLayer) Config() map[string]any {
	c := l.config()
	c["units"] = l.units
	setKernelBiasConfig(c, l.opts.activation, l.opts.useBias)
	return c
}

func init() {
	register("Dense", func(cfg map[string]any) (Layer, error) {
		opts, err := commonConfig(cfg)
		if err != nil {
			return nil, err
		}
		units, err := cfgRequiredInt(cfg, "units")
		if err != nil {
			return nil, err
		}
		ab, err := activationBiasConfig(cfg)
		if err != nil {
			return nil, err
		}
		return Dense(units, append(opts, ab...)...), nil
	})
}
