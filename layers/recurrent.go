package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/internal/parallel"
	"github.com/seqconv/seqconv/tensor"
)

// This file holds what GRU, LSTM and SimpleRNN share: argument checking,
// weights, dropout masks, the input projection of all time steps in one
// GEMM, the per-step recurrent GEMMs and the weight gradients after the
// time loop. Each cell's own file holds its gate arithmetic.
//
// Layout: every per-step quantity is stored time-major, (T, batch, width),
// so that step t of the whole batch is one contiguous block: the per-step
// loops stream through memory (batch-major rows T·width apart ran about
// twice slower) and the per-step GEMMs read dense matrices. The input, the
// sequence output and the input gradient are transposed once per call.
//
// Dropout follows Keras 3 (keras/src/layers/rnn): in training, one input
// mask of shape (batch, features) and one recurrent mask of shape (batch,
// units) are drawn per Forward call and reused at every time step. When
// recurrent_dropout > 0, Keras switches GRU and LSTM to its
// "implementation 1", which draws a separate mask per gate (3 for GRU, 4 for
// LSTM) for the input and for the state; seqconv does the same. A rate is
// applied only when 0 < rate < 1, and kept units are scaled by 1/(1−rate).

// WithRecurrentActivation sets the activation of a recurrent layer's gates:
// "sigmoid" (the default), "hard_sigmoid", "tanh", "relu" or "linear"
// (Keras recurrent_activation=).
func WithRecurrentActivation(a string) Option {
	return func(o *options) { o.recurrentActivation = a; o.mark("recurrent_activation") }
}

// WithGoBackwards makes a recurrent layer read its input sequence from the
// last step to the first; with return_sequences the output is in the order
// processed, that is reversed, as in Keras (go_backwards=).
func WithGoBackwards(b bool) Option {
	return func(o *options) { o.goBackwards = b; o.mark("go_backwards") }
}

// rnnAct is an activation a recurrent layer applies in place; its
// derivative is computed from the activation's output.
type rnnAct int

const (
	raLinear rnnAct = iota
	raTanh
	raSigmoid
	raHardSigmoid
	raRelu
)

var rnnActNames = map[string]rnnAct{
	"linear": raLinear, "tanh": raTanh, "sigmoid": raSigmoid,
	"hard_sigmoid": raHardSigmoid, "relu": raRelu,
}

func parseRNNAct(s string) (rnnAct, error) {
	if s == "" || s == "None" {
		return raLinear, nil
	}
	a, ok := rnnActNames[s]
	if !ok {
		return 0, fmt.Errorf("unknown activation %q (want linear, tanh, sigmoid, hard_sigmoid or relu)", s)
	}
	return a, nil
}

func (a rnnAct) String() string {
	for k, v := range rnnActNames {
		if v == a {
			return k
		}
	}
	return "linear"
}

// apply replaces x by a(x).
func (a rnnAct) apply(x []float32) {
	switch a {
	case raTanh:
		kernels.Tanh(x, x)
	case raSigmoid:
		kernels.Sigmoid(x, x)
	case raRelu:
		kernels.Relu(x, x)
	case raHardSigmoid: // Keras 3: relu6(x+3)/6
		for i, v := range x {
			x[i] = min(max(v/6+0.5, 0), 1)
		}
	}
}

// grad sets dx[i] = dy[i]·a′ evaluated where the output is y[i]; dx may
// alias dy.
func (a rnnAct) grad(dx, dy, y []float32) {
	dy = dy[:len(dx)]
	y = y[:len(dx)]
	switch a {
	case raLinear:
		copy(dx, dy)
	case raTanh:
		for i, v := range y {
			dx[i] = dy[i] * (1 - v*v)
		}
	case raSigmoid:
		for i, v := range y {
			dx[i] = dy[i] * v * (1 - v)
		}
	case raHardSigmoid:
		for i, v := range y {
			if v > 0 && v < 1 {
				dx[i] = dy[i] / 6
			} else {
				dx[i] = 0
			}
		}
	case raRelu:
		for i, v := range y {
			if v > 0 {
				dx[i] = dy[i]
			} else {
				dx[i] = 0
			}
		}
	}
}

// recurrentLayer is implemented by GRU, LSTM and SimpleRNN; Bidirectional
// uses it to make the backward copy of its inner layer.
type recurrentLayer interface {
	Layer
	base() *rnnBase
}

