package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/internal/parallel"
	"github.com/seqconv/seqconv/tensor"
)

// pool1D is the shared body of MaxPooling1D and AveragePooling1D: windows of
// poolSize steps every strides steps over (batch, steps, channels). With
// 'same' padding the windows extend past the ends as in TensorFlow (the
// extra step on the right); padded positions never win a max and are not
// counted in an average.
type pool1D struct {
	kbase
	class             string
	isMax             bool
	poolSize, strides int
	padding           string

	batch, tIn, tOut, ch, padL int
	y, dx                      *tensor.Tensor
	arg                        []int32 // max: input step of each output's maximum
	x, dyData                  []float32
	fwd, bwd                   func(lo, hi int)
}

func newPool1D(class string, isMax bool, poolSize int, opts []Option) pool1D {
	return pool1D{kbase: newKbase(opts), class: class, isMax: isMax, poolSize: poolSize, y: &tensor.Tensor{}, dx: &tensor.Tensor{}}
}

// ClassName returns "MaxPooling1D" or "AveragePooling1D".
func (l *pool1D) ClassName() string { return l.class }

// Build checks the arguments for an input of shape (steps, channels).
func (l *pool1D) Build(in []int, _ *rand.Rand) error {
	if err := l.opts.check(l.class, "strides", "padding"); err != nil {
		return err
	}
	l.strides, l.padding = l.opts.strides, l.opts.padding
	if !l.opts.set["strides"] {
		l.strides = l.poolSize
	}
	switch {
	case l.poolSize <= 0:
		return fmt.Errorf("%s: pool_size = %d, want > 0", who(l.class, l.name), l.poolSize)
	case l.strides <= 0:
		return fmt.Errorf("%s: strides = %d, want > 0", who(l.class, l.name), l.strides)
	case l.padding != "valid" && l.padding != "same":
		return fmt.Errorf("%s: padding %q, want valid or same", who(l.class, l.name), l.padding)
	case len(in) != 2 || in[1] <= 0 || in[0] == 0 || in[0] < -1:
		return fmt.Errorf("%s: input shape (batch, %s), want (batch, steps, channels)", who(l.class, l.name), dimsString(in))
	}
	out, _, _ := convLength(in[0], l.poolSize, l.strides, l.padding)
	if out == 0 {
		return fmt.Errorf("%s: input of %d steps is shorter than pool_size %d", who(l.class, l.name), in[0], l.poolSize)
	}
	l.ch = in[1]
	l.in, l.out, l.built = append([]int(nil), in...), []int{out, in[1]}, true
	return nil
}

// Params returns nil: pooling has no weights.
func (l *pool1D) Params() []*Param { return nil }

// Forward pools each window.
func (l *pool1D) Forward(x *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	if err := l.checkInput(l.class, x); err != nil {
		return nil, err
	}
	b, t := x.Shape[0], x.Shape[1]
	tOut, padL, _ := convLength(t, l.poolSize, l.strides, l.padding)
	if tOut <= 0 {
		return nil, fmt.Errorf("%s: input of %d steps is shorter than pool_size %d", who(l.class, l.name), t, l.poolSize)
	}
	l.batch, l.tIn, l.tOut, l.padL, l.x = b, t, tOut, padL, x.Data
	l.y.Resize(b, tOut, l.ch)
	if l.isMax {
		if n := b * tOut * l.ch; cap(l.arg) < n {
			l.arg = make([]int32, n)
		}
		l.arg = l.arg[:b*tOut*l.ch]
	}
	if l.fwd == nil { // method values made once: parallel loops allocate nothing
		l.fwd, l.bwd = l.forwardRange, l.backwardRange
	}
	parallel.For(b, max(1, 8192/(t*l.ch)), l.fwd)
	return l.y, nil
}

// window returns the clipped input rows [lo, hi) of output step o.
func (l *pool1D) window(o int) (lo, hi int) {
	lo = o*l.strides - l.padL
	return max(lo, 0), min(lo+l.poolSize, l.tIn)
}

func (l *pool1D) forwardRange(lo, hi int) {
	c, t, tOut := l.ch, l.tIn, l.tOut
	for s := lo; s < hi; s++ {
		in := l.x[s*t*c : (s+1)*t*c]
		out := l.y.Data[s*tOut*c : (s+1)*tOut*c]
		if l.isMax {
			kernels.MaxPool1D(out, l.arg[s*tOut*c:(s+1)*tOut*c], in, t, c, l.poolSize, l.strides, l.padL, tOut)
			continue
		}
		for o := 0; o < tOut; o++ {
			wlo, whi := l.window(o)
			dst := out[o*c : (o+1)*c]
			clear(dst)
			for r := wlo; r < whi; r++ {
				kernels.Axpy(1, in[r*c:(r+1)*c], dst)
			}
			kernels.Scal(1/float32(whi-wlo), dst)
		}
	}
}

