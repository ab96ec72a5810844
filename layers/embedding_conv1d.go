package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/internal/parallel"
	"github.com/seqconv/seqconv/tensor"
)

// EmbeddingConv1DLayer runs an Embedding and the Conv1D that follows it as
// one step, computing what the two compute in sequence (up to float32
// rounding) with far less arithmetic when the batch holds fewer distinct
// ids than output steps.
//
// Why: a convolution of embedded ids is a sum of per-tap lookups. With E_u
// the embedding rows of the batch's u distinct ids and
// P = E_u · [kernel[0] | … | kernel[k−1]] (u × k·filters), output step o is
// bias + Σ_j P[id[o+j]][tap j's block]. For IMDB (≤ 10,000 distinct ids,
// 128 × 494 output steps, 128 → 32 channels, k = 7) that replaces a
// 3.6 GFLOP im2col GEMM by one of at most 0.57 GFLOP plus a gather; the
// backward pass likewise scatters dz into G (u × k·filters) and needs two
// more u-row GEMMs (∂kernel = E_uᵀ·G, ∂E_u = G·kernelᵀ) instead of two
// batch-sized ones: at least 6× fewer FLOPs per training step for the pair.
//
// The layer holds the two original layers (their weights, names and configs
// are unchanged, so a model keeps summarising and saving them as two
// layers); Params returns the embeddings, then the kernel and bias, the same
// Param values as the two layers'. Each Forward takes the fused path when
// 2·(distinct ids) ≤ batch·outputSteps and otherwise runs the two layers one
// after the other. Either way the embeddings' gradient is the full dense
// tensor, zero outside the batch's rows.
type EmbeddingConv1DLayer struct {
	emb  *EmbeddingLayer
	conv *Conv1DLayer
	mode int // 0: choose per batch; 1: always fused; 2: never (tests)

	fused                  bool // the last Forward took the fused path
	batch, tIn, tOut, padL int
	wcat, p, g, dwcat      *tensor.Tensor
	eu, deu                *tensor.Tensor // the batch's embedding rows and their gradient
	slot                   []int32        // slot[id]: id's number in uniq, or -1
	uniq                   []int32        // the batch's distinct ids, in order of first use
	sids                   []int32        // each token's number in uniq
	y, dz, dx              *tensor.Tensor
	dzData                 []float32
	rev                    bool // contiguous taps: blocks in reverse tap order
	parts                  int  // id ranges of the reverse-order scatter
	fwd, scat, scatIDs     func(lo, hi int)
}

// FuseEmbeddingConv1D returns a layer computing conv(emb(ids)). The two
// layers stay usable on their own; Build builds whichever is not yet built.
func FuseEmbeddingConv1D(emb *EmbeddingLayer, conv *Conv1DLayer) *EmbeddingConv1DLayer {
	l := &EmbeddingConv1DLayer{emb: emb, conv: conv}
	for _, p := range []**tensor.Tensor{&l.wcat, &l.p, &l.g, &l.dwcat, &l.eu, &l.deu, &l.y, &l.dz, &l.dx} {
		*p = &tensor.Tensor{}
	}
	l.fwd, l.scat, l.scatIDs = l.forwardRange, l.scatterRange, l.scatterIDRange
	return l
}

// Name returns the two layers' names joined by "+".
func (l *EmbeddingConv1DLayer) Name() string { return l.emb.Name() + "+" + l.conv.Name() }

// SetName is a no-op: the names belong to the two fused layers.
func (l *EmbeddingConv1DLayer) SetName(string) {}

// ClassName returns "EmbeddingConv1D" (not a Keras class: the pair is saved
// as its two layers).
func (l *EmbeddingConv1DLayer) ClassName() string { return "EmbeddingConv1D" }

// Build builds the Embedding on in (if not built) and the Conv1D on its
// output (if not built), and checks that they fit together.
func (l *EmbeddingConv1DLayer) Build(in []int, rng *rand.Rand) error {
	if !l.emb.built {
		if err := l.emb.Build(in, rng); err != nil {
			return err
		}
	}
	if len(l.emb.in) != 1 {
		return fmt.Errorf("EmbeddingConv1D: the Embedding's input shape (batch, %s) is not (batch, steps)", dimsString(l.emb.in))
	}
	if !l.conv.built {
		if err := l.conv.Build(l.emb.OutputShape(), rng); err != nil {
			return err
		}
	}
	if l.conv.ch != l.emb.outputDim {
		return fmt.Errorf("EmbeddingConv1D: Conv1D %s takes %d channels, Embedding %s gives %d", l.conv.name, l.conv.ch, l.emb.name, l.emb.outputDim)
	}
	return nil
}

