package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/internal/parallel"
	"github.com/seqconv/seqconv/tensor"
)

// Conv1DLayer is a 1D convolution over the time axis (Keras Conv1D): input
// (batch, steps, channels), output (batch, newSteps, filters), kernel
// [kernelSize, channels, filters] and bias [filters] in Keras's layout.
//
// Computation. With stride 1 and no dilation (the common case) no im2col
// copy is made: the window of k rows starting at input row r is k·C
// contiguous floats, so the input (rows of C floats) read with leading
// dimension C *is* the im2col matrix. Both passes work sample by sample in
// parallel, so that per-sample data stays in cache: forward, one GEMM into
// y's rows, then bias and activation; backward, ∂loss/∂z of one sample in
// a small buffer framed by k−1 zero rows, which feeds the bias sums, the
// kernel gradient im2colᵀ·dz (partials per fixed chunk of samples, added
// in order, so the result does not depend on the number of workers) and
// ∂input, a full convolution of dz with the flipped kernel computed as one
// GEMM over overlapping windows of the buffer. 'same' and 'causal'
// padding run the same path on a zero-padded copy of the input.
// Strided or dilated convolutions take a per-sample path with one GEMM per
// kernel tap (or one per sample when only strided).
type Conv1DLayer struct {
	kbase
	filters, kernelSize int
	strides, dilation   int
	padding             string
	act                 actKind
	kernel, bias        *Param

	ch int // input channels

	// Per-batch state of the last Forward.
	src                     []float32 // x or its padded copy
	batch, tIn, tp, tOut    int
	padL                    int
	xp, y, dz, wt, dxp      *tensor.Tensor
	dx                      *tensor.Tensor
	dyData                  []float32 // dy during Backward, for backwardPrelude
	fwdEpilogue, bwdPrelude func(lo, hi int)
	genForward, genDx       func(lo, hi int)
	dxBuf                   []float32     // dx target of generalDxRange
	biasSums                colSums       // the bias gradient, in parallel (general path)
	bsum                    tensor.Tensor // (chunks, filters) bias-gradient partials of the fast path
	// dz: fast path (chunks, (k−1+tp)·f + k·c·f) per-chunk dz buffer and
	// kernel-gradient partial (see backwardPrelude); general path (batch·tOut, f).
}

// colSums sums the rows of a matrix into dst on the worker pool: a fixed
// number of row chunks, each summed in order into its own partial, then
// the partials added in chunk order, so the result does not depend on the
// number of workers. (Column sums of a whole batch's gradient are big
// enough, 10⁵–10⁶ elements, to be worth splitting, and would otherwise be
// a serial stretch of the step.)
type colSums struct {
	src       []float32
	rows, lds int
	part      tensor.Tensor // (colSumChunks, columns) partial sums
	fn        func(lo, hi int)
}

const colSumChunks = 4

// sum sets dst[j] = Σ_r src[r·lds+j] for j < len(dst), r < rows.
func (c *colSums) sum(dst, src []float32, rows, lds int) {
	n := len(dst)
	if rows < 8*colSumChunks || rows*n < 1<<16 {
		kernels.ColSum(dst, 0, src, rows, lds)
		return
	}
	if c.fn == nil {
		c.fn = c.chunk // bound once: a method value allocates
	}
	c.src, c.rows, c.lds = src, rows, lds
	c.part.Resize(colSumChunks, n)
	parallel.For(colSumChunks, 1, c.fn)
	c.src = nil
	copy(dst, c.part.Data[:n])
	for k := 1; k < colSumChunks; k++ {
		kernels.Axpy(1, c.part.Data[k*n:(k+1)*n], dst)
	}
}

// chunk sums the row chunks [lo, hi) into their partials.
func (c *colSums) chunk(lo, hi int) {
	n := c.part.Shape[1]
	for k := lo; k < hi; k++ {
		r0, r1 := k*c.rows/colSumChunks, (k+1)*c.rows/colSumChunks
		kernels.ColSum(c.part.Data[k*n:(k+1)*n], 0, c.src[r0*c.lds:], r1-r0, c.lds)
	}
}

