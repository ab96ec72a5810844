package layers

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/seqconv/seqconv/tensor"
)

// BidirectionalLayer is Keras's Bidirectional wrapper: it runs its
// recurrent layer forwards and a copy of it backwards (go_backwards
// flipped, as in Keras 2; Keras 3 refuses a wrapped layer that already
// goes backwards) over the same input and merges the two outputs. Merge
// mode None (two outputs) is not supported. With
// return_sequences the backward copy's output is reversed in time first,
// so that step t of both halves belongs to input step t.
//
// As in Keras, the copies are named "forward_<name>" and "backward_<name>"
// after the wrapped layer ("gru", "lstm" or "simple_rnn" when it has no
// name), and the weights are the forward copy's followed by the backward
// copy's. Params returns them with those prefixes ("forward_gru/kernel");
// each shares its Value and Grad tensors with the copy that uses it.
type BidirectionalLayer struct {
	name  string
	opts  options
	inner Layer
	fwd   recurrentLayer
	bwd   recurrentLayer
	mode  string
	built bool
	// baseName is the wrapped layer's name before Build renamed it.
	baseName string
	// bwdName is the backward copy's name read from a Keras config.
	bwdName string
	params  []*Param

	seq, haveY bool
	yf, yb     *tensor.Tensor
	out, dx    tensor.Tensor
	dyf, dyb   tensor.Tensor
}

// Bidirectional wraps a GRU, LSTM or SimpleRNN layer. It takes
// WithMergeMode ("concat", the default, "sum", "mul" or "ave"), WithName and
// WithInputShape.
func Bidirectional(inner Layer, opts ...Option) *BidirectionalLayer {
	o := collect(opts)
	return &BidirectionalLayer{name: o.name, opts: o, inner: inner}
}

func init() {
	register("Bidirectional", func(cfg map[string]any) (Layer, error) {
		opts, _, err := nameBatchShapeConfig(cfg)
		if err != nil {
			return nil, err
		}
		mode, err := cfgString(cfg, "merge_mode", "concat")
		if err != nil {
			return nil, err
		}
		sub, ok := cfg["layer"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("layer = %v (%T): want {class_name, config}", cfg["layer"], cfg["layer"])
		}
		class, err := cfgString(sub, "class_name", "")
		if err != nil {
			return nil, err
		}
		subCfg, ok := sub["config"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("layer.config = %v (%T) is not a config", sub["config"], sub["config"])
		}
		inner, err := FromConfig(class, subCfg)
		if err != nil {
			return nil, err
		}
		l := Bidirectional(inner, append(opts, WithMergeMode(mode))...)
		// Keras 3 also stores the backward copy; only its name is read (its
		// other arguments are the wrapped layer's with go_backwards set).
		if bw, ok := cfg["backward_layer"].(map[string]any); ok {
			if bc, ok := bw["config"].(map[string]any); ok {
				if l.bwdName, err = cfgString(bc, "name", ""); err != nil {
					return nil, fmt.Errorf("backward_layer: %w", err)
				}
			}
		}
		return l, nil
	})
}

// Name returns the layer's name.
func (l *BidirectionalLayer) Name() string { return l.name }

// SetName sets the layer's name.
func (l *BidirectionalLayer) SetName(n string) { l.name = n }

// ClassName returns "Bidirectional".
func (l *BidirectionalLayer) ClassName() string { return "Bidirectional" }

// InputShape returns the input shape declared with WithInputShape on the
// wrapper or, failing that, on the wrapped layer; nil if none.
func (l *BidirectionalLayer) InputShape() []int {
	if l.opts.set["input_shape"] {
		return append([]int(nil), l.opts.inputShape...)
	}
	if s, ok := l.inner.(interface{ InputShape() []int }); ok {
		return s.InputShape()
	}
	return nil
}

// Directions returns the layers that run each direction (nil before
// Build).
func (l *BidirectionalLayer) Directions() (forward, backward Layer) {
	if !l.built {
		return nil, nil
	}
	return l.fwd, l.bwd
}

// innerName is the wrapped layer's name or Keras's default for its class.
func (l *BidirectionalLayer) innerName() string {
	if l.baseName != "" {
		return l.baseName
	}
	if n := l.inner.Name(); n != "" {
		return n
	}
	switch l.inner.ClassName() {
	case "SimpleRNN":
		return "simple_rnn"
	case "GRU":
		return "gru"
	}
	return "lstm"
}

// Build checks the arguments, makes the backward copy and builds both.
func (l *BidirectionalLayer) Build(in []int, rng *rand.Rand) error {
	if l.built {
		return fmt.Errorf("Bidirectional %q: Build called twice", l.name)
	}
	if err := l.opts.check("Bidirectional", "merge_mode"); err != nil {
		return err
	}
	switch l.opts.mergeMode {
	case "concat", "sum", "mul", "ave":
	default:
		return fmt.Errorf("Bidirectional: merge_mode %q, want concat, sum, mul or ave", l.opts.mergeMode)
	}
	l.mode = l.opts.mergeMode
	fwd, ok := l.inner.(recurrentLayer)
	if !ok || fwd == nil {
		return fmt.Errorf("Bidirectional: the wrapped layer must be a GRU, LSTM or SimpleRNN, not %T", l.inner)
	}
	base := l.innerName()
	l.baseName = base
	cfg := fwd.Config()
	// Keras 3 names: a wrapped layer already called forward_x (a reloaded
	// config) is not prefixed twice.
	cfg["name"] = "backward_" + strings.TrimPrefix(base, "backward_")
	if l.bwdName != "" {
		cfg["name"] = l.bwdName
	}
	gb, _ := cfg["go_backwards"].(bool)
	cfg["go_backwards"] = !gb
	bl, err := FromConfig(fwd.ClassName(), cfg)
	if err != nil {
		return fmt.Errorf("Bidirectional: copying %s: %w", fwd.ClassName(), err)
	}
	l.bwd = bl.(recurrentLayer)
	l.fwd = fwd
	fwd.SetName("forward_" + strings.TrimPrefix(base, "forward_"))
	if err := fwd.Build(in, rng); err != nil {
		return err
	}
	if err := l.bwd.Build(in, rng); err != nil {
		return err
	}
	l.seq = fwd.base().returnSeq
	for _, c := range []recurrentLayer{l.fwd, l.bwd} {
		for _, p := range c.Params() {
			l.params = append(l.params, &Param{Name: c.Name() + "/" + p.Name, Value: p.Value, Grad: p.Grad})
		}
	}
	l.built = true
	return nil
}