// OutputShape returns the Conv1D's output shape.
func (l *EmbeddingConv1DLayer) OutputShape() []int { return l.conv.OutputShape() }

// Params returns the embeddings, the kernel and (with use_bias) the bias.
func (l *EmbeddingConv1DLayer) Params() []*Param {
	return append(l.emb.Params(), l.conv.Params()...)
}

// Config returns the two layers' configs under "layers"; the pair has no
// Keras config of its own.
func (l *EmbeddingConv1DLayer) Config() map[string]any {
	return map[string]any{"layers": []any{
		map[string]any{"class_name": l.emb.ClassName(), "config": l.emb.Config()},
		map[string]any{"class_name": l.conv.ClassName(), "config": l.conv.Config()},
	}}
}

// Forward computes conv(emb(x)) for a batch of ids x (batch, steps).
func (l *EmbeddingConv1DLayer) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	if !l.emb.built || !l.conv.built {
		return nil, fmt.Errorf("EmbeddingConv1D: Forward before Build")
	}
	c := l.conv
	l.fused = false
	if l.mode != 2 && x != nil && len(x.Shape) == 2 {
		if err := l.emb.readIDs(x); err != nil {
			return nil, err
		}
		b, t := x.Shape[0], x.Shape[1]
		tOut, padL, _ := convLength(t, c.dilated(), c.strides, c.padding)
		if tOut <= 0 {
			return nil, fmt.Errorf("%s: input of %d steps is shorter than the kernel's extent %d", who("Conv1D", c.name), t, c.dilated())
		}
		l.batch, l.tIn, l.tOut, l.padL = b, t, tOut, padL
		l.compact()
		l.fused = l.mode == 1 || 2*len(l.uniq) <= b*tOut
	}
	if !l.fused {
		e, err := l.emb.Forward(x, training)
		if err != nil {
			return nil, err
		}
		return c.Forward(e, training)
	}
	b, tOut := l.batch, l.tOut
	k, ch, f, u := c.kernelSize, c.ch, c.filters, len(l.uniq)
	// wcat[ci][blk(j)·f + g] = kernel[j][ci][g].
	l.rev = c.strides == 1 && c.dilation == 1
	w := c.kernel.Value.Data
	l.wcat.Resize(ch, k*f)
	for j := 0; j < k; j++ {
		for ci := 0; ci < ch; ci++ {
			copy(l.wcat.Data[ci*k*f+l.blk(j)*f:][:f], w[(j*ch+ci)*f:][:f])
		}
	}
	// P (u × k·f) = the batch's embedding rows · wcat.
	l.eu.Resize(u, ch)
	e := l.emb.emb.Value.Data
	for i, id := range l.uniq {
		copy(l.eu.Data[i*ch:(i+1)*ch], e[int(id)*ch:(int(id)+1)*ch])
	}
	l.p.Resize(u, k*f)
	kernels.Sgemm(false, false, u, k*f, ch, 1, l.eu.Data, ch, l.wcat.Data, k*f, 0, l.p.Data, k*f)
	l.y.Resize(b, tOut, f)
	parallel.For(b, max(1, 4096/(tOut*f)), l.fwd)
	return l.y, nil
}

// compact numbers the batch's distinct ids 0…u−1 in order of first use
// (uniq lists them, sids holds each token's number), so that P and G have
// a row per distinct id rather than per vocabulary entry.
func (l *EmbeddingConv1DLayer) compact() {
	if len(l.slot) != l.emb.inputDim {
		l.slot = make([]int32, l.emb.inputDim)
		for i := range l.slot {
			l.slot[i] = -1
		}
		l.uniq = l.uniq[:0]
	}
	for _, id := range l.uniq {
		l.slot[id] = -1
	}
	l.uniq = l.uniq[:0]
	ids := l.emb.ids
	if cap(l.sids) < len(ids) {
		l.sids = make([]int32, len(ids))
	}
	l.sids = l.sids[:len(ids)]
	for i, id := range ids {
		sl := l.slot[id]
		if sl < 0 {
			sl = int32(len(l.uniq))
			l.slot[id] = sl
			l.uniq = append(l.uniq, id)
		}
		l.sids[i] = sl
	}
}