// Conv1D returns a 1D convolution layer with the given number of filters
// and kernel size. Options: WithStrides, WithPadding ("valid", "same",
// "causal"), WithDilationRate, WithActivation, WithUseBias, WithName,
// WithInputShape.
func Conv1D(filters, kernelSize int, opts ...Option) *Conv1DLayer {
	l := &Conv1DLayer{kbase: newKbase(opts), filters: filters, kernelSize: kernelSize}
	for _, p := range []**tensor.Tensor{&l.xp, &l.y, &l.dz, &l.wt, &l.dxp, &l.dx} {
		*p = &tensor.Tensor{}
	}
	// Method values made once so that parallel loops allocate nothing.
	l.fwdEpilogue = l.forwardEpilogue
	l.bwdPrelude = l.backwardPrelude
	l.genForward, l.genDx = l.generalForwardRange, l.generalDxRange
	return l
}

// ClassName returns "Conv1D".
func (l *Conv1DLayer) ClassName() string { return "Conv1D" }

// convLength returns Keras's output length of a convolution or pooling
// window of extent dk (the dilated kernel) over t steps, and the zero
// padding added before and after; t < 0 (unknown) gives -1.
func convLength(t, dk, stride int, padding string) (out, padL, padR int) {
	if t < 0 {
		return -1, 0, 0
	}
	switch padding {
	case "same":
		out = (t + stride - 1) / stride
		total := max((out-1)*stride+dk-t, 0)
		return out, total / 2, total - total/2 // as TensorFlow: the extra zero goes right
	case "causal":
		return (t + stride - 1) / stride, dk - 1, 0
	}
	if t < dk {
		return 0, 0, 0
	}
	return (t-dk)/stride + 1, 0, 0
}

// Build checks the arguments, requires an input of shape (steps, channels)
// and creates the kernel (glorot_uniform) and bias (zeros).
func (l *Conv1DLayer) Build(in []int, rng *rand.Rand) error {
	o := &l.opts
	if err := o.check("Conv1D", "activation", "strides", "padding", "dilation_rate", "use_bias"); err != nil {
		return err
	}
	l.strides = o.strides
	if !o.set["strides"] {
		l.strides = 1
	}
	l.dilation, l.padding = o.dilationRate, o.padding
	switch {
	case l.filters <= 0:
		return fmt.Errorf("%s: filters = %d, want > 0", who("Conv1D", l.name), l.filters)
	case l.kernelSize <= 0:
		return fmt.Errorf("%s: kernel_size = %d, want > 0", who("Conv1D", l.name), l.kernelSize)
	case l.strides <= 0:
		return fmt.Errorf("%s: strides = %d, want > 0", who("Conv1D", l.name), l.strides)
	case l.dilation <= 0:
		return fmt.Errorf("%s: dilation_rate = %d, want > 0", who("Conv1D", l.name), l.dilation)
	case l.strides > 1 && l.dilation > 1:
		return fmt.Errorf("%s: strides = %d and dilation_rate = %d: strides > 1 cannot be combined with dilation_rate > 1 (as in Keras)", who("Conv1D", l.name), l.strides, l.dilation)
	case l.padding != "valid" && l.padding != "same" && l.padding != "causal":
		return fmt.Errorf("%s: padding %q, want valid, same or causal", who("Conv1D", l.name), l.padding)
	}
	act, err := parseActivation(o.activation)
	if err != nil {
		return fmt.Errorf("%s: %w", who("Conv1D", l.name), err)
	}
	l.act = act
	if len(in) != 2 || in[1] <= 0 || in[0] == 0 || in[0] < -1 {
		return fmt.Errorf("%s: input shape (batch, %s), want (batch, steps, channels) with channels > 0", who("Conv1D", l.name), dimsString(in))
	}
	out, _, _ := convLength(in[0], l.dilated(), l.strides, l.padding)
	if out == 0 {
		return fmt.Errorf("%s: input of %d steps is shorter than the kernel's extent %d", who("Conv1D", l.name), in[0], l.dilated())
	}
	l.ch = in[1]
	k, c, f := l.kernelSize, l.ch, l.filters
	l.kernel = NewParam("kernel", k, c, f)
	initGlorotUniform(rng, k*c, k*f, l.kernel.Value.Data)
	if o.useBias {
		l.bias = NewParam("bias", f)
	}
	l.in, l.out, l.built = append([]int(nil), in...), []int{out, f}, true
	return nil
}

