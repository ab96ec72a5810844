package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/internal/parallel"
	"github.com/seqconv/seqconv/tensor"
)

// EmbeddingLayer maps integer token ids to dense vectors (Keras Embedding):
// input (batch, steps) of ids carried as float32 values (as Keras casts
// them), output (batch, steps, outputDim), weight "embeddings"
// [inputDim, outputDim] initialised uniform in [-0.05, 0.05).
//
// The gradient of the embeddings is sparse: only the rows of ids seen in the
// batch are non-zero. Backward still fills the whole dense Grad, as the Layer
// contract requires, but cheaply: it zeroes only the rows the previous
// Backward wrote (Grad's other rows are left as zero) and scatter-adds the
// batch's rows, split across workers by id range so no two write the same
// row. Anything that writes non-zero values into Grad's untouched rows
// between steps must zero Grad itself.
type EmbeddingLayer struct {
	kbase
	inputDim, outputDim int
	emb                 *Param

	ids     []int32 // the last batch's ids
	y, dx   *tensor.Tensor
	xShape  []int
	yShape  []int
	touched []int32 // rows of Grad written by the last Backward
	mark    []bool  // mark[id]: id is in touched
	dyData  []float32
	parts   int
	gather  func(lo, hi int)
	scatter func(lo, hi int)
}

// Embedding returns an embedding layer for ids in [0, inputDim) and vectors
// of outputDim values. Options: WithInputLength, WithName, WithInputShape.
func Embedding(inputDim, outputDim int, opts ...Option) *EmbeddingLayer {
	l := &EmbeddingLayer{kbase: newKbase(opts), inputDim: inputDim, outputDim: outputDim, y: &tensor.Tensor{}, dx: &tensor.Tensor{}}
	l.gather = l.gatherRows
	l.scatter = l.scatterRows
	return l
}

// ClassName returns "Embedding".
func (l *EmbeddingLayer) ClassName() string { return "Embedding" }

// Build checks the arguments and creates the embeddings. The output shape is
// the input shape plus outputDim, with input_length (if given) as the
// sequence length.
func (l *EmbeddingLayer) Build(in []int, rng *rand.Rand) error {
	if err := l.opts.check("Embedding", "input_length"); err != nil {
		return err
	}
	switch {
	case l.inputDim <= 0:
		return fmt.Errorf("%s: input_dim = %d, want > 0", who("Embedding", l.name), l.inputDim)
	case l.outputDim <= 0:
		return fmt.Errorf("%s: output_dim = %d, want > 0", who("Embedding", l.name), l.outputDim)
	case l.inputDim > 1<<24:
		return fmt.Errorf("%s: input_dim = %d exceeds 2^24, the largest id a float32 carries exactly", who("Embedding", l.name), l.inputDim)
	case len(in) == 0:
		return fmt.Errorf("%s: input shape () has no sequence axis, want (batch, steps)", who("Embedding", l.name))
	}
	il := l.opts.inputLength
	if l.opts.set["input_length"] && (il <= 0 || (in[0] >= 0 && in[0] != il)) {
		return fmt.Errorf("%s: input_length = %d does not fit the input shape (batch, %s)", who("Embedding", l.name), il, dimsString(in))
	}
	l.emb = NewParam("embeddings", l.inputDim, l.outputDim)
	initUniform(rng, -0.05, 0.05, l.emb.Value.Data)
	l.mark = make([]bool, l.inputDim)
	l.touched = l.touched[:0]
	l.in = append([]int(nil), in...)
	if l.opts.set["input_length"] {
		l.in[0] = il
	}
	l.out = append(append([]int(nil), l.in...), l.outputDim)
	l.built = true
	return nil
}

// Params returns the embeddings.
func (l *EmbeddingLayer) Params() []*Param { return []*Param{l.emb} }

// Forward looks up each id. An id that is not an integer in [0, inputDim)
// is an error naming its batch row and position.
func (l *EmbeddingLayer) Forward(x *tensor.Tensor, _ bool) (*tensor.Tensor, error) {
	if err := l.readIDs(x); err != nil {
		return nil, err
	}
	n := len(l.ids)
	l.yShape = append(append(l.yShape[:0], x.Shape...), l.outputDim)
	l.y.Resize(l.yShape...)
	parallel.For(n, 512, l.gather)
	return l.y, nil
}