// rnnBase is the state shared by the recurrent layers.
type rnnBase struct {
	class string
	name  string
	units int
	gates int // gate blocks in the kernels: GRU 3, LSTM 4, SimpleRNN 1
	opts  options

	act, recAct       rnnAct
	useBias           bool
	dropout, recDrop  float64
	returnSeq, goBack bool
	built             bool
	in                []int // built input shape: (T or -1, features)
	inDim             int
	rng               *rand.Rand
	kernel, recKernel *Param
	bias              *Param
	biasIn            []float32 // the bias (row) added to the input projection, or nil

	// Per-batch state of the last Forward.
	batch, steps int
	training     bool
	x            *tensor.Tensor // time-major input in processing order (&xt), when made
	xin          *tensor.Tensor // the caller's input, (B, T, F)
	xt           tensor.Tensor  // (T, B, F) input, time-major, in processing order
	nmx, nmh     int            // input and recurrent masks in use (0: none)
	mx, mh       tensor.Tensor  // (nmx, B, F) and (nmh, B, u) masks
	wb           tensor.Tensor  // (B, F, G·u) per-sample masked kernels (input dropout)
	dwp          tensor.Tensor  // (chunks, 2·F·G·u + T·G·u) kernel-gradient partials and scratch (see dwChunks)
	pre          tensor.Tensor  // (T, B, G·u) input projections, turned into gate values
	nb           int            // recurrent operand blocks
	blk          []int          // gate → block of hm it multiplies
	blkBuf       [4]int
	hm           tensor.Tensor // (T, B, nb·u) recurrent operands of every step
	hs           tensor.Tensor // (T, B, u) outputs h_t
	zero         tensor.Tensor // (B, u) zeros: the initial state
	out          tensor.Tensor // (B, u) last output

	// Backward buffers.
	dGx tensor.Tensor // (T, B, G·u) pre-activation gradients (input side)
	// The recurrent side's pre-activation gradients equal dGx's except,
	// in a reset_after GRU, for the last gate (the candidate), whose
	// recurrent product is scaled by r; the GRU then keeps that gate's in
	// lastRG, (T, B, u). See rg.
	lastRG *tensor.Tensor

	projFn, dwFn, dxFn func(lo, hi int) // bound once by bind
	fwdRows, bwdRows   func(lo, hi int) // the cell's time loops, bound once by bind
	dhp                tensor.Tensor    // (B, u) ∂loss/∂h_t, then ∂loss/∂h_{t−1} (see stepGrad)
	dhm                tensor.Tensor    // (B, nb·u) ∂loss/∂(recurrent operand block)
	ut                 tensor.Tensor    // (G·u, u) recurrent_kernel transposed
	wt                 tensor.Tensor    // (G·u, F) kernel transposed
	wbt                tensor.Tensor    // (B, G·u, F) per-sample masked kernels transposed
	dy                 *tensor.Tensor   // the gradient given to Backward, for the row workers
	dx                 tensor.Tensor
	dxt                tensor.Tensor // (T, B, F) input gradient before transposition
	biasSums           colSums       // bias gradients, in parallel
}

func newRNNBase(class string, units, gates int, opts []Option) rnnBase {
	o := collect(opts)
	b := rnnBase{class: class, name: o.name, units: units, gates: gates, opts: o}
	return b
}

// Name returns the layer's name.
func (b *rnnBase) Name() string { return b.name }

// SetName sets the layer's name.
func (b *rnnBase) SetName(n string) { b.name = n }

// ClassName returns the Keras class name.
func (b *rnnBase) ClassName() string { return b.class }

func (b *rnnBase) base() *rnnBase { return b }

// Params returns kernel, recurrent_kernel and (with use_bias) bias.
func (b *rnnBase) Params() []*Param {
	if !b.built {
		return nil
	}
	if b.bias == nil {
		return []*Param{b.kernel, b.recKernel}
	}
	return []*Param{b.kernel, b.recKernel, b.bias}
}

// OutputShape returns (units) or, with return_sequences, (T, units).
func (b *rnnBase) OutputShape() []int {
	if b.returnSeq {
		t := -1
		if len(b.in) == 2 {
			t = b.in[0]
		}
		return []int{t, b.units}
	}
	return []int{b.units}
}

// setup validates the options shared by all recurrent layers; extra lists
// the class's own allowed option keys.
func (b *rnnBase) setup(extra ...string) error {
	allowed := append([]string{"activation", "use_bias", "dropout",
		"recurrent_dropout", "return_sequences", "go_backwards", "seed"}, extra...)
	if err := b.opts.check(b.class, allowed...); err != nil {
		return err
	}
	if b.units <= 0 {
		return fmt.Errorf("%s: units = %d, want a positive integer", b.class, b.units)
	}
	actName := "tanh" // Keras's default for recurrent layers
	if b.opts.set["activation"] {
		actName = b.opts.activation
	}
	var err error
	if b.act, err = parseRNNAct(actName); err != nil {
		return fmt.Errorf("%s: activation: %w", b.class, err)
	}
	if b.recAct, err = parseRNNAct(b.opts.recurrentActivation); err != nil {
		return fmt.Errorf("%s: recurrent_activation: %w", b.class, err)
	}
	for _, r := range []struct {
		n string
		v float64
	}{{"dropout", b.opts.dropout}, {"recurrent_dropout", b.opts.recurrentDropout}} {
		if !(r.v >= 0 && r.v <= 1) {
			return fmt.Errorf("%s: %s = %v, want a rate in [0, 1]", b.class, r.n, r.v)
		}
	}
	b.useBias = b.opts.useBias
	b.dropout, b.recDrop = b.opts.dropout, b.opts.recurrentDropout
	b.returnSeq, b.goBack = b.opts.returnSequences, b.opts.goBackwards
	return nil
}

