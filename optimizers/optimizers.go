// Package optimizers holds seqconv's Keras-compatible optimizers: RMSprop,
// Adam and SGD (with momentum and Nesterov momentum).
//
// Each follows the update rule of Keras's optimizer of the same name
// (tf.keras 2.11+ and Keras 3), including where epsilon enters: RMSprop
// divides by √(v+ε), Adam by √v̂+ε with Keras's bias-corrected step size.
// Weights and slots are float32 as in Keras; each element's update is
// computed in float64 and rounded once, so results do not depend on how the
// work is split across cores.
package optimizers

import (
	"cmp"
	"fmt"
	"math"

	"github.com/seqconv/seqconv/internal/parallel"
	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/tensor"
)

// Optimizer updates a model's weights from their gradients.
type Optimizer interface {
	// Name returns the Keras class name, such as "RMSprop".
	Name() string
	// Config returns the hyperparameters under their Keras names (for
	// saving), such as {"learning_rate": 0.001, "rho": 0.9, …}.
	Config() map[string]any
	// Apply performs one update of params from their Grad. The parameter
	// list must be the same (same order and shapes) on every call; the
	// optimizer's slots are created on the first call.
	Apply(params []*layers.Param) error
	// State returns the number of updates applied so far and the slot
	// tensors of each parameter (nil before the first Apply). The tensors
	// are the optimizer's own; callers must not modify them.
	State() (iterations int64, slots [][]*tensor.Tensor)
	// SetState restores a state returned by State (deep-copied), as when
	// loading a saved model, so that training resumes exactly.
	SetState(iterations int64, slots [][]*tensor.Tensor) error
	// SlotNames names each parameter's slots in order, as in Keras
	// ("velocity", "momentum", …).
	SlotNames() []string
}

// FromConfig rebuilds an optimizer from its Name and Config.
func FromConfig(name string, cfg map[string]any) (Optimizer, error) {
	f := func(key string, def float64) float64 {
		if v, ok := cfg[key].(float64); ok {
			return v
		}
		return def
	}
	b := func(key string) bool { v, _ := cfg[key].(bool); return v }
	var o Optimizer
	switch name {
	case "RMSprop":
		o = NewRMSprop(RMSpropConfig{LearningRate: f("learning_rate", 1e-3), Rho: f("rho", 0.9), Momentum: f("momentum", 0), Epsilon: f("epsilon", 1e-7), Centered: b("centered")})
	case "Adam":
		o = NewAdam(AdamConfig{LearningRate: f("learning_rate", 1e-3), Beta1: f("beta_1", 0.9), Beta2: f("beta_2", 0.999), Epsilon: f("epsilon", 1e-7)})
	case "SGD":
		o = NewSGD(SGDConfig{LearningRate: f("learning_rate", 0.01), Momentum: f("momentum", 0), Nesterov: b("nesterov")})
	default:
		return nil, fmt.Errorf("optimizers: unknown optimizer %q", name)
	}
	return o, nil
}

// slots holds the per-parameter state common to every optimizer.
type slots struct {
	names []string
	iter  int64
	s     [][]*tensor.Tensor

	// cur is the parameter list of the Apply in progress; jobs[i] updates
	// elements [lo, hi) of parameter i. The closures are made once so that
	// a step allocates nothing.
	cur  []*layers.Param
	jobs []func(lo, hi int)
}

// updater is an optimizer's element-wise update of parameter i.
type updater interface {
	update(i, lo, hi int)
}

// step checks params against the slots (creating them on the first call),
// then runs u's update over every parameter, splitting large ones across
// cores; the updates are element-wise so the split does not change results.
func (st *slots) step(params []*layers.Param, u updater) error {
	if err := st.ensure(params); err != nil {
		return err
	}
	if len(st.jobs) != len(params) {
		st.jobs = make([]func(lo, hi int), len(params))
		for i := range params {
			st.jobs[i] = func(lo, hi int) { u.update(i, lo, hi) }
		}
	}
	st.cur = params
	for i, p := range params {
		parallel.For(len(p.Value.Data), 1<<14, st.jobs[i])
	}
	st.cur = nil
	st.iter++
	return nil
}

// ensure creates zero slots for params on the first call and checks that
// later calls pass the same shapes.
func (st *slots) ensure(params []*layers.Param) error {
	if st.s == nil {
		st.s = make([][]*tensor.Tensor, len(params))
		for i, p := range params {
			st.s[i] = make([]*tensor.Tensor, len(st.names))
			for j := range st.names {
				st.s[i][j] = tensor.New(p.Value.Shape...)
			}
		}
		return nil
	}
	if len(st.s) != len(params) {
		return fmt.Errorf("optimizers: %d parameters, but the optimizer was started with %d", len(params), len(st.s))
	}
	for i, p := range params {
		if len(st.names) > 0 && !tensor.SameShape(st.s[i][0].Shape, p.Value.Shape) {
			return fmt.Errorf("optimizers: parameter %d (%s) has shape %v, slot has %v", i, p.Name, p.Value.Shape, st.s[i][0].Shape)
		}
		if !tensor.SameShape(p.Grad.Shape, p.Value.Shape) {
			return fmt.Errorf("optimizers: parameter %d (%s): gradient shape %v, value shape %v", i, p.Name, p.Grad.Shape, p.Value.Shape)
		}
	}
	return nil
}