// OutputShape is the wrapped layer's, with twice the units for concat.
func (l *BidirectionalLayer) OutputShape() []int {
	if !l.built {
		return nil
	}
	s := l.fwd.OutputShape()
	if l.mode == "concat" {
		s[len(s)-1] *= 2
	}
	return s
}

// Params returns the forward copy's weights, then the backward copy's.
func (l *BidirectionalLayer) Params() []*Param { return l.params }

// Config returns the Keras config: the wrapped layer's config under
// "layer" and merge_mode.
func (l *BidirectionalLayer) Config() map[string]any {
	cfg := map[string]any{"name": l.name, "trainable": true, "dtype": "float32", "merge_mode": l.opts.mergeMode}
	inner := l.inner.Config()
	inner["name"] = l.innerName()
	cfg["layer"] = map[string]any{"class_name": l.inner.ClassName(), "config": inner}
	setBatchInputShape(cfg, &l.opts)
	return cfg
}

// Forward runs both directions over x (batch, timesteps, features) and
// merges them.
func (l *BidirectionalLayer) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	if !l.built {
		return nil, fmt.Errorf("Bidirectional %q: Forward before Build", l.name)
	}
	yf, err := l.fwd.Forward(x, training)
	if err != nil {
		return nil, err
	}
	yb, err := l.bwd.Forward(x, training)
	if err != nil {
		return nil, err
	}
	l.yf, l.yb, l.haveY = yf, yb, true
	B, u := yf.Shape[0], yf.Shape[len(yf.Shape)-1]
	T := 1
	if l.seq {
		T = yf.Shape[1]
	}
	w := u
	if l.mode == "concat" {
		w = 2 * u
	}
	if l.seq {
		l.out.Resize(B, T, w)
	} else {
		l.out.Resize(B, w)
	}
	for i := 0; i < B; i++ {
		for t := 0; t < T; t++ {
			f := yf.Data[(i*T+t)*u : (i*T+t+1)*u]
			tb := t
			if l.seq {
				tb = T - 1 - t
			}
			b := yb.Data[(i*T+tb)*u : (i*T+tb+1)*u]
			o := l.out.Data[(i*T+t)*w : (i*T+t+1)*w]
			switch l.mode {
			case "concat":
				copy(o, f)
				copy(o[u:], b)
			case "sum":
				for j := range o {
					o[j] = f[j] + b[j]
				}
			case "mul":
				for j := range o {
					o[j] = f[j] * b[j]
				}
			case "ave":
				for j := range o {
					o[j] = (f[j] + b[j]) / 2
				}
			}
		}
	}
	return &l.out, nil
}

// Backward splits dy between the two directions, back-propagates through
// both and returns the sum of their input gradients when needDx.
func (l *BidirectionalLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if !l.haveY {
		return nil, fmt.Errorf("Bidirectional %q: Backward before Forward", l.name)
	}
	if dy == nil || !tensor.SameShape(dy.Shape, l.out.Shape) {
		return nil, fmt.Errorf("Bidirectional %q: gradient shape %v, want %v", l.name, rnnShapeOf(dy), l.out.Shape)
	}
	yf, yb := l.yf, l.yb
	B, u := yf.Shape[0], yf.Shape[len(yf.Shape)-1]
	T := 1
	if l.seq {
		T = yf.Shape[1]
	}
	w := dy.Shape[len(dy.Shape)-1]
	l.dyf.Resize(yf.Shape...)
	l.dyb.Resize(yb.Shape...)
	for i := 0; i < B; i++ {
		for t := 0; t < T; t++ {
			tb := t
			if l.seq {
				tb = T - 1 - t
			}
			d := dy.Data[(i*T+t)*w : (i*T+t+1)*w]
			df := l.dyf.Data[(i*T+t)*u : (i*T+t+1)*u]
			db := l.dyb.Data[(i*T+tb)*u : (i*T+tb+1)*u]
			switch l.mode {
			case "concat":
				copy(df, d[:u])
				copy(db, d[u:])
			case "sum":
				copy(df, d)
				copy(db, d)
			case "mul":
				f := yf.Data[(i*T+t)*u : (i*T+t+1)*u]
				b := yb.Data[(i*T+tb)*u : (i*T+tb+1)*u]
				for j, v := range d {
					df[j] = v * b[j]
					db[j] = v * f[j]
				}
			case "ave":
				for j, v := range d {
					df[j] = v / 2
					db[j] = v / 2
				}
			}
		}
	}
	dxf, err := l.fwd.Backward(&l.dyf, needDx)
	if err != nil {
		return nil, err
	}
	dxb, err := l.bwd.Backward(&l.dyb, needDx)
	if err != nil {
		return nil, err
	}
	if !needDx {
		return nil, nil
	}
	l.dx.Resize(dxf.Shape...)
	for i, v := range dxf.Data {
		l.dx.Data[i] = v + dxb.Data[i]
	}
	return &l.dx, nil
}