// blk returns the column block of P, G and wcat that holds tap j. Without
// stride or dilation the blocks are in reverse tap order: input step q then
// feeds output steps q−k+1 … q through blocks 0 … k−1, so one input step's
// whole contribution is a single contiguous row segment of P added to a
// contiguous run of output rows (one Axpy of up to k·filters values instead
// of k small ones), and the same holds for the scatter of dz into G.
func (l *EmbeddingConv1DLayer) blk(j int) int {
	if l.rev {
		return l.conv.kernelSize - 1 - j
	}
	return j
}

// outRange returns the output steps [oLo, oHi] that input step tIn feeds
// in the reverse-order layout, and the block of oLo; ok is false if none.
func (l *EmbeddingConv1DLayer) outRange(tIn int) (oLo, oHi, b0 int, ok bool) {
	k := l.conv.kernelSize
	q := tIn + l.padL
	oLo, oHi = max(0, q-k+1), min(q, l.tOut-1)
	return oLo, oHi, oLo + k - 1 - q, oLo <= oHi
}

// forwardRange sums the taps' rows of P for samples [lo, hi) and applies
// the bias and activation.
func (l *EmbeddingConv1DLayer) forwardRange(lo, hi int) {
	c := l.conv
	k, f, t, tOut := c.kernelSize, c.filters, l.tIn, l.tOut
	kf := k * f
	ids, p := l.sids, l.p.Data
	for s := lo; s < hi; s++ {
		ys := l.y.Data[s*tOut*f : (s+1)*tOut*f]
		for o := 0; o < tOut; o++ {
			row := ys[o*f : (o+1)*f]
			if c.bias != nil {
				copy(row, c.bias.Value.Data)
			} else {
				clear(row)
			}
		}
		if l.rev {
			for ti := 0; ti < t; ti++ {
				if oLo, oHi, b0, ok := l.outRange(ti); ok {
					n := (oHi - oLo + 1) * f
					id := int(ids[s*t+ti])
					kernels.Axpy(1, p[id*kf+b0*f:][:n], ys[oLo*f:][:n])
				}
			}
			c.act.apply(ys, ys, f)
			continue
		}
		for o := 0; o < tOut; o++ {
			row := ys[o*f : (o+1)*f]
			for j := 0; j < k; j++ {
				if ti := o*c.strides + j*c.dilation - l.padL; ti >= 0 && ti < t {
					id := int(ids[s*t+ti])
					kernels.Axpy(1, p[id*kf+j*f:][:f], row)
				}
			}
		}
		c.act.apply(ys, ys, f)
	}
}

// scatterRange adds dz into G for taps [lo, hi): tap j owns columns
// [j·f, (j+1)·f) of G, so workers given different taps never collide.
func (l *EmbeddingConv1DLayer) scatterRange(lo, hi int) {
	c := l.conv
	k, f, t, tOut := c.kernelSize, c.filters, l.tIn, l.tOut
	kf := k * f
	ids, g := l.sids, l.g.Data
	for j := lo; j < hi; j++ {
		for s := 0; s < l.batch; s++ {
			for o := 0; o < tOut; o++ {
				if ti := o*c.strides + j*c.dilation - l.padL; ti >= 0 && ti < t {
					id := int(ids[s*t+ti])
					kernels.Axpy(1, l.dzData[(s*tOut+o)*f:][:f], g[id*kf+j*f:][:f])
				}
			}
		}
	}
}