// buildWeights checks the input shape and creates kernel (F, G·u) with
// glorot_uniform and recurrent_kernel (u, G·u) with orthogonal.
func (b *rnnBase) buildWeights(in []int, rng *rand.Rand) error {
	if b.built {
		return fmt.Errorf("%s %q: Build called twice", b.class, b.name)
	}
	if len(in) != 2 || in[1] <= 0 || in[0] == 0 || in[0] < -1 {
		return fmt.Errorf("%s: input shape %s, want (timesteps, features) with features > 0", b.class, tensor.ShapeString(append([]int{-1}, in...)))
	}
	if rng == nil {
		return fmt.Errorf("%s: Build needs a random generator", b.class)
	}
	b.in = append([]int(nil), in...)
	b.inDim = in[1]
	b.rng = rng
	if b.opts.set["seed"] { // Keras seed=: the layer's own dropout stream
		b.rng = rand.New(rand.NewPCG(b.opts.seed, b.opts.seed))
	}
	gu := b.gates * b.units
	b.kernel = NewParam("kernel", b.inDim, gu)
	initGlorotUniform(rng, b.inDim, gu, b.kernel.Value.Data)
	b.recKernel = NewParam("recurrent_kernel", b.units, gu)
	initOrthogonal(rng, b.units, gu, b.recKernel.Value.Data)
	b.built = true
	return nil
}

// configBase returns the Keras config keys common to the recurrent layers.
func (b *rnnBase) configBase() map[string]any {
	cfg := map[string]any{
		"name":                  b.name,
		"trainable":             true,
		"dtype":                 "float32",
		"units":                 b.units,
		"activation":            b.act.String(),
		"recurrent_activation":  b.recAct.String(),
		"use_bias":              b.useBias,
		"kernel_initializer":    map[string]any{"class_name": "GlorotUniform", "config": map[string]any{"seed": nil}},
		"recurrent_initializer": map[string]any{"class_name": "Orthogonal", "config": map[string]any{"gain": 1.0, "seed": nil}},
		"bias_initializer":      map[string]any{"class_name": "Zeros", "config": map[string]any{}},
		"dropout":               b.dropout,
		"recurrent_dropout":     b.recDrop,
		"return_sequences":      b.returnSeq,
		"return_state":          false,
		"go_backwards":          b.goBack,
		"stateful":              false,
		"unroll":                false,
		"seed":                  nil,
	}
	if b.opts.set["seed"] {
		cfg["seed"] = b.opts.seed
	}
	if !b.built {
		// Unbuilt: report the arguments as given.
		if b.opts.set["activation"] {
			cfg["activation"] = b.opts.activation
		} else {
			cfg["activation"] = "tanh"
		}
		cfg["recurrent_activation"] = b.opts.recurrentActivation
		cfg["use_bias"] = b.opts.useBias
		cfg["dropout"] = b.opts.dropout
		cfg["recurrent_dropout"] = b.opts.recurrentDropout
		cfg["return_sequences"] = b.opts.returnSequences
		cfg["go_backwards"] = b.opts.goBackwards
	}
	setBatchInputShape(cfg, &b.opts)
	return cfg
}

// rnnOptsFromConfig reads the config keys common to the recurrent layers.
// hasRecAct says whether the class takes recurrent_activation.
func rnnOptsFromConfig(cfg map[string]any, hasRecAct bool) (units int, opts []Option, err error) {
	if units, err = cfgInt(cfg, "units", 0); err != nil {
		return 0, nil, err
	}
	name, err := cfgString(cfg, "name", "")
	if err != nil {
		return 0, nil, err
	}
	if name != "" {
		opts = append(opts, WithName(name))
	}
	for _, k := range []struct {
		key string
		def string
		opt func(string) Option
	}{{"activation", "tanh", WithActivation}, {"recurrent_activation", "sigmoid", WithRecurrentActivation}} {
		if k.key == "recurrent_activation" && !hasRecAct {
			continue
		}
		v, err := cfgString(cfg, k.key, k.def)
		if err != nil {
			return 0, nil, err
		}
		if p, ok := cfg[k.key]; ok && p == nil {
			v = "linear" // Keras: None means no activation
		}
		opts = append(opts, k.opt(v))
	}
	for _, k := range []struct {
		key string
		def bool
		opt func(bool) Option
	}{{"use_bias", true, WithUseBias}, {"return_sequences", false, WithReturnSequences}, {"go_backwards", false, WithGoBackwards}} {
		v, err := cfgBool(cfg, k.key, k.def)
		if err != nil {
			return 0, nil, err
		}
		opts = append(opts, k.opt(v))
	}
	for _, k := range []struct {
		key string
		opt func(float64) Option
	}{{"dropout", WithDropout}, {"recurrent_dropout", WithRecurrentDropout}} {
		v, err := cfgFloat(cfg, k.key, 0)
		if err != nil {
			return 0, nil, err
		}
		opts = append(opts, k.opt(v))
	}
	if v, ok := cfg["seed"]; ok && v != nil {
		seed, err := cfgInt(cfg, "seed", 0)
		if err != nil {
			return 0, nil, err
		}
		if seed < 0 {
			return 0, nil, fmt.Errorf("seed = %d, want ≥ 0", seed)
		}
		opts = append(opts, WithSeed(uint64(seed)))
	}
	// Regularizers and constraints change training; seqconv has none, so
	// a config that sets them is refused rather than silently altered.
	// Initializers are not read: weights come from a weight file or from
	// Keras's default initializers.
	for _, k := range []string{"kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
		"activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint"} {
		if v, ok := cfg[k]; ok && v != nil {
			return 0, nil, fmt.Errorf("%s = %v is not supported", k, v)
		}
	}
	for _, k := range []string{"return_state", "stateful", "unroll", "time_major"} {
		v, err := cfgBool(cfg, k, false)
		if err != nil {
			return 0, nil, err
		}
		if v {
			return 0, nil, fmt.Errorf("%s = true is not supported", k)
		}
	}
	shape, err := cfgShape(cfg, "batch_input_shape")
	if err != nil {
		return 0, nil, err
	}
	if len(shape) > 1 {
		opts = append(opts, WithInputShape(shape[1:]...))
	} else if shape, err = cfgShape(cfg, "input_shape"); err != nil {
		return 0, nil, err
	} else if shape != nil {
		opts = append(opts, WithInputShape(shape...))
	}
	return units, opts, nil
}

