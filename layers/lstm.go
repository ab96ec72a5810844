package layers

import (
	"math/rand/v2"

	"github.com/seqconv/seqconv/tensor"
)

// LSTMLayer is Keras's LSTM over (batch, timesteps, features) inputs.
//
// Weights, in Keras's layout and gate order i (input), f (forget), c
// (candidate), o (output): kernel (features, 4·units), recurrent_kernel
// (units, 4·units) and, with use_bias, bias (4·units), initialised with
// Keras's unit_forget_bias (the forget block starts at 1). One step, with σ
// the recurrent activation and φ the activation:
//
//	i, f, o = σ(x·W + h·U + b) over their blocks;  g = φ(x·Wc + h·Uc + bc)
//	c ← f ⊙ c + i ⊙ g;  h ← o ⊙ φ(c)
//
// Dropout masks follow Keras 3 (see recurrent.go).
type LSTMLayer struct {
	rnnBase
	c, ac tensor.Tensor // (T, B, u): cell states and φ(cell states)
	dcp   tensor.Tensor // (B, u): ∂loss/∂c carried backwards
	// zeroForgetBias is Keras's unit_forget_bias = false (read from
	// configs): the forget bias starts at 0 instead of 1.
	zeroForgetBias bool
}

// LSTM returns an LSTM layer with the given number of units. It takes
// WithActivation (default "tanh"), WithRecurrentActivation (default
// "sigmoid"), WithUseBias, WithDropout, WithRecurrentDropout,
// WithReturnSequences, WithGoBackwards, WithSeed, WithName and
// WithInputShape.
func LSTM(units int, opts ...Option) *LSTMLayer {
	l := &LSTMLayer{rnnBase: newRNNBase("LSTM", units, 4, opts)}
	l.bind(l.forwardRows, l.backwardRows)
	return l
}

func init() {
	register("LSTM", func(cfg map[string]any) (Layer, error) {
		units, opts, err := rnnOptsFromConfig(cfg, true)
		if err != nil {
			return nil, err
		}
		ufb, err := cfgBool(cfg, "unit_forget_bias", true)
		if err != nil {
			return nil, err
		}
		l := LSTM(units, opts...)
		l.zeroForgetBias = !ufb
		return l, nil
	})
}

// Build checks the arguments and creates the weights for inputs of shape
// (timesteps, features); timesteps may be -1 (variable).
func (l *LSTMLayer) Build(in []int, rng *rand.Rand) error {
	if err := l.setup("recurrent_activation"); err != nil {
		return err
	}
	if err := l.buildWeights(in, rng); err != nil {
		return err
	}
	if l.useBias {
		u := l.units
		l.bias = NewParam("bias", 4*u)
		if !l.zeroForgetBias {
			initConstant(1, l.bias.Value.Data[u:2*u]) // unit_forget_bias
		}
		l.biasIn = l.bias.Value.Data
	}
	return nil
}

// Config returns the Keras config of the layer.
func (l *LSTMLayer) Config() map[string]any {
	cfg := l.configBase()
	cfg["unit_forget_bias"] = !l.zeroForgetBias
	return cfg
}

// Forward runs the LSTM over the batch x of shape (batch, timesteps,
// features) from zero states and returns (batch, units), or (batch,
// timesteps, units) with return_sequences.
func (l *LSTMLayer) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	if err := l.beginForward(x, training, 4); err != nil {
		return nil, err
	}
	B, T, u := l.batch, l.steps, l.units
	l.c.Resize(T, B, u)
	l.ac.Resize(T, B, u)
	l.forEachRows(l.fwdRows)
	return l.finishForward(), nil
}

// Backward back-propagates through all time steps, storing the gradients
// of kernel, recurrent_kernel and bias, and returns ∂loss/∂x when needDx.
func (l *LSTMLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := l.beginBackward(dy); err != nil {
		return nil, err
	}
	l.dcp.Resize(l.batch, l.units)
	l.dcp.Zero()
	l.dy = dy
	l.forEachRows(l.bwdRows)
	return l.finishBackward(needDx, l.biasGrad()), nil
}

// forwardRows runs the time loop for batch rows [lo, hi).
func (l *LSTMLayer) forwardRows(lo, hi int) {
	B, T, u := l.batch, l.steps, l.units
	for t := 0; t < T; t++ {
		l.fillOperands(t, -1, lo, hi)
		l.recGemm(t, 0, 4, lo, hi, l.pre.Data[t*B*4*u:(t+1)*B*4*u], 4*u, 1)
		for i := lo; i < hi; i++ {
			o := (t*B + i) * u
			g := l.pre.Data[o*4 : o*4+4*u]
			l.recAct.apply(g[:2*u])
			l.act.apply(g[2*u : 3*u])
			l.recAct.apply(g[3*u:])
			ig, fg, cg, og := g[:u], g[u:2*u], g[2*u:3*u], g[3*u:]
			c, ac, h := l.c.Data[o:o+u], l.ac.Data[o:o+u], l.hs.Data[o:o+u]
			if t == 0 {
				for j := range c {
					c[j] = ig[j] * cg[j]
				}
			} else {
				cp := l.c.Data[o-B*u : o-B*u+u]
				for j := range c {
					c[j] = fg[j]*cp[j] + ig[j]*cg[j]
				}
			}
			copy(ac, c)
			l.act.apply(ac)
			for j := range h {
				h[j] = og[j] * ac[j]
			}
		}
	}
}

// backwardRows back-propagates through time for batch rows [lo, hi).
func (l *LSTMLayer) backwardRows(lo, hi int) {
	B, T, u := l.batch, l.steps, l.units
	for t := T - 1; t >= 0; t-- {
		l.stepGrad(l.dy, t, lo, hi)
		for i := lo; i < hi; i++ {
			o := (t*B + i) * u
			g, dg := l.pre.Data[o*4:o*4+4*u], l.dGx.Data[o*4:o*4+4*u]
			ig, fg, cg, og := g[:u], g[u:2*u], g[2*u:3*u], g[3*u:]
			di, df, dc, do := dg[:u], dg[u:2*u], dg[2*u:3*u], dg[3*u:]
			ac := l.ac.Data[o : o+u]
			dh, dcp := l.dhp.Data[i*u:(i+1)*u], l.dcp.Data[i*u:(i+1)*u]
			// dc (the candidate block) first holds ∂loss/∂c_t through φ.
			for j, d := range dh {
				do[j] = d * ac[j]
				dc[j] = d * og[j]
			}
			l.act.grad(dc, dc, ac)
			var cp []float32
			if t > 0 {
				cp = l.c.Data[o-B*u : o-B*u+u]
			}
			for j := range dc {
				ct := dc[j] + dcp[j]
				dcp[j] = ct * fg[j]
				di[j] = ct * cg[j]
				if cp != nil {
					df[j] = ct * cp[j]
				} else {
					df[j] = 0
				}
				dc[j] = ct * ig[j]
			}
			flushTiny(dcp) // see flushTiny
			l.recAct.grad(dg[:2*u], dg[:2*u], g[:2*u])
			l.act.grad(dc, dc, cg)
			l.recAct.grad(do, do, og)
		}
		if t > 0 {
			l.stateGrad(t, lo, hi, 0)
		}
	}
}