// scatterIDRange is the reverse-order scatter for the ids in partition
// range [lo, hi) of l.parts equal id ranges: one Axpy per input step.
func (l *EmbeddingConv1DLayer) scatterIDRange(lo, hi int) {
	c := l.conv
	f, t, tOut, u := c.filters, l.tIn, l.tOut, len(l.uniq)
	kf := c.kernelSize * f
	idLo, idHi := int32(lo*u/l.parts), int32(hi*u/l.parts)
	ids, g := l.sids, l.g.Data
	for s := 0; s < l.batch; s++ {
		dzs := l.dzData[s*tOut*f : (s+1)*tOut*f]
		for ti, id := range ids[s*t : (s+1)*t] {
			if id < idLo || id >= idHi {
				continue
			}
			if oLo, oHi, b0, ok := l.outRange(ti); ok {
				n := (oHi - oLo + 1) * f
				kernels.Axpy(1, dzs[oLo*f:][:n], g[int(id)*kf+b0*f:][:n])
			}
		}
	}
}

// Backward fills the embeddings', kernel's and bias's gradients. The ids
// have no gradient: with needDx it returns zeros of the input's shape.
func (l *EmbeddingConv1DLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if !l.fused {
		de, err := l.conv.Backward(dy, true)
		if err != nil {
			return nil, err
		}
		return l.emb.Backward(de, needDx)
	}
	c := l.conv
	if err := checkGrad(l.ClassName(), l.Name(), dy, l.y.Shape); err != nil {
		return nil, err
	}
	k, ch, f, u := c.kernelSize, c.ch, c.filters, len(l.uniq)
	kf := k * f
	dz := dy.Data
	if c.act != actLinear {
		l.dz.Resize(dy.Shape...)
		c.act.grad(l.dz.Data, dy.Data, l.y.Data, f)
		dz = l.dz.Data
	}
	rows := l.batch * l.tOut
	if c.bias != nil {
		kernels.ColSum(c.bias.Grad.Data, 0, dz, rows, f)
	}
	l.g.Resize(u, kf)
	clear(l.g.Data)
	l.dzData = dz
	if l.rev {
		l.parts = parallel.Workers()
		parallel.For(l.parts, 1, l.scatIDs)
	} else {
		parallel.For(k, 1, l.scat)
	}
	l.dzData = nil
	// ∂kernel (as wcat's layout) = (the batch's embedding rows)ᵀ · G, then
	// back to [k, ch, f].
	l.dwcat.Resize(ch, kf)
	kernels.Sgemm(true, false, ch, kf, u, 1, l.eu.Data, ch, l.g.Data, kf, 0, l.dwcat.Data, kf)
	dw := c.kernel.Grad.Data
	for j := 0; j < k; j++ {
		for ci := 0; ci < ch; ci++ {
			copy(dw[(j*ch+ci)*f:][:f], l.dwcat.Data[ci*kf+l.blk(j)*f:][:f])
		}
	}
	// ∂embeddings: G · wcatᵀ gives the batch's rows; the others are zero.
	l.deu.Resize(u, ch)
	kernels.Sgemm(false, true, u, ch, kf, 1, l.g.Data, kf, l.wcat.Data, kf, 0, l.deu.Data, ch)
	l.emb.clearGrad()
	l.emb.markTouched(l.uniq)
	eg := l.emb.emb.Grad.Data
	for i, id := range l.uniq {
		copy(eg[int(id)*ch:(int(id)+1)*ch], l.deu.Data[i*ch:(i+1)*ch])
	}
	if !needDx {
		return nil, nil
	}
	l.dx.Resize(l.emb.xShape...)
	clear(l.dx.Data)
	return l.dx, nil
}

// Fuser is implemented by layers that can run together with the layer after
// them as one faster layer computing the same thing. A model may replace
// each such pair by FuseWith's result in its execution plan while keeping
// the two layers for its summary, config and weights: the fused layer's
// Params are the pair's Params, in order.
type Fuser interface {
	// FuseWith returns the fused layer and true if next can be fused
	// with the receiver; both must already be built.
	FuseWith(next Layer) (Layer, bool)
}

// FuseWith fuses the Embedding with a following Conv1D (see
// EmbeddingConv1DLayer); any other next layer gives false.
func (l *EmbeddingLayer) FuseWith(next Layer) (Layer, bool) {
	c, ok := next.(*Conv1DLayer)
	if !ok || !l.built || !c.built || len(l.in) != 1 || c.ch != l.outputDim {
		return nil, false
	}
	return FuseEmbeddingConv1D(l, c), true
}