// beginForward checks x, prepares the per-batch buffers, draws the dropout
// masks and computes the input projections of all steps at once:
// pre[t,b,:] = (x[b,t,:]⊙mask)·kernel + biasIn. nmhGates is the number of
// masks per side the cell uses under recurrent dropout (one per gate).
func (b *rnnBase) beginForward(x *tensor.Tensor, training bool, nmhGates int) error {
	if !b.built {
		return fmt.Errorf("%s %q: Forward before Build", b.class, b.name)
	}
	if x == nil || len(x.Shape) != 3 {
		return fmt.Errorf("%s %q: input shape %v, want (batch, timesteps, %d)", b.class, b.name, rnnShapeOf(x), b.inDim)
	}
	B, T, F := x.Shape[0], x.Shape[1], x.Shape[2]
	if F != b.inDim {
		return fmt.Errorf("%s %q: input has %d features, want %d (input shape %v)", b.class, b.name, F, b.inDim, x.Shape)
	}
	if T == 0 || B == 0 {
		return fmt.Errorf("%s %q: empty input of shape %v", b.class, b.name, x.Shape)
	}
	if b.in[0] > 0 && T != b.in[0] {
		return fmt.Errorf("%s %q: input has %d timesteps, but the layer was built for %d", b.class, b.name, T, b.in[0])
	}
	b.batch, b.steps, b.training = B, T, training
	u, G := b.units, b.gates

	// Masks: see the file comment.
	b.nmx, b.nmh = 0, 0
	if training && b.dropout > 0 && b.dropout < 1 {
		b.nmx = 1
		if b.recDrop > 0 && b.recDrop < 1 {
			b.nmx = nmhGates
		}
	}
	if training && b.recDrop > 0 && b.recDrop < 1 {
		b.nmh = nmhGates
	}
	b.mx.Resize(b.nmx, B, F)
	fillMask(b.rng, b.dropout, b.mx.Data)
	b.mh.Resize(b.nmh, B, u)
	fillMask(b.rng, b.recDrop, b.mh.Data)

	// The layer works time-major: step t of the whole batch is one
	// contiguous block, which the per-step loops stream through. The
	// transposed input (which also applies go_backwards) feeds the single
	// projection and kernel-gradient GEMMs; under input dropout the
	// per-sample GEMMs read the caller's batch-major rows instead.
	b.xin = x
	b.x = nil
	if b.goBack || (b.nmx == 0 && training) {
		b.xt.Resize(T, B, F)
		for i := 0; i < B; i++ {
			for t := 0; t < T; t++ {
				ts := t
				if b.goBack {
					ts = T - 1 - t
				}
				copy(b.xt.Data[(t*B+i)*F:(t*B+i+1)*F], x.Data[(i*T+ts)*F:(i*T+ts+1)*F])
			}
		}
		b.x = &b.xt
	}

	// Recurrent operand blocks: without recurrent masks every gate
	// multiplies the same h_{t−1}; cells may override blk afterwards.
	if b.nmh > 0 {
		b.setBlocks(nil)
	} else {
		b.setBlocks([]int{0, 0, 0, 0}[:G])
	}

	b.pre.Resize(T, B, G*u)
	b.hs.Resize(T, B, u)
	b.zero.Resize(B, u)
	b.zero.Zero()
	W := b.kernel.Value.Data
	if b.nmx == 0 && b.x != nil {
		kernels.Sgemm(false, false, B*T, G*u, F, 1, b.x.Data, F, W, G*u, 0, b.pre.Data, G*u)
	} else {
		// Input dropout: the masks are constant over time, so each sample
		// gets its own masked kernel, wb[b][f, c] = mask_{j(c)}[b, f]·W[f, c]
		// (j(c) the mask of column c's gate, built by the workers), and
		// one GEMM per sample projects all its steps: no masked copies of
		// the input. Inference projects the caller's rows the same way,
		// with W itself: no serial transposition or bias pass.
		if b.nmx > 0 {
			b.wb.Resize(B, F, G*u)
		}
		parallel.For(B, 8, b.projFn)
	}
	if b.biasIn != nil && b.x != nil && b.nmx == 0 { // else projRows adds it per sample
		kernels.AddBias(b.pre.Data, B*T, G*u, b.biasIn)
	}
	return nil
}

// setBlocks sets the gate → operand block map; nil means one block per gate.
func (b *rnnBase) setBlocks(blk []int) {
	b.blk = b.blkBuf[:b.gates]
	b.nb = 0
	for g := range b.blk {
		b.blk[g] = g
		if blk != nil {
			b.blk[g] = blk[g]
		}
		b.nb = max(b.nb, b.blk[g]+1)
	}
	if !b.plainOperand() {
		b.hm.Resize(b.steps, b.batch, b.nb*b.units)
	}
}