func (l *Conv1DLayer) dilated() int { return (l.kernelSize-1)*l.dilation + 1 }

// fast reports whether the whole-batch GEMM path applies.
func (l *Conv1DLayer) fast() bool { return l.strides == 1 && l.dilation == 1 }

// Params returns kernel and, with use_bias, bias.
func (l *Conv1DLayer) Params() []*Param { return kernelBiasParams(l.kernel, l.bias) }

// Forward computes act(conv(x) + bias) for x of shape (batch, steps, channels).
func (l *Conv1DLayer) Forward(x *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	if err := l.checkInput("Conv1D", x); err != nil {
		return nil, err
	}
	b, t, c, f, k := x.Shape[0], x.Shape[1], l.ch, l.filters, l.kernelSize
	tOut, padL, padR := convLength(t, l.dilated(), l.strides, l.padding)
	if tOut <= 0 {
		return nil, fmt.Errorf("%s: input of %d steps is shorter than the kernel's extent %d", who("Conv1D", l.name), t, l.dilated())
	}
	l.batch, l.tIn, l.tOut, l.padL = b, t, tOut, padL
	l.tp = t + padL + padR
	l.y.Resize(b, tOut, f)
	if b == 0 {
		return l.y, nil
	}
	l.src = x.Data
	if padL+padR > 0 {
		l.xp.Resize(b, l.tp, c)
		for s := 0; s < b; s++ {
			dst := l.xp.Data[s*l.tp*c : (s+1)*l.tp*c]
			clear(dst[:padL*c])
			copy(dst[padL*c:], x.Data[s*t*c:(s+1)*t*c])
			clear(dst[(padL+t)*c:])
		}
		l.src = l.xp.Data
	}
	if l.fast() {
		// Per sample, y = im2col(x)·kernel straight into y's rows, then
		// bias and activation while those rows are still in cache.
		parallel.For(b, max(1, 16384/(tOut*f)), l.fwdEpilogue)
		return l.y, nil
	}
	parallel.For(b, max(1, 16384/(tOut*f*k)), l.genForward)
	return l.y, nil
}

// generalForwardRange is the strided/dilated forward pass for samples
// [lo, hi): one GEMM per tap, rows of x read every stride·C values.
func (l *Conv1DLayer) generalForwardRange(lo, hi int) {
	c, f, tOut, w := l.ch, l.filters, l.tOut, l.kernel.Value.Data
	taps, tapW := l.taps()
	for s := lo; s < hi; s++ {
		xs := l.src[s*l.tp*c:]
		ys := l.y.Data[s*tOut*f : (s+1)*tOut*f]
		for j := 0; j < taps; j++ {
			beta := float32(1)
			if j == 0 {
				beta = 0
			}
			kernels.Sgemm(false, false, tOut, f, tapW, 1, xs[j*l.dilation*c:], l.strides*c, w[j*tapW*f:], f, beta, ys, f)
		}
		if l.bias != nil {
			kernels.AddBias(ys, tOut, f, l.bias.Value.Data)
		}
		l.act.apply(ys, ys, f)
	}
}