func (l *pool1D) backwardRange(lo, hi int) {
	c, t, tOut := l.ch, l.tIn, l.tOut
	for s := lo; s < hi; s++ {
		dx := l.dx.Data[s*t*c : (s+1)*t*c]
		dy := l.dyData[s*tOut*c : (s+1)*tOut*c]
		if l.isMax && l.strides == l.poolSize && l.padL == 0 {
			// Disjoint windows (Keras's default strides): each element
			// of dx written once, no clear-and-scatter.
			kernels.MaxPool1DBackward(dx, dy, l.arg[s*tOut*c:(s+1)*tOut*c], t, c, l.poolSize, tOut)
			continue
		}
		clear(dx)
		if l.isMax {
			arg := l.arg[s*tOut*c : (s+1)*tOut*c]
			for o := 0; o < tOut; o++ {
				ar, g := arg[o*c:(o+1)*c], dy[o*c:(o+1)*c]
				for j, r := range ar {
					if r >= 0 {
						dx[int(r)*c+j] += g[j]
					}
				}
			}
			continue
		}
		for o := 0; o < tOut; o++ {
			wlo, whi := l.window(o)
			g := dy[o*c : (o+1)*c]
			inv := 1 / float32(whi-wlo)
			for r := wlo; r < whi; r++ {
				kernels.Axpy(inv, g, dx[r*c:(r+1)*c])
			}
		}
	}
}

// Backward routes dy to each window's maximum (max) or spreads it evenly
// over the window (average).
func (l *pool1D) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := checkGrad(l.class, l.name, dy, l.y.Shape); err != nil {
		return nil, err
	}
	if !needDx {
		return nil, nil
	}
	l.dx.Resize(l.batch, l.tIn, l.ch)
	l.dyData = dy.Data
	parallel.For(l.batch, max(1, 8192/(l.tIn*l.ch)), l.bwd)
	l.dyData = nil
	return l.dx, nil
}

// Config returns the Keras config (pool_size and strides as one-element
// lists, as Keras 2 writes them).
func (l *pool1D) Config() map[string]any {
	c := l.config()
	s := l.opts.strides
	if !l.opts.set["strides"] {
		s = l.poolSize
	}
	c["pool_size"] = []any{l.poolSize}
	c["strides"] = []any{s}
	c["padding"] = l.opts.padding
	c["data_format"] = "channels_last"
	return c
}

// MaxPooling1DLayer takes the maximum over windows of steps (Keras
// MaxPooling1D); it keeps the position of each maximum for Backward.
type MaxPooling1DLayer struct{ pool1D }

// AveragePooling1DLayer averages over windows of steps (Keras
// AveragePooling1D).
type AveragePooling1DLayer struct{ pool1D }

// MaxPooling1D returns a max-pooling layer over poolSize steps. Options:
// WithStrides (default poolSize), WithPadding ("valid" or "same"),
// WithName, WithInputShape.
func MaxPooling1D(poolSize int, opts ...Option) *MaxPooling1DLayer {
	return &MaxPooling1DLayer{newPool1D("MaxPooling1D", true, poolSize, opts)}
}

// AveragePooling1D returns an average-pooling layer over poolSize steps.
// Options: WithStrides (default poolSize), WithPadding ("valid" or "same";
// padded steps are not counted), WithName, WithInputShape.
func AveragePooling1D(poolSize int, opts ...Option) *AveragePooling1DLayer {
	return &AveragePooling1DLayer{newPool1D("AveragePooling1D", false, poolSize, opts)}
}

// globalPool1D is the shared body of GlobalMaxPooling1D and
// GlobalAveragePooling1D: (batch, steps, channels) → (batch, channels).
type globalPool1D struct {
	kbase
	class        string
	isMax        bool
	batch, t, ch int
	y, dx        *tensor.Tensor
	arg          []int32
}

func newGlobalPool1D(class string, isMax bool, opts []Option) globalPool1D {
	return globalPool1D{kbase: newKbase(opts), class: class, isMax: isMax, y: &tensor.Tensor{}, dx: &tensor.Tensor{}}
}

// ClassName returns "GlobalMaxPooling1D" or "GlobalAveragePooling1D".
func (l *globalPool1D) ClassName() string { return l.class }

// Build requires an input of shape (steps, channels).
func (l *globalPool1D) Build(in []int, _ *rand.Rand) error {
	if err := l.opts.check(l.class); err != nil {
		return err
	}
	if len(in) != 2 || in[1] <= 0 || in[0] == 0 || in[0] < -1 {
		return fmt.Errorf("%s: input shape (batch, %s), want (batch, steps, channels)", who(l.class, l.name), dimsString(in))
	}
	l.ch = in[1]
	l.in, l.out, l.built = append([]int(nil), in...), []int{in[1]}, true
	return nil
}

// Params returns nil: pooling has no weights.
func (l *globalPool1D) Params() []*Param { return nil }