// fillMask draws Keras-style inverted dropout: 0 with probability rate,
// otherwise 1/(1−rate).
func fillMask(rng *rand.Rand, rate float64, m []float32) {
	keep := float32(1 / (1 - rate))
	for i := range m {
		if rng.Float64() < rate {
			m[i] = 0
		} else {
			m[i] = keep
		}
	}
}

// forEachRows runs fn over row ranges of the batch on the worker pool.
// Every sample's recurrence is independent, so each worker runs the whole
// time loop for its rows: no synchronisation per step. Chunks of at least
// 16 rows keep the per-step GEMMs efficient.
func (b *rnnBase) forEachRows(fn func(lo, hi int)) {
	parallel.For(b.batch, 16, fn)
}

// hprev returns h_{t−1} as a (B, u) matrix and its leading dimension.
func (b *rnnBase) hprev(t int) ([]float32, int) {
	if t == 0 {
		return b.zero.Data, b.units
	}
	return b.hs.Data[(t-1)*b.batch*b.units : t*b.batch*b.units], b.units
}

// plainOperand reports whether every gate multiplies the unmasked h_{t−1}
// (one block, no recurrent dropout): the GEMMs then read the stored states
// hs directly and hm is not used.
func (b *rnnBase) plainOperand() bool { return b.nb == 1 && b.nmh == 0 }

// fillOperands writes block k of hm at step t for every block k < nb except
// skip: h_{t−1}, times recurrent mask k when masks are in use.
func (b *rnnBase) fillOperands(t, skip, lo, hi int) {
	if b.plainOperand() {
		return
	}
	u, B, nbu := b.units, b.batch, b.nb*b.units
	hp, ldh := b.hprev(t)
	for k := 0; k < b.nb; k++ {
		if k == skip {
			continue
		}
		for i := lo; i < hi; i++ {
			dst := b.hm.Data[(t*B+i)*nbu+k*u : (t*B+i)*nbu+(k+1)*u]
			src := hp[i*ldh : i*ldh+u]
			if b.nmh == 0 {
				copy(dst, src)
				continue
			}
			m := b.mh.Data[(k*b.batch+i)*u : (k*b.batch+i+1)*u]
			for j, v := range src {
				dst[j] = v * m[j]
			}
		}
	}
}

// operand returns row i of block k of hm at step t.
func (b *rnnBase) operand(i, t, k int) []float32 {
	o := (t*b.batch+i)*b.nb*b.units + k*b.units
	return b.hm.Data[o : o+b.units]
}

// recGemm computes, for the rows [lo, hi) of step t and the gates g in
// [g0, g1), c[i·ldc + (g−g0)·u …] = hm[t, i, blk[g]]·recurrent_kernel[:, g]
// + beta·c[…], one GEMM per run of gates sharing a block. With beta = 1 the
// products accumulate straight into the gate pre-activations.
func (b *rnnBase) recGemm(t, g0, g1, lo, hi int, c []float32, ldc int, beta float32) {
	u, G := b.units, b.gates
	U := b.recKernel.Value.Data
	ld := b.nb * u
	for g := g0; g < g1; {
		e := g + 1
		for e < g1 && b.blk[e] == b.blk[g] {
			e++
		}
		col := (g - g0) * u
		switch {
		case t > 0:
			a := b.hm.Data
			if b.plainOperand() {
				a, ld = b.hs.Data[((t-1)*b.batch+lo)*u:], u
			} else {
				a = a[(t*b.batch+lo)*ld+b.blk[g]*u:]
			}
			kernels.Sgemm(false, false, hi-lo, (e-g)*u, u, 1, a, ld, U[g*u:], G*u, beta, c[lo*ldc+col:], ldc)
		case beta == 0: // h_{−1} = 0
			for i := lo; i < hi; i++ {
				clear(c[i*ldc+col : i*ldc+col+(e-g)*u])
			}
		}
		g = e
	}
}

// rg returns the recurrent-side pre-activation gradients of gate g from
// step 0, sample 0 on, and their leading dimension.
func (b *rnnBase) rg(g int) ([]float32, int) {
	if b.lastRG != nil && g == b.gates-1 {
		return b.lastRG.Data, b.units
	}
	return b.dGx.Data[g*b.units:], b.gates * b.units
}

// runEnd returns the end of the run of gates from g (below end) that
// multiply the same operand block and whose recurrent gradients share one
// matrix, so that one GEMM covers them.
func (b *rnnBase) runEnd(g, end int) int {
	e := g + 1
	for e < end && b.blk[e] == b.blk[g] && !(b.lastRG != nil && e == b.gates-1) {
		e++
	}
	return e
}

// recGemmBack sets, over the gates g in [g0, g1), dhm[:, blk[g]] (or adds
// to it, for a block already written by an earlier gate) to the gate's
// recurrent-side gradient at step t (see rg) times recurrent_kernel[:, g]ᵀ.
func (b *rnnBase) recGemmBack(t, g0, g1, lo, hi int) {
	u, nbu := b.units, b.nb*b.units
	for g := g0; g < g1; {
		e := b.runEnd(g, g1)
		beta := float32(0)
		for p := g0; p < g; p++ {
			if b.blk[p] == b.blk[g] {
				beta = 1
			}
		}
		a, ld := b.rg(g)
		kernels.Sgemm(false, false, hi-lo, u, (e-g)*u, 1, a[(t*b.batch+lo)*ld:], ld, b.ut.Data[g*u*u:], u, beta, b.dhm.Data[lo*nbu+b.blk[g]*u:], nbu)
		g = e
	}
}