// generalDxRange is the strided/dilated input gradient for samples
// [lo, hi) into the (padded) buffer l.dxBuf, which must be zeroed: one GEMM
// per kernel position; rows t·stride + j·dilation of dx receive
// dz[t]·kernel[j]ᵀ, distinct rows for a fixed j.
func (l *Conv1DLayer) generalDxRange(lo, hi int) {
	c, f, k, tOut, w := l.ch, l.filters, l.kernelSize, l.tOut, l.kernel.Value.Data
	for s := lo; s < hi; s++ {
		dzs := l.dz.Data[s*tOut*f : (s+1)*tOut*f]
		dxs := l.dxBuf[s*l.tp*c : (s+1)*l.tp*c]
		clear(dxs)
		for j := 0; j < k; j++ {
			kernels.Sgemm(false, true, tOut, c, f, 1, dzs, f, w[j*c*f:], f, 1, dxs[j*l.dilation*c:], l.strides*c)
		}
	}
}

// taps returns how the general path splits the kernel: without dilation a
// window is contiguous (one tap of k·C values), otherwise one tap per
// kernel position (C values each).
func (l *Conv1DLayer) taps() (n, width int) {
	if l.dilation == 1 {
		return 1, l.kernelSize * l.ch
	}
	return l.kernelSize, l.ch
}

// gemmInlineFlops is the size below which kernels.Sgemm runs on the
// calling goroutine (see the kernels package documentation).
const gemmInlineFlops = 2 << 20

// forwardEpilogue computes y for samples [lo, hi) on the fast path: one
// GEMM per sample over the implicit im2col rows of its input (each output
// element's sum is the same as in a GEMM over the whole batch), then the
// bias and the activation in place.
func (l *Conv1DLayer) forwardEpilogue(lo, hi int) {
	c, f, k, tOut := l.ch, l.filters, l.kernelSize, l.tOut
	w := l.kernel.Value.Data
	// Row blocks small enough for the GEMM to run inline on this worker
	// (below its 2 MFLOP threshold for splitting across the pool, which
	// would nest parallel calls and allocate).
	nb := (2*tOut*f*k*c + gemmInlineFlops - 1) / gemmInlineFlops
	for s := lo; s < hi; s++ {
		ys := l.y.Data[s*tOut*f : (s+1)*tOut*f]
		for j := 0; j < nb; j++ {
			r0, r1 := j*tOut/nb, (j+1)*tOut/nb
			kernels.Sgemm(false, false, r1-r0, f, k*c, 1, l.src[(s*l.tp+r0)*c:], c, w, f, 0, ys[r0*f:], f)
		}
		if l.bias != nil && l.act == actReLU { // one pass instead of two
			kernels.AddBiasRelu(ys, ys, tOut, l.bias.Value.Data)
			continue
		}
		if l.bias != nil {
			kernels.AddBias(ys, tOut, f, l.bias.Value.Data)
		}
		l.act.apply(ys, ys, f)
	}
}