// Forward reduces over the steps axis.
func (l *globalPool1D) Forward(x *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	if err := l.checkInput(l.class, x); err != nil {
		return nil, err
	}
	b, t, c := x.Shape[0], x.Shape[1], l.ch
	if t == 0 {
		return nil, fmt.Errorf("%s: input has no steps", who(l.class, l.name))
	}
	l.batch, l.t = b, t
	l.y.Resize(b, c)
	if l.isMax {
		if cap(l.arg) < b*c {
			l.arg = make([]int32, b*c)
		}
		l.arg = l.arg[:b*c]
	}
	for s := 0; s < b; s++ {
		in := x.Data[s*t*c : (s+1)*t*c]
		out := l.y.Data[s*c : (s+1)*c]
		copy(out, in[:c])
		if l.isMax {
			arg := l.arg[s*c : (s+1)*c]
			clear(arg)
			for r := 1; r < t; r++ {
				for j, v := range in[r*c : (r+1)*c] {
					if v > out[j] {
						out[j], arg[j] = v, int32(r)
					}
				}
			}
			continue
		}
		for r := 1; r < t; r++ {
			kernels.Axpy(1, in[r*c:(r+1)*c], out)
		}
		kernels.Scal(1/float32(t), out)
	}
	return l.y, nil
}

// Backward routes dy to each channel's maximum (max) or spreads it evenly
// over the steps (average).
func (l *globalPool1D) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := checkGrad(l.class, l.name, dy, l.y.Shape); err != nil {
		return nil, err
	}
	if !needDx {
		return nil, nil
	}
	b, t, c := l.batch, l.t, l.ch
	l.dx.Resize(b, t, c)
	for s := 0; s < b; s++ {
		dx := l.dx.Data[s*t*c : (s+1)*t*c]
		g := dy.Data[s*c : (s+1)*c]
		if l.isMax {
			clear(dx)
			for j, r := range l.arg[s*c : (s+1)*c] {
				dx[int(r)*c+j] = g[j]
			}
			continue
		}
		inv := 1 / float32(t)
		for r := 0; r < t; r++ {
			row := dx[r*c : (r+1)*c]
			for j, v := range g {
				row[j] = v * inv
			}
		}
	}
	return l.dx, nil
}

// Config returns the Keras config.
func (l *globalPool1D) Config() map[string]any {
	c := l.config()
	c["data_format"] = "channels_last"
	c["keepdims"] = false
	return c
}

// GlobalMaxPooling1DLayer takes each channel's maximum over all steps
// (Keras GlobalMaxPooling1D).
type GlobalMaxPooling1DLayer struct{ globalPool1D }

// GlobalAveragePooling1DLayer averages each channel over all steps (Keras
// GlobalAveragePooling1D).
type GlobalAveragePooling1DLayer struct{ globalPool1D }

// GlobalMaxPooling1D returns a layer reducing (batch, steps, channels) to
// (batch, channels) by the maximum. Options: WithName, WithInputShape.
func GlobalMaxPooling1D(opts ...Option) *GlobalMaxPooling1DLayer {
	return &GlobalMaxPooling1DLayer{newGlobalPool1D("GlobalMaxPooling1D", true, opts)}
}

// GlobalAveragePooling1D returns a layer reducing (batch, steps, channels)
// to (batch, channels) by the mean. Options: WithName, WithInputShape.
func GlobalAveragePooling1D(opts ...Option) *GlobalAveragePooling1DLayer {
	return &GlobalAveragePooling1DLayer{newGlobalPool1D("GlobalAveragePooling1D", false, opts)}
}

func init() {
	for _, class := range []string{"MaxPooling1D", "AveragePooling1D"} {
		register(class, func(cfg map[string]any) (Layer, error) {
			opts, err := commonConfig(cfg)
			if err != nil {
				return nil, err
			}
			p, err := cfgRequiredInt(cfg, "pool_size")
			if err != nil {
				return nil, err
			}
			if v, ok := cfg["strides"]; ok && v != nil {
				s, err := cfgInt(cfg, "strides", p)
				if err != nil {
					return nil, err
				}
				opts = append(opts, WithStrides(s))
			}
			pad, err := cfgString(cfg, "padding", "valid")
			if err != nil {
				return nil, err
			}
			opts = append(opts, WithPadding(pad))
			if class == "MaxPooling1D" {
				return MaxPooling1D(p, opts...), nil
			}
			return AveragePooling1D(p, opts...), nil
		})
	}
	for _, class := range []string{"GlobalMaxPooling1D", "GlobalAveragePooling1D"} {
		register(class, func(cfg map[string]any) (Layer, error) {
			opts, err := commonConfig(cfg)
			if err != nil {
				return nil, err
			}
			if k, err := cfgBool(cfg, "keepdims", false); err != nil {
				return nil, err
			} else if k {
				return nil, fmt.Errorf("keepdims = true is not supported")
			}
			if class == "GlobalMaxPooling1D" {
				return GlobalMaxPooling1D(opts...), nil
			}
			return GlobalAveragePooling1D(opts...), nil
		})
	}
}