// stateGrad sets dhp = beta·dhp + ∂loss/∂h_{t−1} through the recurrent
// products of every gate at step t, for rows [lo, hi). Without recurrent
// masks all gates share one operand, and a single GEMM accumulates straight
// into dhp.
func (b *rnnBase) stateGrad(t, lo, hi int, beta float32) {
	u := b.units
	if b.plainOperand() {
		for g := 0; g < b.gates; {
			e := b.runEnd(g, b.gates)
			a, ld := b.rg(g)
			kernels.Sgemm(false, false, hi-lo, u, (e-g)*u, 1, a[(t*b.batch+lo)*ld:], ld,
				b.ut.Data[g*u*u:], u, beta, b.dhp.Data[lo*u:], u)
			beta, g = 1, e
		}
		flushTiny(b.dhp.Data[lo*u : hi*u])
		return
	}
	b.recGemmBack(t, 0, b.gates, lo, hi)
	if beta == 0 {
		clear(b.dhp.Data[lo*u : hi*u])
	}
	b.addOperandGrads(-1, lo, hi)
}

// addOperandGrads adds to dhp the gradient flowing through every block of
// dhm except skip (h_{t−1} times its mask).
func (b *rnnBase) addOperandGrads(skip, lo, hi int) {
	u, nbu := b.units, b.nb*b.units
	for k := 0; k < b.nb; k++ {
		if k == skip {
			continue
		}
		for i := lo; i < hi; i++ {
			src := b.dhm.Data[i*nbu+k*u : i*nbu+(k+1)*u]
			dst := b.dhp.Data[i*u : (i+1)*u]
			if b.nmh == 0 {
				for j, v := range src {
					dst[j] += v
				}
				continue
			}
			m := b.mh.Data[(k*b.batch+i)*u : (k*b.batch+i+1)*u]
			for j, v := range src {
				dst[j] += v * m[j]
			}
		}
	}
	flushTiny(b.dhp.Data[lo*u : hi*u])
}

// flushTiny zeroes the entries of x smaller in magnitude than 2^−100
// (about 8e-31). Gradients decay geometrically over long sequences;
// without this they reach subnormal floats, which x86 processes about a
// hundred times slower, making the backward pass of a 156-step GRU ~10×
// slower. A contribution below 1e-30 is far beneath float32 resolution of
// any meaningful gradient sum. The test is done on the exponent bits,
// without a branch.
func flushTiny(x []float32) {
	const minExp = (127 - 100) << 23
	for i, v := range x {
		b := math.Float32bits(v)
		small := uint32((int32(b&0x7f800000) - minExp) >> 31) // all ones when tiny
		x[i] = math.Float32frombits(b &^ small)
	}
}

// finishForward returns the layer's output after the time loop.
func (b *rnnBase) finishForward() *tensor.Tensor {
	u, T, B := b.units, b.steps, b.batch
	if !b.returnSeq {
		b.out.Resize(B, u)
		copy(b.out.Data, b.hs.Data[(T-1)*B*u:])
		return &b.out
	}
	// Back to batch-major, in processing order (reversed for go_backwards,
	// as in Keras).
	b.out.Resize(B, T, u)
	for t := 0; t < T; t++ {
		for i := 0; i < B; i++ {
			copy(b.out.Data[(i*T+t)*u:(i*T+t+1)*u], b.hs.Data[(t*B+i)*u:(t*B+i+1)*u])
		}
	}
	return &b.out
}

// beginBackward checks dy and prepares the backward buffers.
func (b *rnnBase) beginBackward(dy *tensor.Tensor) error {
	if b.xin == nil {
		return fmt.Errorf("%s %q: Backward before Forward", b.class, b.name)
	}
	var ok bool
	if dy != nil && b.returnSeq {
		ok = len(dy.Shape) == 3 && dy.Shape[0] == b.batch && dy.Shape[1] == b.steps && dy.Shape[2] == b.units
	} else if dy != nil {
		ok = len(dy.Shape) == 2 && dy.Shape[0] == b.batch && dy.Shape[1] == b.units
	}
	if !ok { // the want slice is built here only: it would escape
		want := []int{b.batch, b.units}
		if b.returnSeq {
			want = []int{b.batch, b.steps, b.units}
		}
		return fmt.Errorf("%s %q: gradient shape %v, want %v", b.class, b.name, rnnShapeOf(dy), want)
	}
	B, T, GU := b.batch, b.steps, b.gates*b.units
	b.dGx.Resize(T, B, GU)
	b.dhp.Resize(B, b.units)
	b.dhp.Zero()
	b.dhm.Resize(B, b.nb*b.units)
	// recurrent_kernel transposed, (G·u, u): the per-step state-gradient
	// GEMMs then run untransposed, over twice as fast at these sizes.
	u := b.units
	U := b.recKernel.Value.Data
	b.ut.Resize(GU, u)
	for p := 0; p < u; p++ {
		for c, v := range U[p*GU : (p+1)*GU] {
			b.ut.Data[c*u+p] = v
		}
	}
	return nil
}