// State implements Optimizer.
func (st *slots) State() (int64, [][]*tensor.Tensor) { return st.iter, st.s }

// SlotNames implements Optimizer.
func (st *slots) SlotNames() []string { return append([]string(nil), st.names...) }

// SetState implements Optimizer.
func (st *slots) SetState(iter int64, s [][]*tensor.Tensor) error {
	if iter < 0 {
		return fmt.Errorf("optimizers: negative iteration count %d", iter)
	}
	if s == nil {
		st.iter, st.s = iter, nil
		return nil
	}
	cp := make([][]*tensor.Tensor, len(s))
	for i, ps := range s {
		if len(ps) != len(st.names) {
			return fmt.Errorf("optimizers: parameter %d has %d slots, want %d (%v)", i, len(ps), len(st.names), st.names)
		}
		cp[i] = make([]*tensor.Tensor, len(ps))
		for j, t := range ps {
			cp[i][j] = t.Clone()
		}
	}
	st.iter, st.s = iter, cp
	return nil
}

// RMSpropConfig holds RMSprop's hyperparameters; zero fields take Keras's
// defaults (learning rate 0.001, rho 0.9, epsilon 1e-7). Momentum 0 and
// Centered false are Keras's defaults too.
type RMSpropConfig struct {
	LearningRate float64
	Rho          float64
	Momentum     float64
	Epsilon      float64
	Centered     bool
}

// RMSprop is Keras's RMSprop:
//
//	v ← ρ·v + (1−ρ)·g²
//	d ← v + ε, or v − ḡ² + ε when centered (ḡ ← ρ·ḡ + (1−ρ)·g)
//	Δ ← lr·g/√d
//	w ← w − Δ, or with momentum m ← momentum·m + Δ, w ← w − m
//
// Note ε is inside the square root, unlike the original formulation.
type RMSprop struct {
	cfg RMSpropConfig
	slots
}

// NewRMSprop returns an RMSprop optimizer.
func NewRMSprop(cfg RMSpropConfig) *RMSprop {
	cfg.LearningRate = cmp.Or(cfg.LearningRate, 1e-3)
	cfg.Rho = cmp.Or(cfg.Rho, 0.9)
	cfg.Epsilon = cmp.Or(cfg.Epsilon, 1e-7)
	o := &RMSprop{cfg: cfg}
	o.names = []string{"velocity"}
	if cfg.Momentum > 0 {
		o.names = append(o.names, "momentum")
	}
	if cfg.Centered {
		o.names = append(o.names, "average_gradient")
	}
	return o
}

// Name implements Optimizer.
func (*RMSprop) Name() string { return "RMSprop" }

// Config implements Optimizer.
func (o *RMSprop) Config() map[string]any {
	return map[string]any{"learning_rate": o.cfg.LearningRate, "rho": o.cfg.Rho, "momentum": o.cfg.Momentum, "epsilon": o.cfg.Epsilon, "centered": o.cfg.Centered}
}

// Apply implements Optimizer.
func (o *RMSprop) Apply(params []*layers.Param) error { return o.step(params, o) }

func (o *RMSprop) update(i, lo, hi int) {
	lr, rho, eps, mom := o.cfg.LearningRate, o.cfg.Rho, o.cfg.Epsilon, o.cfg.Momentum
	p := o.cur[i]
	w, g := p.Value.Data, p.Grad.Data
	v := o.s[i][0].Data
	var m, ag []float32
	k := 1
	if mom > 0 {
		m = o.s[i][k].Data
		k++
	}
	if o.cfg.Centered {
		ag = o.s[i][k].Data
	}
	for j := lo; j < hi; j++ {
		gj := float64(g[j])
		vj := float32(rho*float64(v[j]) + (1-rho)*gj*gj)
		v[j] = vj
		d := float64(vj) + eps
		if ag != nil {
			a := float32(rho*float64(ag[j]) + (1-rho)*gj)
			ag[j] = a
			d -= float64(a) * float64(a)
		}
		inc := lr * gj / math.Sqrt(d)
		if m != nil {
			mj := float32(mom*float64(m[j]) + inc)
			m[j] = mj
			inc = float64(mj)
		}
		w[j] = float32(float64(w[j]) - inc)
	}
}