// backwardPrelude runs the fast path's backward pass for the sample chunks
// [lo, hi). Chunk cc owns row cc of dz: a buffer of k−1 zero rows followed
// by tp rows (one sample's tOut rows of dz = act′(dy), then k−1 zero
// rows), and its partial kernel gradient; bsum row cc gets its partial
// bias gradient. Per sample, while its dz is in cache: the column sums,
// the kernel-gradient GEMM im2col(x)ᵀ·dz (accumulated over the chunk's
// samples) and, when dxBuf is set, dx = windows(dz)·wt, the windows of
// output row i being dz rows i … i+k−1 of the buffer.
func (l *Conv1DLayer) backwardPrelude(lo, hi int) {
	c, f, tOut, k, tp := l.ch, l.filters, l.tOut, l.kernelSize, l.tp
	ld := l.dz.Shape[1]
	// Row blocks below the GEMM's threshold for splitting across the
	// pool (nesting parallel calls would allocate).
	nbW := (2*tOut*f*k*c + gemmInlineFlops - 1) / gemmInlineFlops
	nbX := (2*tp*c*k*f + gemmInlineFlops - 1) / gemmInlineFlops
	for cc := lo; cc < hi; cc++ {
		buf := l.dz.Data[cc*ld : (cc+1)*ld]
		dzs, dwp := buf[:(k-1+tp)*f], buf[(k-1+tp)*f:]
		clear(dzs[:(k-1)*f])
		body := dzs[(k-1)*f:]
		s0, s1 := l.preludeChunk(cc)
		for s := s0; s < s1; s++ {
			o := s * tOut * f
			l.act.grad(body[:tOut*f], l.dyData[o:o+tOut*f], l.y.Data[o:o+tOut*f], f)
			clear(body[tOut*f:])
			first := float32(1)
			if s == s0 {
				first = 0
			}
			if l.bias != nil {
				kernels.ColSum(l.bsum.Data[cc*f:(cc+1)*f], first, body, tOut, f)
			}
			for j := 0; j < nbW; j++ {
				r0, r1 := j*tOut/nbW, (j+1)*tOut/nbW
				beta := first
				if j > 0 {
					beta = 1
				}
				kernels.Sgemm(true, false, k*c, f, r1-r0, 1, l.src[(s*tp+r0)*c:], c, body[r0*f:], f, beta, dwp, f)
			}
			if l.dxBuf == nil {
				continue
			}
			dx := l.dxBuf[s*tp*c : (s+1)*tp*c]
			for j := 0; j < nbX; j++ {
				r0, r1 := j*tp/nbX, (j+1)*tp/nbX
				kernels.Sgemm(false, false, r1-r0, c, k*f, 1, dzs[r0*f:], f, l.wt.Data, c, 0, dx[r0*c:], c)
			}
		}
	}
}

// preludeChunk returns the samples [s0, s1) of backwardPrelude's chunk c.
// The chunks depend only on the batch, so the bias gradient's summation
// order does not depend on the number of workers.
func (l *Conv1DLayer) preludeChunk(c int) (s0, s1 int) {
	n := l.bsum.Shape[0]
	return c * l.batch / n, (c + 1) * l.batch / n
}

// Backward computes the kernel and bias gradients and, when needDx, the
// input gradient.
func (l *Conv1DLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := checkGrad("Conv1D", l.name, dy, l.y.Shape); err != nil {
		return nil, err
	}
	b, c, f, k, tOut := l.batch, l.ch, l.filters, l.kernelSize, l.tOut
	dw := l.kernel.Grad.Data
	w := l.kernel.Value.Data
	if b == 0 {
		clearGrads(l.Params())
		return l.dx.Resize(0, l.tIn, c), nil
	}
	var dxp []float32
	if l.fast() {
		// Per sample chunk (fixed by the batch: see preludeChunk), in
		// parallel: dz of one sample at a time in a small buffer, and the
		// chunk's partial bias and kernel gradients; dx rows per sample.
		// Nothing batch-sized is written but dx itself.
		nc := min(b, 16, max(1, b*tOut*f/16384))
		l.bsum.Resize(nc, f)
		l.dz.Resize(nc, (k-1+l.tp)*f+k*c*f)
		l.dyData = dy.Data
		var out *tensor.Tensor
		if needDx {
			// wt[(k−1−j)·f + g][ci] = kernel[j][ci][g]: the flipped,
			// transposed kernel, so that dx (tp × c per sample) =
			// windows(dz) · wt.
			l.wt.Resize(k*f, c)
			for j := 0; j < k; j++ {
				for ci := 0; ci < c; ci++ {
					for g := 0; g < f; g++ {
						l.wt.Data[((k-1-j)*f+g)*c+ci] = w[(j*c+ci)*f+g]
					}
				}
			}
			out = l.dx
			if l.tp != l.tIn {
				out = l.dxp
			}
			out.Resize(b*l.tp, c)
			l.dxBuf = out.Data
		}
		parallel.For(nc, 1, l.bwdPrelude)
		l.dyData, l.dxBuf = nil, nil
		ld := l.dz.Shape[1]
		copy(dw, l.dz.Data[(k-1+l.tp)*f:ld])
		for cc := 1; cc < nc; cc++ {
			kernels.Axpy(1, l.dz.Data[cc*ld+(k-1+l.tp)*f:(cc+1)*ld], dw)
		}
		if l.bias != nil {
			db := l.bias.Grad.Data
			copy(db, l.bsum.Data[:f])
			for cc := 1; cc < nc; cc++ {
				kernels.Axpy(1, l.bsum.Data[cc*f:(cc+1)*f], db)
			}
		}
		if !needDx {
			return nil, nil
		}
		dxp = out.Data
	} else {
		l.dz.Resize(b*tOut, f)
		l.act.grad(l.dz.Data, dy.Data, l.y.Data, f)
		if l.bias != nil {
			l.biasSums.sum(l.bias.Grad.Data, l.dz.Data, b*tOut, f)
		}
		taps, tapW := l.taps()
		clear(dw)
		for s := 0; s < b; s++ {
			xs := l.src[s*l.tp*c:]
			dzs := l.dz.Data[s*tOut*f : (s+1)*tOut*f]
			for j := 0; j < taps; j++ {
				kernels.Sgemm(true, false, tapW, f, tOut, 1, xs[j*l.dilation*c:], l.strides*c, dzs, f, 1, dw[j*tapW*f:], f)
			}
		}
		if !needDx {
			return nil, nil
		}
		out := l.dx
		if l.tp != l.tIn {
			out = l.dxp
		}
		out.Resize(b*l.tp, c)
		l.dxBuf = out.Data
		parallel.For(b, max(1, 16384/(tOut*c*k)), l.genDx)
		l.dxBuf = nil
		dxp = out.Data
	}
	l.dx.Resize(b, l.tIn, c)
	if l.tp != l.tIn {
		for s := 0; s < b; s++ {
			copy(l.dx.Data[s*l.tIn*c:(s+1)*l.tIn*c], dxp[(s*l.tp+l.padL)*c:])
		}
	}
	return l.dx, nil
}

