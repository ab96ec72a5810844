// Package model holds seqconv's Keras-style Sequential model: a stack of
// layers with Keras's Summary, Compile, Fit, Evaluate and Predict, training
// callbacks (EarlyStopping, ModelCheckpoint), a Keras-style progress bar and
// a single-file Save/Load format that can resume training exactly.
//
// The reference IMDB model, as in Keras:
//
//	m := model.NewSequential(
//		layers.Embedding(10000, 128, layers.WithInputLength(500)),
//		layers.Conv1D(32, 7, layers.WithActivation("relu")),
//		layers.MaxPooling1D(5),
//		layers.Conv1D(32, 7, layers.WithActivation("relu")),
//		layers.GlobalMaxPooling1D(),
//		layers.Dense(1),
//	)
//	m.Summary(os.Stdout)
//	m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.BinaryCrossentropy{}, metrics.NewAccuracy().Named("acc"))
//	hist, err := m.Fit(ctx, xTrain, yTrain, model.FitConfig{Epochs: 10, BatchSize: 128, ValidationSplit: 0.2, Verbose: 1})
//
// IMDBConvNet and JenaConvGRU build the two reference architectures.
//
// Training is deterministic: the initial weights and dropout masks come from
// SetSeed, the shuffling from FitConfig.Seed and the epoch index, and the
// loop's own reductions have a fixed order, so on one machine (same CPU
// features and GOMAXPROCS, on which the kernels' work split depends) the
// same seeds give bit-identical weights, and a model saved after epoch k and
// resumed with InitialEpoch k ends bit-identical to one trained straight
// through.
//
// Layer names follow tf.keras 2.x: a layer left unnamed gets the snake_case
// of its class, numbered from the second instance on within the model —
// embedding, conv1d, max_pooling1d, conv1d_1, … (Keras 2.0–2.2 numbered
// from _1, and Keras counts across the whole Python session; seqconv counts
// per model so that names do not depend on what was built before).
package model