// AdamConfig holds Adam's hyperparameters; zero fields take Keras's
// defaults (learning rate 0.001, β1 0.9, β2 0.999, epsilon 1e-7).
type AdamConfig struct {
	LearningRate float64
	Beta1        float64
	Beta2        float64
	Epsilon      float64
}

// Adam is Keras's Adam (without amsgrad): at step t (from 1)
//
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	w ← w − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε)
//
// Keras folds the bias corrections into the step size, so ε is not scaled
// by them (the "epsilon hat" of the Adam paper).
type Adam struct {
	cfg   AdamConfig
	alpha float64 // step size of the Apply in progress
	slots
}

// NewAdam returns an Adam optimizer.
func NewAdam(cfg AdamConfig) *Adam {
	cfg.LearningRate = cmp.Or(cfg.LearningRate, 1e-3)
	cfg.Beta1 = cmp.Or(cfg.Beta1, 0.9)
	cfg.Beta2 = cmp.Or(cfg.Beta2, 0.999)
	cfg.Epsilon = cmp.Or(cfg.Epsilon, 1e-7)
	o := &Adam{cfg: cfg}
	o.names = []string{"momentum", "velocity"}
	return o
}

// Name implements Optimizer.
func (*Adam) Name() string { return "Adam" }

// Config implements Optimizer.
func (o *Adam) Config() map[string]any {
	return map[string]any{"learning_rate": o.cfg.LearningRate, "beta_1": o.cfg.Beta1, "beta_2": o.cfg.Beta2, "epsilon": o.cfg.Epsilon}
}

// Apply implements Optimizer.
func (o *Adam) Apply(params []*layers.Param) error {
	t := float64(o.iter + 1)
	o.alpha = o.cfg.LearningRate * math.Sqrt(1-math.Pow(o.cfg.Beta2, t)) / (1 - math.Pow(o.cfg.Beta1, t))
	return o.step(params, o)
}

func (o *Adam) update(i, lo, hi int) {
	b1, b2, eps, alpha := o.cfg.Beta1, o.cfg.Beta2, o.cfg.Epsilon, o.alpha
	p := o.cur[i]
	w, g := p.Value.Data, p.Grad.Data
	m, v := o.s[i][0].Data, o.s[i][1].Data
	for j := lo; j < hi; j++ {
		gj := float64(g[j])
		mj := float32(b1*float64(m[j]) + (1-b1)*gj)
		vj := float32(b2*float64(v[j]) + (1-b2)*gj*gj)
		m[j], v[j] = mj, vj
		w[j] = float32(float64(w[j]) - alpha*float64(mj)/(math.Sqrt(float64(vj))+eps))
	}
}

// SGDConfig holds SGD's hyperparameters; a zero LearningRate takes Keras's
// default 0.01. Momentum 0 (plain gradient descent) and Nesterov false are
// Keras's defaults.
type SGDConfig struct {
	LearningRate float64
	Momentum     float64
	Nesterov     bool
}

// SGD is Keras's SGD: without momentum w ← w − lr·g; with momentum
//
//	v ← momentum·v − lr·g
//	w ← w + v                      (classical)
//	w ← w + momentum·v − lr·g      (Nesterov)
type SGD struct {
	cfg SGDConfig
	slots
}

// NewSGD returns an SGD optimizer.
func NewSGD(cfg SGDConfig) *SGD {
	cfg.LearningRate = cmp.Or(cfg.LearningRate, 0.01)
	o := &SGD{cfg: cfg}
	if cfg.Momentum > 0 {
		o.names = []string{"momentum"}
	}
	return o
}

// Name implements Optimizer.
func (*SGD) Name() string { return "SGD" }

// Config implements Optimizer.
func (o *SGD) Config() map[string]any {
	return map[string]any{"learning_rate": o.cfg.LearningRate, "momentum": o.cfg.Momentum, "nesterov": o.cfg.Nesterov}
}

// Apply implements Optimizer.
func (o *SGD) Apply(params []*layers.Param) error { return o.step(params, o) }

func (o *SGD) update(i, lo, hi int) {
	lr, mom := o.cfg.LearningRate, o.cfg.Momentum
	p := o.cur[i]
	w, g := p.Value.Data, p.Grad.Data
	if mom == 0 {
		for j := lo; j < hi; j++ {
			w[j] = float32(float64(w[j]) - lr*float64(g[j]))
		}
		return
	}
	v := o.s[i][0].Data
	for j := lo; j < hi; j++ {
		vj := float32(mom*float64(v[j]) - lr*float64(g[j]))
		v[j] = vj
		if o.cfg.Nesterov {
			w[j] = float32(float64(w[j]) + mom*float64(vj) - lr*float64(g[j]))
		} else {
			w[j] = float32(float64(w[j]) + float64(vj))
		}
	}
}
