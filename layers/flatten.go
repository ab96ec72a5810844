package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/tensor"
)

// FlattenLayer reshapes (batch, d1, d2, …) to (batch, d1·d2·…) (Keras
// Flatten). It copies nothing: its output and input gradient share the data
// of its input and of dy.
type FlattenLayer struct {
	kbase
	y, dx  tensor.Tensor
	xShape []int
}

// Flatten returns a flattening layer. Options: WithName, WithInputShape.
func Flatten(opts ...Option) *FlattenLayer { return &FlattenLayer{kbase: newKbase(opts)} }

// ClassName returns "Flatten".
func (l *FlattenLayer) ClassName() string { return "Flatten" }

// Build accepts any input of rank ≥ 1; the output size is unknown (-1) when
// an input axis is.
func (l *FlattenLayer) Build(in []int, _ *rand.Rand) error {
	if err := l.opts.check("Flatten"); err != nil {
		return err
	}
	if len(in) == 0 {
		return fmt.Errorf("%s: input shape () has nothing to flatten", who("Flatten", l.name))
	}
	n := 1
	for _, d := range in {
		if d < 0 {
			n = -1
			break
		}
		n *= d
	}
	l.in, l.out, l.built = append([]int(nil), in...), []int{n}, true
	return nil
}

// Params returns nil: Flatten has no weights.
func (l *FlattenLayer) Params() []*Param { return nil }

// Forward returns x's data viewed as (batch, rest).
func (l *FlattenLayer) Forward(x *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	if err := l.checkInput("Flatten", x); err != nil {
		return nil, err
	}
	l.xShape = append(l.xShape[:0], x.Shape...)
	b := x.Shape[0]
	rest := 0
	if b > 0 {
		rest = len(x.Data) / b
	} else {
		rest = tensor.Size(x.Shape[1:])
	}
	l.y.Shape = append(l.y.Shape[:0], b, rest)
	l.y.Data = x.Data
	return &l.y, nil
}

// Backward returns dy's data viewed in the input's shape.
func (l *FlattenLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := checkGrad("Flatten", l.name, dy, l.y.Shape); err != nil {
		return nil, err
	}
	if !needDx {
		return nil, nil
	}
	l.dx.Shape = append(l.dx.Shape[:0], l.xShape...)
	l.dx.Data = dy.Data
	return &l.dx, nil
}

// Config returns the Keras config.
func (l *FlattenLayer) Config() map[string]any {
	c := l.config()
	c["data_format"] = "channels_last"
	return c
}

func init() {
	register("Flatten", func(cfg map[string]any) (Layer, error) {
		opts, err := commonConfig(cfg)
		if err != nil {
			return nil, err
		}
		return Flatten(opts...), nil
	})
}
