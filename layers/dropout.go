package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/tensor"
)

// DropoutLayer is inverted dropout (Keras Dropout): in training each input
// value is zeroed with probability rate and the survivors are scaled by
// 1/(1−rate), so inference is the identity. The mask comes from the layer's
// generator: the one given to Build, or its own when WithSeed is used.
type DropoutLayer struct {
	kbase
	rate     float64
	rng      *rand.Rand
	mask     []float32 // 0 or 1/(1−rate) per value of the last training batch
	masked   bool      // the last Forward applied the mask
	y, dx    *tensor.Tensor
	lastX    *tensor.Tensor
	outShape []int
}

// Dropout returns a dropout layer dropping the given fraction of values in
// training. Options: WithSeed, WithName, WithInputShape.
func Dropout(rate float64, opts ...Option) *DropoutLayer {
	return &DropoutLayer{kbase: newKbase(opts), rate: rate, y: &tensor.Tensor{}, dx: &tensor.Tensor{}}
}

// ClassName returns "Dropout".
func (l *DropoutLayer) ClassName() string { return "Dropout" }

// Build checks that rate is in [0, 1) and keeps rng for the masks.
func (l *DropoutLayer) Build(in []int, rng *rand.Rand) error {
	if err := l.opts.check("Dropout", "seed"); err != nil {
		return err
	}
	if !(l.rate >= 0 && l.rate < 1) {
		return fmt.Errorf("%s: rate = %v, want 0 ≤ rate < 1", who("Dropout", l.name), l.rate)
	}
	if len(in) == 0 {
		return fmt.Errorf("%s: input shape () has no feature axis", who("Dropout", l.name))
	}
	l.rng = rng
	if l.opts.set["seed"] {
		l.rng = rand.New(rand.NewPCG(l.opts.seed, l.opts.seed))
	}
	l.in, l.out, l.built = append([]int(nil), in...), append([]int(nil), in...), true
	return nil
}

// Params returns nil: Dropout has no weights.
func (l *DropoutLayer) Params() []*Param { return nil }

// Forward applies a fresh mask in training. Otherwise (or with rate 0) it
// returns x itself, not a copy.
func (l *DropoutLayer) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	if err := l.checkInput("Dropout", x); err != nil {
		return nil, err
	}
	l.lastX = x
	l.masked = training && l.rate > 0
	if !l.masked {
		return x, nil
	}
	n := len(x.Data)
	if cap(l.mask) < n {
		l.mask = make([]float32, n)
	}
	l.mask = l.mask[:n]
	// Keep a value when a 32-bit uniform draw is ≥ rate·2³², two draws per
	// 64-bit number: the generator is the cost of a dropout layer.
	thr := uint32(l.rate * (1 << 32))
	if l.rate*(1<<32) >= 1<<32-1 {
		thr = 1<<32 - 1
	}
	scale := float32(1 / (1 - l.rate))
	var u uint64
	for i := range l.mask {
		if i&1 == 0 {
			u = l.rng.Uint64()
		} else {
			u >>= 32
		}
		if uint32(u) >= thr {
			l.mask[i] = scale
		} else {
			l.mask[i] = 0
		}
	}
	l.y.Resize(x.Shape...)
	for i, v := range x.Data {
		l.y.Data[i] = v * l.mask[i]
	}
	return l.y, nil
}

// Backward multiplies dy by the last training mask; after an inference
// Forward it returns dy itself.
func (l *DropoutLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if l.lastX == nil {
		return nil, fmt.Errorf("%s: Backward before Forward", who("Dropout", l.name))
	}
	if err := checkGrad("Dropout", l.name, dy, l.lastX.Shape); err != nil {
		return nil, err
	}
	if !needDx {
		return nil, nil
	}
	if !l.masked {
		return dy, nil
	}
	l.dx.Resize(dy.Shape...)
	for i, v := range dy.Data {
		l.dx.Data[i] = v * l.mask[i]
	}
	return l.dx, nil
}

// Config returns the Keras config.
func (l *DropoutLayer) Config() map[string]any {
	c := l.config()
	c["rate"] = l.rate
	c["noise_shape"] = nil
	c["seed"] = nil
	if l.opts.set["seed"] {
		c["seed"] = l.opts.seed
	}
	return c
}

func init() {
	register("Dropout", func(cfg map[string]any) (Layer, error) {
		opts, err := commonConfig(cfg)
		if err != nil {
			return nil, err
		}
		if v, ok := cfg["rate"]; !ok || v == nil {
			return nil, fmt.Errorf("missing rate")
		}
		rate, err := cfgFloat(cfg, "rate", 0)
		if err != nil {
			return nil, err
		}
		if ns, ok := cfg["noise_shape"]; ok && ns != nil {
			return nil, fmt.Errorf("noise_shape = %v is not supported", ns)
		}
		if v, ok := cfg["seed"]; ok && v != nil {
			s, err := cfgInt(cfg, "seed", 0)
			if err != nil {
				return nil, err
			}
			if s < 0 {
				return nil, fmt.Errorf("seed = %d, want ≥ 0", s)
			}
			opts = append(opts, WithSeed(uint64(s)))
		}
		return Dropout(rate, opts...), nil
	})
}