// Config returns the Keras config (Keras 2 key names and list forms).
func (l *Conv1DLayer) Config() map[string]any {
	c := l.config()
	s := l.opts.strides
	if !l.opts.set["strides"] {
		s = 1
	}
	c["filters"] = l.filters
	c["kernel_size"] = []any{l.kernelSize}
	c["strides"] = []any{s}
	c["padding"] = l.opts.padding
	c["data_format"] = "channels_last"
	c["dilation_rate"] = []any{l.opts.dilationRate}
	c["groups"] = 1
	setKernelBiasConfig(c, l.opts.activation, l.opts.useBias)
	return c
}

// cfgRequiredInt reads an integer key that has no default.
func cfgRequiredInt(cfg map[string]any, key string) (int, error) {
	if v, ok := cfg[key]; !ok || v == nil {
		return 0, fmt.Errorf("missing %s", key)
	}
	return cfgInt(cfg, key, 0)
}

func init() {
	register("Conv1D", func(cfg map[string]any) (Layer, error) {
		opts, err := commonConfig(cfg)
		if err != nil {
			return nil, err
		}
		filters, err := cfgRequiredInt(cfg, "filters")
		if err != nil {
			return nil, err
		}
		k, err := cfgRequiredInt(cfg, "kernel_size")
		if err != nil {
			return nil, err
		}
		s, err := cfgInt(cfg, "strides", 1)
		if err != nil {
			return nil, err
		}
		d, err := cfgInt(cfg, "dilation_rate", 1)
		if err != nil {
			return nil, err
		}
		if g, err := cfgInt(cfg, "groups", 1); err != nil {
			return nil, err
		} else if g != 1 {
			return nil, fmt.Errorf("groups = %d is not supported (only 1)", g)
		}
		p, err := cfgString(cfg, "padding", "valid")
		if err != nil {
			return nil, err
		}
		ab, err := activationBiasConfig(cfg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, WithStrides(s), WithDilationRate(d), WithPadding(p))
		opts = append(opts, ab...)
		return Conv1D(filters, k, opts...), nil
	})
}
