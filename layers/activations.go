package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/tensor"
)

// actKind is an activation function applied elementwise (softmax: along the
// last axis) to a layer's output.
type actKind int

const (
	actLinear actKind = iota
	actReLU
	actSigmoid
	actTanh
	actSoftmax
)

var actNames = map[string]actKind{
	"linear": actLinear, "relu": actReLU, "sigmoid": actSigmoid, "tanh": actTanh, "softmax": actSoftmax,
}

// parseActivation maps a Keras activation name to its kind; "" is linear.
func parseActivation(name string) (actKind, error) {
	if name == "" {
		return actLinear, nil
	}
	a, ok := actNames[name]
	if !ok {
		return 0, fmt.Errorf("unknown activation %q (want linear, relu, sigmoid, tanh or softmax)", name)
	}
	return a, nil
}

// String returns the Keras name of the activation.
func (a actKind) String() string {
	for k, v := range actNames {
		if v == a {
			return k
		}
	}
	return fmt.Sprintf("actKind(%d)", int(a))
}

// apply sets dst = act(src) for rows of cols values (cols matters only for
// softmax); dst may alias src.
func (a actKind) apply(dst, src []float32, cols int) {
	switch a {
	case actLinear:
		if &dst[0] != &src[0] {
			copy(dst, src)
		}
	case actReLU:
		kernels.Relu(dst, src)
	case actSigmoid:
		kernels.Sigmoid(dst, src)
	case actTanh:
		kernels.Tanh(dst, src)
	case actSoftmax:
		for r := 0; r+cols <= len(src); r += cols {
			s, d := src[r:r+cols], dst[r:r+cols]
			m := s[0]
			for _, v := range s {
				m = max(m, v)
			}
			var sum float64
			for i, v := range s {
				e := float32(math.Exp(float64(v - m)))
				d[i] = e
				sum += float64(e)
			}
			inv := float32(1 / sum)
			for i := range d {
				d[i] *= inv
			}
		}
	}
}

// grad sets dz = ∂loss/∂(pre-activation) from dy = ∂loss/∂y and the saved
// output y = act(z); dz may alias dy.
func (a actKind) grad(dz, dy, y []float32, cols int) {
	switch a {
	case actLinear:
		if &dz[0] != &dy[0] {
			copy(dz, dy)
		}
	case actReLU:
		kernels.ReluBackward(dz, dy, y)
	case actSigmoid:
		for i, v := range y {
			dz[i] = dy[i] * v * (1 - v)
		}
	case actTanh:
		for i, v := range y {
			dz[i] = dy[i] * (1 - v*v)
		}
	case actSoftmax:
		// dz = y ⊙ (dy − ⟨dy, y⟩) per row.
		for r := 0; r+cols <= len(y); r += cols {
			yr, dyr, dzr := y[r:r+cols], dy[r:r+cols], dz[r:r+cols]
			var s float32
			for i, v := range yr {
				s += v * dyr[i]
			}
			for i, v := range yr {
				dzr[i] = v * (dyr[i] - s)
			}
		}
	}
}

// kbase holds what every layer in this package keeps: its name, the
// constructor's options, and the built input and output shapes.
type kbase struct {
	name     string
	opts     options
	in, out  []int
	built    bool
	buildErr error
}

// Name returns the layer's name.
func (b *kbase) Name() string { return b.name }

// SetName sets the layer's name.
func (b *kbase) SetName(name string) { b.name = name }

// OutputShape returns the output shape (batch axis omitted, -1 for a
// variable axis); nil before Build.
func (b *kbase) OutputShape() []int { return append([]int(nil), b.out...) }

// InputShape returns the input shape declared with WithInputShape (Keras
// input_shape), or nil if none was given.
func (b *kbase) InputShape() []int { return append([]int(nil), b.opts.inputShape...) }

func newKbase(opts []Option) kbase {
	o := collect(opts)
	return kbase{name: o.name, opts: o}
}

// config returns the Keras keys every layer has, plus batch_input_shape when
// an input shape was declared.
func (b *kbase) config() map[string]any {
	c := map[string]any{"name": b.name, "trainable": true, "dtype": "float32"}
	setBatchInputShape(c, &b.opts)
	return c
}

// setBatchInputShape adds batch_input_shape to a Keras config when o
// declares an input shape: None for the batch and for variable dimensions.
func setBatchInputShape(c map[string]any, o *options) {
	if !o.set["input_shape"] {
		return
	}
	s := make([]any, len(o.inputShape)+1)
	for i, d := range o.inputShape {
		if d >= 0 {
			s[i+1] = d
		}
	}
	c["batch_input_shape"] = s
}

// checkInput verifies that x is a batch of the built input shape.
func (b *kbase) checkInput(class string, x *tensor.Tensor) error {
	if !b.built {
		return fmt.Errorf("%s: Forward before Build", who(class, b.name))
	}
	if x == nil {
		return fmt.Errorf("%s: nil input", who(class, b.name))
	}
	if len(x.Shape) != len(b.in)+1 {
		return fmt.Errorf("%s: input has shape %v, want (batch, %s)", who(class, b.name), x.Shape, dimsString(b.in))
	}
	for i, d := range b.in {
		if d >= 0 && x.Shape[i+1] != d {
			return fmt.Errorf("%s: input has shape %v, want (batch, %s)", who(class, b.name), x.Shape, dimsString(b.in))
		}
	}
	return nil
}