// stepGrad turns dhp, the gradient carried back from step t+1, into
// ∂loss/∂h_t by adding the output gradient of step t. The cells then
// overwrite dhp row by row with ∂loss/∂h_{t−1}, reading each element
// before writing it.
func (b *rnnBase) stepGrad(dy *tensor.Tensor, t, lo, hi int) {
	u, T := b.units, b.steps
	switch {
	case b.returnSeq:
		for i := lo; i < hi; i++ {
			src := dy.Data[(i*T+t)*u : (i*T+t+1)*u]
			d := b.dhp.Data[i*u : (i+1)*u]
			for j, v := range src {
				d[j] += v
			}
		}
	case t == T-1: // dhp is zero here
		copy(b.dhp.Data[lo*u:hi*u], dy.Data[lo*u:hi*u])
	}
}

// finishBackward computes the weight gradients from the stored
// pre-activation gradients in a few large GEMMs and, when needDx, the input
// gradient.
func (b *rnnBase) finishBackward(needDx bool, biasInGrad []float32) *tensor.Tensor {
	B, T, F, u, G := b.batch, b.steps, b.inDim, b.units, b.gates
	GU := G * u
	// recurrent_kernel: Σ over (b, t) of operandᵀ times the recurrent-side
	// gate gradients (see rg), one GEMM per run of gates.
	dU := b.recKernel.Grad.Data
	for g := 0; g < G; {
		e := b.runEnd(g, G)
		a, ld := b.rg(g)
		switch {
		case !b.plainOperand():
			kernels.Sgemm(true, false, u, (e-g)*u, B*T, 1, b.hm.Data[b.blk[g]*u:], b.nb*u, a, ld, 0, dU[g*u:], GU)
		case T == 1: // h_{−1} = 0
			for p := 0; p < u; p++ {
				clear(dU[p*GU+g*u : p*GU+e*u])
			}
		default:
			// h_{t−1} of steps 1…T−1 is hs[0:T−1]; step 0 multiplies zeros.
			kernels.Sgemm(true, false, u, (e-g)*u, (T-1)*B, 1, b.hs.Data, u, a[B*ld:], ld, 0, dU[g*u:], GU)
		}
		g = e
	}
	if biasInGrad != nil {
		b.biasSums.sum(biasInGrad, b.dGx.Data, B*T, GU)
	}
	W := b.kernel.Value.Data
	dW := b.kernel.Grad.Data
	if b.nmx == 0 {
		if b.x == nil { // Forward ran in inference mode: transpose now
			b.xt.Resize(T, B, F)
			for i := 0; i < B; i++ {
				for t := 0; t < T; t++ {
					copy(b.xt.Data[(t*B+i)*F:(t*B+i+1)*F], b.xin.Data[(i*T+t)*F:(i*T+t+1)*F])
				}
			}
			b.x = &b.xt
		}
		kernels.Sgemm(true, false, F, GU, B*T, 1, b.x.Data, F, b.dGx.Data, GU, 0, dW, GU)
	} else {
		// Per sample: Pᵀ = dGx_bᵀ·x_b, masked and summed into a transposed
		// partial per worker chunk (see dwChunks). A fixed number of
		// chunks keeps the summation order, hence the result, independent
		// of the number of workers.
		nc := min(4, B)
		b.dwp.Resize(nc, 2*F*GU+T*GU)
		parallel.For(nc, 1, b.dwFn)
		copy(dW, b.dwp.Data[:F*GU])
		for c := 1; c < nc; c++ {
			o := c * b.dwp.Shape[1]
			kernels.Axpy(1, b.dwp.Data[o:o+F*GU], dW)
		}
	}
	if !needDx {
		return nil
	}
	// kernel transposed, (G·u, F), or each sample's masked kernel
	// transposed: the input-gradient GEMMs then run untransposed.
	b.wt.Resize(GU, F)
	for f := 0; f < F; f++ {
		for c, v := range W[f*GU : (f+1)*GU] {
			b.wt.Data[c*F+f] = v
		}
	}
	if b.nmx > 0 {
		b.wbt.Resize(B, GU, F) // filled by the workers, sample by sample
	}
	b.dx.Resize(B, T, F)
	if !b.goBack {
		// One GEMM per sample writes its batch-major rows in place.
		parallel.For(B, 8, b.dxFn)
		return &b.dx
	}
	// go_backwards: time-major in processing order, then reversed.
	dx := &b.dxt
	dx.Resize(T, B, F)
	if b.nmx == 0 {
		kernels.Sgemm(false, false, B*T, F, GU, 1, b.dGx.Data, GU, b.wt.Data, F, 0, dx.Data, F)
	} else {
		parallel.For(B, 8, b.dxFn)
	}
	for i := 0; i < B; i++ {
		for t := 0; t < T; t++ {
			ts := t
			if b.goBack {
				ts = T - 1 - t
			}
			copy(b.dx.Data[(i*T+ts)*F:(i*T+ts+1)*F], b.dxt.Data[(t*B+i)*F:(t*B+i+1)*F])
		}
	}
	return &b.dx
}

// bind creates the method values the worker pool runs, once: a method
// value allocates. The cells call it from their constructors, after the
// base has its final address, with their forward and backward time loops
// over a block of batch rows.
func (b *rnnBase) bind(fwdRows, bwdRows func(lo, hi int)) {
	b.projFn, b.dwFn, b.dxFn = b.projRows, b.dwChunks, b.dxRows
	b.fwdRows, b.bwdRows = fwdRows, bwdRows
}