// readIDs checks x and converts its values to l.ids, remembering its shape.
func (l *EmbeddingLayer) readIDs(x *tensor.Tensor) error {
	if err := l.checkInput("Embedding", x); err != nil {
		return err
	}
	n := len(x.Data)
	if cap(l.ids) < n {
		l.ids = make([]int32, n)
	}
	l.ids = l.ids[:n]
	per := 1
	if x.Shape[0] > 0 {
		per = n / x.Shape[0]
	}
	for i, v := range x.Data {
		id := int32(v)
		if float32(id) != v || id < 0 || int(id) >= l.inputDim {
			return fmt.Errorf("%s: input[%d, %d] = %v is not an integer id in [0, %d)", who("Embedding", l.name), i/per, i%per, v, l.inputDim)
		}
		l.ids[i] = id
	}
	l.xShape = append(l.xShape[:0], x.Shape...)
	return nil
}

func (l *EmbeddingLayer) gatherRows(lo, hi int) {
	d, e := l.outputDim, l.emb.Value.Data
	for i := lo; i < hi; i++ {
		id := int(l.ids[i])
		copy(l.y.Data[i*d:(i+1)*d], e[id*d:(id+1)*d])
	}
}

// scatterRows adds the rows of dy into Grad for the ids in partition range
// [lo, hi) of l.parts equal id ranges.
func (l *EmbeddingLayer) scatterRows(lo, hi int) {
	d, g := l.outputDim, l.emb.Grad.Data
	idLo, idHi := int32(lo*l.inputDim/l.parts), int32(hi*l.inputDim/l.parts)
	for i, id := range l.ids {
		if id >= idLo && id < idHi {
			kernels.Axpy(1, l.dyData[i*d:(i+1)*d], g[int(id)*d:(int(id)+1)*d])
		}
	}
}

// clearGrad zeroes the rows of Grad written since the last call (by this
// layer's Backward or a fused EmbeddingConv1D), leaving Grad all zero.
func (l *EmbeddingLayer) clearGrad() {
	d, g := l.outputDim, l.emb.Grad.Data
	for _, id := range l.touched {
		clear(g[int(id)*d : (int(id)+1)*d])
		l.mark[id] = false
	}
	l.touched = l.touched[:0]
}

// markTouched records that the rows of ids are about to be written.
func (l *EmbeddingLayer) markTouched(ids []int32) {
	for _, id := range ids {
		if !l.mark[id] {
			l.mark[id] = true
			l.touched = append(l.touched, id)
		}
	}
}

// Backward sets the embeddings' gradient. The ids have no gradient: with
// needDx it returns zeros of the input's shape, otherwise nil.
func (l *EmbeddingLayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := checkGrad("Embedding", l.name, dy, l.y.Shape); err != nil {
		return nil, err
	}
	d := l.outputDim
	l.clearGrad()
	l.markTouched(l.ids)
	l.dyData = dy.Data
	l.parts = parallel.Workers()
	if len(l.ids)*d < 1<<16 {
		l.parts = 1
	}
	parallel.For(l.parts, 1, l.scatter)
	l.dyData = nil
	if !needDx {
		return nil, nil
	}
	l.dx.Resize(l.xShape...)
	clear(l.dx.Data)
	return l.dx, nil
}

// Config returns the Keras config.
func (l *EmbeddingLayer) Config() map[string]any {
	c := l.config()
	c["input_dim"] = l.inputDim
	c["output_dim"] = l.outputDim
	c["embeddings_initializer"] = map[string]any{"class_name": "RandomUniform", "config": map[string]any{"minval": -0.05, "maxval": 0.05, "seed": nil}}
	c["embeddings_regularizer"] = nil
	c["activity_regularizer"] = nil
	c["embeddings_constraint"] = nil
	c["mask_zero"] = false
	c["input_length"] = nil
	if l.opts.set["input_length"] {
		c["input_length"] = l.opts.inputLength
		if _, ok := c["batch_input_shape"]; !ok {
			c["batch_input_shape"] = []any{nil, l.opts.inputLength}
		}
	}
	return c
}

func init() {
	register("Embedding", func(cfg map[string]any) (Layer, error) {
		opts, err := commonConfig(cfg)
		if err != nil {
			return nil, err
		}
		in, err := cfgRequiredInt(cfg, "input_dim")
		if err != nil {
			return nil, err
		}
		out, err := cfgRequiredInt(cfg, "output_dim")
		if err != nil {
			return nil, err
		}
		if mz, err := cfgBool(cfg, "mask_zero", false); err != nil {
			return nil, err
		} else if mz {
			return nil, fmt.Errorf("mask_zero = true is not supported")
		}
		if v, ok := cfg["input_length"]; ok && v != nil {
			il, err := cfgInt(cfg, "input_length", 0)
			if err != nil {
				return nil, err
			}
			opts = append(opts, WithInputLength(il))
		}
		return Embedding(in, out, opts...), nil
	})
}