// checkGrad verifies that dy matches the output of the last Forward.
func checkGrad(class, name string, dy *tensor.Tensor, want []int) error {
	if dy == nil || !tensor.SameShape(dy.Shape, want) {
		return fmt.Errorf("%s: Backward got dy of shape %v, want %v (the last Forward's output)", who(class, name), shapeOfT(dy), want)
	}
	return nil
}

func shapeOfT(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}

func dimsString(s []int) string {
	out := ""
	for i, d := range s {
		if i > 0 {
			out += ", "
		}
		if d < 0 {
			out += "None"
		} else {
			out += fmt.Sprint(d)
		}
	}
	return out
}

// commonConfig reads the keys every layer shares (name, batch_input_shape)
// into options.
func commonConfig(cfg map[string]any) ([]Option, error) {
	opts, hasShape, err := nameBatchShapeConfig(cfg)
	if err != nil {
		return nil, err
	}
	if !hasShape { // batch_input_shape wins over input_shape
		shape, err := cfgShape(cfg, "input_shape")
		if err != nil {
			return nil, err
		}
		if shape != nil {
			opts = append(opts, WithInputShape(shape...))
		}
	}
	if df, err := cfgString(cfg, "data_format", "channels_last"); err != nil {
		return nil, err
	} else if df != "channels_last" {
		return nil, fmt.Errorf("data_format %q is not supported (only channels_last)", df)
	}
	return opts, nil
}

// nameBatchShapeConfig reads name and batch_input_shape into options and
// reports whether the latter gave the input shape.
func nameBatchShapeConfig(cfg map[string]any) (opts []Option, hasShape bool, err error) {
	name, err := cfgString(cfg, "name", "")
	if err != nil {
		return nil, false, err
	}
	if name != "" {
		opts = append(opts, WithName(name))
	}
	shape, err := cfgShape(cfg, "batch_input_shape")
	if err != nil {
		return nil, false, err
	}
	if len(shape) > 1 {
		opts = append(opts, WithInputShape(shape[1:]...))
		return opts, true, nil
	}
	return opts, false, nil
}

// ActivationLayer applies an activation function to its input (Keras
// Activation).
type ActivationLayer struct {
	kbase
	act   string
	kind  actKind
	y, dx *tensor.Tensor
}

// Activation returns a layer applying the named activation ("linear",
// "relu", "sigmoid", "tanh" or "softmax", the last along the last axis).
func Activation(name string, opts ...Option) *ActivationLayer {
	return &ActivationLayer{kbase: newKbase(opts), act: name, y: &tensor.Tensor{}, dx: &tensor.Tensor{}}
}

// ClassName returns "Activation".
func (l *ActivationLayer) ClassName() string { return "Activation" }

// Build validates the activation name; any input shape is accepted.
func (l *ActivationLayer) Build(in []int, _ *rand.Rand) error {
	if err := l.opts.check("Activation"); err != nil {
		return err
	}
	k, err := parseActivation(l.act)
	if err != nil {
		return fmt.Errorf("%s: %w", who("Activation", l.name), err)
	}
	if len(in) == 0 {
		return fmt.Errorf("%s: input shape %v has no feature axis", who("Activation", l.name), in)
	}
	l.kind = k
	l.in, l.out, l.built = append([]int(nil), in...), append([]int(nil), in...), true
	return nil
}

// Params returns nil: Activation has no weights.
func (l *ActivationLayer) Params() []*Param { return nil }

// Forward applies the activation.
func (l *ActivationLayer) Forward(x *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	if err := l.checkInput("Activation", x); err != nil {
		return nil, err
	}
	l.y.Resize(x.Shape...)
	if len(x.Data) > 0 {
		l.kind.apply(l.y.Data, x.Data, x.Shape[len(x.Shape)-1])
	}
	return l.y, nil
}

// Backward returns dy scaled by the activation's derivative.
func (l *ActivationLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := checkGrad("Activation", l.name, dy, l.y.Shape); err != nil {
		return nil, err
	}
	if !needDx {
		return nil, nil
	}
	l.dx.Resize(dy.Shape...)
	if len(dy.Data) > 0 {
		l.kind.grad(l.dx.Data, dy.Data, l.y.Data, dy.Shape[len(dy.Shape)-1])
	}
	return l.dx, nil
}

// Config returns the Keras config: name and activation.
func (l *ActivationLayer) Config() map[string]any {
	c := l.config()
	c["activation"] = l.act
	return c
}

func init() {
	register("Activation", func(cfg map[string]any) (Layer, error) {
		opts, err := commonConfig(cfg)
		if err != nil {
			return nil, err
		}
		a, err := cfgString(cfg, "activation", "linear")
		if err != nil {
			return nil, err
		}
		return Activation(a, opts...), nil
	})
}

// who names a layer in error messages: its class, then its name if set.
func who(class, name string) string {
	if name == "" {
		return class
	}
	return class + " " + name
}