import (
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

// Sequential is a linear stack of layers, as Keras's Sequential.
//
// A Sequential is not safe for concurrent use: its layers own per-batch
// buffers.
type Sequential struct {
	name   string
	layers []layers.Layer

	seed    uint64
	pcg     *rand.PCG // source of every layer's randomness; saved with the model
	built   bool
	plan    []layers.Layer // the layers as run: layers with fusable pairs fused
	inShape []int
	params  []*layers.Param

	opt       optimizers.Optimizer
	loss      losses.Loss // as given to Compile
	trainLoss losses.Loss // loss actually optimised (logits form when detected)
	metrics   []metrics.Metric
	logits    bool
	warnings  []string
	warned    bool // warnings already written to a progress writer

	stop bool // set by StopTraining, read after each epoch

	// Per-batch buffers reused across steps and calls.
	grad     *tensor.Tensor
	xb, yb   *tensor.Tensor
	shape    []int
	outShape []int
	// Views (no data of their own) of caller batches: ytv for training
	// targets, xev/yev for evaluation and prediction slices.
	ytv, xev, yev *tensor.Tensor
}

// NewSequential returns a model stacking ls in order. Layers may also be
// appended with Add before the model is built.
func NewSequential(ls ...layers.Layer) *Sequential {
	return &Sequential{name: "sequential", layers: append([]layers.Layer(nil), ls...), grad: tensor.New(), xb: tensor.New(), yb: tensor.New(),
		ytv: &tensor.Tensor{}, xev: &tensor.Tensor{}, yev: &tensor.Tensor{}}
}

// Name returns the model's name ("sequential" unless set).
func (m *Sequential) Name() string { return m.name }

// SetName sets the model's name, shown by Summary.
func (m *Sequential) SetName(name string) { m.name = name }

// Add appends a layer; it is an error once the model is built.
func (m *Sequential) Add(l layers.Layer) error {
	if m.built {
		return fmt.Errorf("model: cannot add layer %s to a built model", l.ClassName())
	}
	m.layers = append(m.layers, l)
	return nil
}

// Layers returns the model's layers in order.
func (m *Sequential) Layers() []layers.Layer { return append([]layers.Layer(nil), m.layers...) }

// SetSeed sets the seed from which Build draws the initial weights and the
// layers draw their dropout masks (default 0). It must be called before
// Build.
func (m *Sequential) SetSeed(seed uint64) { m.seed = seed }

// Built reports whether the model has been built.
func (m *Sequential) Built() bool { return m.built }

// InputShape returns the built input shape (batch axis omitted, -1 for a
// variable axis), or nil before Build.
func (m *Sequential) InputShape() []int { return append([]int(nil), m.inShape...) }

// OutputShape returns the built output shape (batch axis omitted), or nil
// before Build.
func (m *Sequential) OutputShape() []int {
	return append([]int(nil), m.outShape...)
}

// Params returns every layer's weights in order (Keras get_weights order).
func (m *Sequential) Params() []*layers.Param { return append([]*layers.Param(nil), m.params...) }

// declaredInput returns the input shape declared on the first layer
// (WithInputShape, or an Embedding's WithInputLength), or nil.
func declaredInput(l layers.Layer) []int {
	if s, ok := l.(interface{ InputShape() []int }); ok {
		if in := s.InputShape(); len(in) > 0 {
			return in
		}
	}
	cfg := l.Config()
	for _, key := range []string{"batch_input_shape", "batch_shape"} {
		if s := shapeOf(cfg[key]); len(s) > 1 {
			return s[1:]
		}
	}
	if s := shapeOf(cfg["input_shape"]); len(s) > 0 {
		return s
	}
	switch n := cfg["input_length"].(type) {
	case int:
		if n > 0 {
			return []int{n}
		}
	case float64:
		if n > 0 {
			return []int{int(n)}
		}
	}
	return nil
}

// shapeOf reads a shape written as []int or as a JSON list with null for
// unknown axes.
func shapeOf(v any) []int {
	switch s := v.(type) {
	case []int:
		return append([]int(nil), s...)
	case []any:
		out := make([]int, len(s))
		for i, d := range s {
			switch x := d.(type) {
			case int:
				out[i] = x
			case float64:
				out[i] = int(x)
			default:
				out[i] = -1
			}
		}
		return out
	}
	return nil
}

var (
	snake1 = regexp.MustCompile(`(.)([A-Z][a-z0-9]+)`)
	snake2 = regexp.MustCompile(`([a-z])([A-Z])`)
)

// snakeCase converts a Keras class name to its default layer name as Keras
// does: Conv1D → conv1d, MaxPooling1D → max_pooling1d, SimpleRNN → simple_rnn.
func snakeCase(class string) string {
	s := snake1.ReplaceAllString(class, "${1}_${2}")
	return strings.ToLower(snake2.ReplaceAllString(s, "${1}_${2}"))
}

// assignNames gives unnamed layers Keras-style unique names and rejects
// duplicate names.
func (m *Sequential) assignNames() error {
	used := map[string]bool{}
	for _, l := range m.layers {
		if n := l.Name(); n != "" {
			if used[n] {
				return fmt.Errorf("model: two layers are named %q", n)
			}
			used[n] = true
		}
	}
	count := map[string]int{}
	for _, l := range m.layers {
		if l.Name() != "" {
			continue
		}
		base := snakeCase(l.ClassName())
		for {
			n := base
			if k := count[base]; k > 0 {
				n = fmt.Sprintf("%s_%d", base, k)
			}
			count[base]++
			if !used[n] {
				l.SetName(n)
				used[n] = true
				break
			}
		}
	}
	return nil
}

// Build names the layers and builds them in order for inputs of shape in
// (batch axis omitted, -1 for a variable axis), drawing initial weights
// from the model's seed. Without in, the shape declared on the first layer
// is used. Fit, Evaluate and Predict build an unbuilt model from their
// data, so calling Build is only needed for Summary or to set weights.
func (m *Sequential) Build(in ...int) error {
	if m.built {
		if len(in) > 0 && !compatible(m.inShape, in) {
			return fmt.Errorf("model: already built for input %s, not %s", tensor.ShapeString(m.inShape), tensor.ShapeString(in))
		}
		return nil
	}
	if len(m.layers) == 0 {
		return fmt.Errorf("model: %s has no layers", m.name)
	}
	if len(in) == 0 {
		in = declaredInput(m.layers[0])
		if in == nil {
			return fmt.Errorf("model: input shape unknown: give the first layer (%s) layers.WithInputShape, or call Build with the shape, or Fit with data", m.layers[0].ClassName())
		}
	}
	if err := m.assignNames(); err != nil {
		return err
	}
	m.pcg = rand.NewPCG(m.seed, m.seed^0x9e3779b97f4a7c15)
	rng := rand.New(m.pcg)
	shape := append([]int(nil), in...)
	var params []*layers.Param
	for i, l := range m.layers {
		if err := l.Build(shape, rng); err != nil {
			return fmt.Errorf("model: layer %d (%s, %s) with input %s: %w", i, l.Name(), l.ClassName(), tensor.ShapeString(append([]int{-1}, shape...)), err)
		}
		shape = l.OutputShape()
		params = append(params, l.Params()...)
	}
	m.inShape = append([]int(nil), in...)
	m.outShape = shape
	m.params = params
	m.plan = executionPlan(m.layers)
	m.built = true
	return nil
}

// executionPlan returns the layers as the model runs them: each pair that
// the first layer can fuse with the second (layers.Fuser, such as Embedding
// followed by Conv1D) is replaced by the fused layer, which computes the
// same function faster and shares the pair's Params. The unfused layers
// stay the model's public structure (summary, config, weights).
func executionPlan(ls []layers.Layer) []layers.Layer {
	plan := make([]layers.Layer, 0, len(ls))
	for i := 0; i < len(ls); i++ {
		if f, ok := ls[i].(layers.Fuser); ok && i+1 < len(ls) {
			if fused, ok := f.FuseWith(ls[i+1]); ok {
				plan = append(plan, fused)
				i++
				continue
			}
		}
		plan = append(plan, ls[i])
	}
	return plan
}

// compatible reports whether a concrete shape fits a built shape that may
// have -1 (variable) axes.
func compatible(built, got []int) bool {
	if len(built) != len(got) {
		return false
	}
	for i, d := range built {
		if d >= 0 && got[i] >= 0 && d != got[i] {
			return false
		}
	}
	return true
}

// buildFor builds an unbuilt model for data x (batch first) and checks that
// x fits a built one.
func (m *Sequential) buildFor(x *tensor.Tensor) error {
	if x == nil || len(x.Shape) < 1 {
		return fmt.Errorf("model: input must have a batch axis, got %v", shapeOrNil(x))
	}
	if !m.built {
		in := declaredInput(m.layers[0])
		if in == nil {
			in = x.Shape[1:]
		}
		if err := m.Build(in...); err != nil {
			return err
		}
	}
	if !compatible(m.inShape, x.Shape[1:]) {
		return fmt.Errorf("model: input has shape %v, the model expects (batch, %s)", x.Shape, strings.Trim(tensor.ShapeString(m.inShape), "(,)"))
	}
	return nil
}

func shapeOrNil(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}

// CountParams returns the number of weights (all trainable in seqconv).
func (m *Sequential) CountParams() int {
	n := 0
	for _, p := range m.params {
		n += len(p.Value.Data)
	}
	return n
}

// Summary writes Keras's model summary table (tf.keras 2.0–2.8 layout, 65
// columns, without Keras's trailing blanks) to w, building the model from
// its declared input shape if needed.
func (m *Sequential) Summary(w io.Writer) error {
	if !m.built {
		if err := m.Build(); err != nil {
			return fmt.Errorf("model: Summary needs a built model: %w", err)
		}
	}
	const width = 65
	pos := []int{29, 55, 65} // Keras's [.45, .85, 1] of 65
	var b strings.Builder
	row := func(fields ...string) {
		line := ""
		for i, f := range fields {
			if i > 0 {
				line = line[:len(line)-1] + " "
			}
			line += f
			if len(line) > pos[i] {
				line = line[:pos[i]]
			}
			line += strings.Repeat(" ", pos[i]-len(line))
		}
		// Keras pads the last column with spaces; trailing blanks are
		// dropped here so the table diffs and pastes cleanly.
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "Model: %q\n", m.name)
	b.WriteString(strings.Repeat("_", width) + "\n")
	row("Layer (type)", "Output Shape", "Param #")
	b.WriteString(strings.Repeat("=", width) + "\n")
	for i, l := range m.layers {
		n := 0
		for _, p := range l.Params() {
			n += len(p.Value.Data)
		}
		row(l.Name()+" ("+l.ClassName()+")", tensor.ShapeString(append([]int{-1}, l.OutputShape()...)), fmt.Sprint(n))
		sep := "_"
		if i == len(m.layers)-1 {
			sep = "="
		}
		b.WriteString(strings.Repeat(sep, width) + "\n")
	}
	total := m.CountParams()
	fmt.Fprintf(&b, "Total params: %s\nTrainable params: %s\nNon-trainable params: 0\n", commas(total), commas(total))
	b.WriteString(strings.Repeat("_", width) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// commas formats n with thousands separators: 1315937 → 1,315,937.
func commas(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Weights returns a copy of every weight tensor in Params order (Keras
// get_weights).
func (m *Sequential) Weights() []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(m.params))
	for i, p := range m.params {
		out[i] = p.Value.Clone()
	}
	return out
}

// SetWeights copies ws into the weights (Keras set_weights); the count and
// shapes must match Params.
func (m *Sequential) SetWeights(ws []*tensor.Tensor) error {
	if !m.built {
		return fmt.Errorf("model: SetWeights before Build")
	}
	if len(ws) != len(m.params) {
		return fmt.Errorf("model: %d weight tensors given, the model has %d", len(ws), len(m.params))
	}
	for i, p := range m.params {
		if !tensor.SameShape(ws[i].Shape, p.Value.Shape) {
			return fmt.Errorf("model: weight %d (%s) has shape %v, want %v", i, p.Name, ws[i].Shape, p.Value.Shape)
		}
	}
	for i, p := range m.params {
		copy(p.Value.Data, ws[i].Data)
	}
	return nil
}