// biasGrad returns the bias gradient, or nil without use_bias.
func (b *rnnBase) biasGrad() []float32 {
	if !b.useBias {
		return nil
	}
	return b.bias.Grad.Data
}

// projRows projects the input of samples [lo, hi): pre[:, i, :] =
// x[:, i, :]·w + biasIn, with w the kernel or, under input dropout, the
// sample's masked kernel wb[i], which it builds first (see beginForward).
func (b *rnnBase) projRows(lo, hi int) {
	B, T, F, GU := b.batch, b.steps, b.inDim, b.gates*b.units
	W := b.kernel.Value.Data
	seg := GU / max(b.nmx, 1)
	for i := lo; i < hi; i++ {
		wbi := W
		if b.nmx > 0 {
			wbi = b.wb.Data[i*F*GU : (i+1)*F*GU]
			copy(wbi, W)
		}
		for j := 0; j < b.nmx; j++ {
			m := b.mx.Data[(j*B+i)*F : (j*B+i+1)*F]
			for f, mf := range m {
				kernels.Scal(mf, wbi[f*GU+j*seg:f*GU+(j+1)*seg])
			}
		}
		if b.goBack {
			kernels.Sgemm(false, false, T, GU, F, 1, b.x.Data[i*F:], B*F, wbi, GU, 0, b.pre.Data[i*GU:], B*GU)
		} else {
			kernels.Sgemm(false, false, T, GU, F, 1, b.xin.Data[i*T*F:], F, wbi, GU, 0, b.pre.Data[i*GU:], B*GU)
		}
		if b.biasIn != nil {
			kernels.AddBias(b.pre.Data[i*GU:], T, B*GU, b.biasIn)
		}
	}
}

// dxRows sets the input gradient of samples [lo, hi): dGx[:, i, :]·wᵀ with
// w the kernel, or sample i's masked kernel under input dropout (wᵀ is
// precomputed in wt; the masked copies, wbt, are made here, in parallel).
func (b *rnnBase) dxRows(lo, hi int) {
	B, T, F, GU := b.batch, b.steps, b.inDim, b.gates*b.units
	seg := GU / max(b.nmx, 1)
	for i := lo; i < hi; i++ {
		w := b.wt.Data
		if b.nmx > 0 {
			w = b.wbt.Data[i*GU*F : (i+1)*GU*F]
			for j := 0; j < b.nmx; j++ {
				m := b.mx.Data[(j*B+i)*F : (j*B+i+1)*F]
				for c := j * seg; c < (j+1)*seg; c++ {
					src, dst := b.wt.Data[c*F:(c+1)*F], w[c*F:(c+1)*F]
					m := m[:len(src)]
					for f, v := range src {
						dst[f] = v * m[f]
					}
				}
			}
		}
		if b.goBack { // time-major, reversed by the caller
			kernels.Sgemm(false, false, T, F, GU, 1, b.dGx.Data[i*GU:], B*GU, w, F, 0, b.dxt.Data[i*F:], B*F)
		} else {
			kernels.Sgemm(false, false, T, F, GU, 1, b.dGx.Data[i*GU:], B*GU, w, F, 0, b.dx.Data[i*T*F:], F)
		}
	}
}

// dwChunks accumulates the kernel gradient of the samples of chunks
// [lo, hi) (chunk c covers samples [c·B/nc, (c+1)·B/nc)) into partial c:
// Σ_i mask_i ⊙ (x_iᵀ·dGx[:, i, :]), the mask of feature f and gate column
// c being mask_{j(c)}[i, f]. Sample i's gate gradients are first gathered
// into contiguous rows (in the order of x_i's rows), so that the GEMM reads
// both operands in place, without packing.
func (b *rnnBase) dwChunks(lo, hi int) {
	B, T, F, GU := b.batch, b.steps, b.inDim, b.gates*b.units
	nc, ld := b.dwp.Shape[0], b.dwp.Shape[1]
	seg := GU / b.nmx
	for c := lo; c < hi; c++ {
		buf := b.dwp.Data[c*ld : (c+1)*ld]
		part, p, g := buf[:F*GU], buf[F*GU:2*F*GU], buf[2*F*GU:]
		clear(part)
		for i := c * B / nc; i < (c+1)*B/nc; i++ {
			for t := 0; t < T; t++ {
				ts := t
				if b.goBack { // dGx is in processing order, x_i in time order
					ts = T - 1 - t
				}
				copy(g[ts*GU:(ts+1)*GU], b.dGx.Data[(t*B+i)*GU:(t*B+i+1)*GU])
			}
			kernels.Sgemm(true, false, F, GU, T, 1, b.xin.Data[i*T*F:], F, g, GU, 0, p, GU)
			for j := 0; j < b.nmx; j++ {
				m := b.mx.Data[(j*B+i)*F : (j*B+i+1)*F]
				for f, mf := range m {
					o := f*GU + j*seg
					kernels.Axpy(mf, p[o:o+seg], part[o:o+seg])
				}
			}
		}
	}
}

// InputShape returns the input shape declared with WithInputShape (Keras
// input_shape), or nil if none was given.
func (b *rnnBase) InputShape() []int { return append([]int(nil), b.opts.inputShape...) }

func rnnShapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}
