// Package onnx exports seqconv models to ONNX, the open model format that
// ONNX Runtime, TensorRT, OpenVINO and most inference servers load.
//
// The exported graph has one input named "input" and one output named
// "output", both with a symbolic batch axis "batch". A model that starts with
// an Embedding takes int64 token ids of shape (batch, time); any other model
// takes float32 values in Keras's channels-last layout, (batch, time,
// features) for sequence models. A variable time axis (-1 in the input
// shape) stays symbolic ("time").
//
// Layers map onto standard ONNX operators of opset 17: Embedding → Gather;
// Conv1D → Conv (with Keras's "same" and "causal" padding); MaxPooling1D and
// AveragePooling1D → MaxPool and AveragePool; GlobalMaxPooling1D and
// GlobalAveragePooling1D → ReduceMax and ReduceMean; Flatten → Flatten; Dense
// → Gemm or MatMul+Add; GRU, LSTM and SimpleRNN (and their Bidirectional
// wrappers) → the ONNX GRU, LSTM and RNN operators; Dropout → nothing. The
// convolutional stages run in ONNX's channels-first layout and the exporter
// inserts a Transpose only where the layout has to change.
package onnx

import (
	"fmt"
	"io"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/seqconv/seqconv/export/onnx/internal/onnxpb"
	"github.com/seqconv/seqconv/layers"
)

// Names and versions of the exported model.
const (
	// InputName names the graph input.
	InputName = "input"
	// OutputName names the graph output.
	OutputName = "output"
	// Opset is the ONNX operator set version the graph uses.
	Opset = 17
	// IRVersion is the ONNX IR version written into the model (the one
	// released with opset 17).
	IRVersion = 8
)

// Marshal returns the ONNX model (serialized ModelProto) computing, in
// inference mode, the Sequential stack ls built for inputs of shape
// inputShape (batch axis omitted, -1 for a variable axis).
func Marshal(inputShape []int, ls []layers.Layer) ([]byte, error) {
	m, err := build(inputShape, ls)
	if err != nil {
		return nil, err
	}
	return proto.Marshal(m)
}

// Write writes the ONNX model of ls (see Marshal) to w.
func Write(w io.Writer, inputShape []int, ls []layers.Layer) error {
	data, err := Marshal(inputShape, ls)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// WriteFile writes the ONNX model of ls (see Marshal) to the file path.
func WriteFile(path string, inputShape []int, ls []layers.Layer) error {
	data, err := Marshal(inputShape, ls)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	return nil
}

// Physical layouts of the tensor flowing through the graph. Keras's own
// layout is ntc for sequences and nf for flat features; ONNX convolutions
// want nct and ONNX recurrent operators tnc.
const (
	ids = "NT" // int64 token ids
	nf  = "NF"
	ntc = "NTC"
	nct = "NCT"
	tnc = "TNC"
)

// flow is the tensor between two layers: its name, physical layout and
// Keras shape (batch omitted, Keras axis order, -1 for unknown).
type flow struct {
	name   string
	layout string
	shape  []int
}

type exporter struct {
	*graph
	x flow
}

func build(inputShape []int, ls []layers.Layer) (*onnxpb.ModelProto, error) {
	if len(ls) == 0 {
		return nil, fmt.Errorf("onnx: the model has no layers")
	}
	if len(inputShape) == 0 {
		return nil, fmt.Errorf("onnx: the model has no input shape")
	}
	e := &exporter{graph: newGraph("seqconv")}
	inDims := append([]int{-1}, inputShape...)
	params := []string{"batch"}
	for range inputShape {
		params = append(params, "time")
	}
	e.x = flow{name: InputName, shape: append([]int(nil), inputShape...)}
	switch {
	case ls[0].ClassName() == "Embedding":
		e.x.layout = ids
		e.g.Input = append(e.g.Input, valueInfo(InputName, onnxpb.TensorProto_INT64, inDims, params))
	case len(inputShape) == 2:
		e.x.layout = ntc
		e.g.Input = append(e.g.Input, valueInfo(InputName, onnxpb.TensorProto_FLOAT, inDims, params))
	case len(inputShape) == 1:
		e.x.layout = nf
		e.g.Input = append(e.g.Input, valueInfo(InputName, onnxpb.TensorProto_FLOAT, inDims, params))
	default:
		return nil, fmt.Errorf("onnx: input shape %v: want (features), (time, features) or token ids", inputShape)
	}
	for i, l := range ls {
		if err := e.layer(l); err != nil {
			return nil, fmt.Errorf("onnx: layer %d (%s %q): %w", i, l.ClassName(), l.Name(), err)
		}
		out := l.OutputShape()
		if (e.x.layout == nf) != (len(out) == 1) || len(out) > 2 {
			return nil, fmt.Errorf("onnx: layer %d (%s %q): exported layout %s does not match the layer's output shape %v", i, l.ClassName(), l.Name(), e.x.layout, out)
		}
		e.x.shape = append([]int(nil), out...)
	}
	// Hand the result back in Keras's layout.
	if len(e.x.shape) == 2 {
		e.to(ntc)
	}
	e.nodeOut("Identity", []string{e.x.name}, []string{OutputName})
	e.g.Output = append(e.g.Output, valueInfo(OutputName, onnxpb.TensorProto_FLOAT, append([]int{-1}, e.x.shape...), []string{"batch"}))
	return &onnxpb.ModelProto{
		IrVersion:       IRVersion,
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}},
		ProducerName:    "seqconv",
		ProducerVersion: "1",
		DocString:       "Exported from a seqconv Sequential model; input and output follow Keras's layout.",
		Graph:           e.g,
	}, nil
}

// to transposes the flowing 3-D tensor to the physical layout want.
func (e *exporter) to(want string) {
	have := e.x.layout
	if have == want {
		return
	}
	perm := make([]int, len(want))
	for i := range want {
		for j := range have {
			if have[j] == want[i] {
				perm[i] = j
			}
		}
	}
	e.x.name = e.node("Transpose", "to_"+want, []string{e.x.name}, attrInts("perm", perm...))
	e.x.layout = want
}

// axis returns the physical index of the logical axis c ('N', 'T', 'C' or
// 'F') in the flowing tensor.
func (e *exporter) axis(c byte) int {
	for i := range e.x.layout {
		if e.x.layout[i] == c {
			return i
		}
	}
	return -1
}

// channelAxis is where Keras's last axis sits physically.
func (e *exporter) channelAxis() int {
	if e.x.layout == nf {
		return 1
	}
	return e.axis('C')
}

// activation appends Keras activation act over the flowing tensor.
func (e *exporter) activation(act, base string) error {
	var op string
	var attrs []*onnxpb.AttributeProto
	switch act {
	case "", "linear":
		return nil
	case "relu":
		op = "Relu"
	case "sigmoid":
		op = "Sigmoid"
	case "tanh":
		op = "Tanh"
	case "softmax":
		op = "Softmax"
		attrs = append(attrs, attrInt("axis", e.channelAxis()))
	default:
		return fmt.Errorf("activation %q has no ONNX export (supported: linear, relu, sigmoid, tanh, softmax)", act)
	}
	e.x.name = e.node(op, base+"_"+act, []string{e.x.name}, attrs...)
	return nil
}

// param returns the layer's Param named name, or nil.
func param(l layers.Layer, name string) *layers.Param {
	for _, p := range l.Params() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (e *exporter) need3D(class string) error {
	if len(e.x.shape) != 2 || e.x.layout == nf || e.x.layout == ids {
		return fmt.Errorf("%s needs a (time, channels) input, got shape %v", class, e.x.shape)
	}
	return nil
}

func (e *exporter) layer(l layers.Layer) error {
	cfg := l.Config()
	r := &cfgReader{cfg: cfg}
	base := l.Name()
	if base == "" {
		base = l.ClassName()
	}
	switch l.ClassName() {
	case "Embedding":
		if e.x.layout != ids {
			return fmt.Errorf("Embedding is supported only as the first layer")
		}
		if r.bool("mask_zero", false) {
			return fmt.Errorf("mask_zero=True has no ONNX export")
		}
		emb := param(l, "embeddings")
		if emb == nil || len(emb.Value.Shape) != 2 {
			return fmt.Errorf("missing (input_dim, output_dim) embeddings weight")
		}
		w := e.floats(base+"_embeddings", emb.Value.Data, emb.Value.Shape...)
		e.x.name = e.node("Gather", base, []string{w, e.x.name}, attrInt("axis", 0))
		e.x.layout = ntc
		return r.err

	case "Conv1D":
		return e.conv(l, r, base)

	case "MaxPooling1D", "AveragePooling1D":
		if err := e.need3D(l.ClassName()); err != nil {
			return err
		}
		p := r.int("pool_size", 2)
		s := r.int("strides", p)
		padding := r.str("padding", "valid")
		if df := r.str("data_format", "channels_last"); df != "channels_last" {
			return fmt.Errorf("data_format %q: only channels_last is supported", df)
		}
		if r.err != nil {
			return r.err
		}
		e.to(nct)
		attrs := []*onnxpb.AttributeProto{attrInts("kernel_shape", p), attrInts("strides", s)}
		pa, err := pads(padding, e.x.shape[0], p, s, 1)
		if err != nil {
			return err
		}
		attrs = append(attrs, pa...)
		op := "MaxPool"
		if l.ClassName() == "AveragePooling1D" {
			op = "AveragePool"
			// Keras averages over the real (unpadded) entries only.
			attrs = append(attrs, attrInt("count_include_pad", 0))
		}
		e.x.name = e.node(op, base, []string{e.x.name}, attrs...)
		return nil

	case "GlobalMaxPooling1D", "GlobalAveragePooling1D":
		if err := e.need3D(l.ClassName()); err != nil {
			return err
		}
		keep := r.bool("keepdims", false)
		if df := r.str("data_format", "channels_last"); df != "channels_last" {
			return fmt.Errorf("data_format %q: only channels_last is supported", df)
		}
		if r.err != nil {
			return r.err
		}
		op := "ReduceMax"
		if l.ClassName() == "GlobalAveragePooling1D" {
			op = "ReduceMean"
		}
		k := 0
		if keep {
			k = 1
		}
		e.x.name = e.node(op, base, []string{e.x.name}, attrInts("axes", e.axis('T')), attrInt("keepdims", k))
		if !keep {
			e.x.layout = nf
		}
		return nil

	case "Flatten":
		if len(e.x.shape) == 1 {
			return nil
		}
		if err := e.need3D("Flatten"); err != nil {
			return err
		}
		e.to(ntc) // Keras flattens time-major, channels-last
		e.x.name = e.node("Flatten", base, []string{e.x.name}, attrInt("axis", 1))
		e.x.layout = nf
		return nil

	case "Dense":
		return e.dense(l, r, base)

	case "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout":
		return nil // identity at inference

	case "Activation":
		act := r.str("activation", "linear")
		if r.err != nil {
			return r.err
		}
		return e.activation(act, base)

	case "GRU", "LSTM", "SimpleRNN":
		if err := e.need3D(l.ClassName()); err != nil {
			return err
		}
		goBack := r.bool("go_backwards", false)
		if r.err != nil {
			return r.err
		}
		dir := "forward"
		if goBack {
			dir = "reverse"
		}
		return e.recurrent(l.ClassName(), cfg, [][]*layers.Param{l.Params()}, dir, "", base)

	case "Bidirectional":
		if err := e.need3D("Bidirectional"); err != nil {
			return err
		}
		merge := r.str("merge_mode", "concat")
		if r.err != nil {
			return r.err
		}
		inner, ok := cfg["layer"].(map[string]any)
		if !ok {
			return fmt.Errorf("config has no wrapped layer")
		}
		class, _ := inner["class_name"].(string)
		icfg, _ := inner["config"].(map[string]any)
		if class != "GRU" && class != "LSTM" && class != "SimpleRNN" || icfg == nil {
			return fmt.Errorf("wraps %q; only GRU, LSTM and SimpleRNN have an ONNX export", class)
		}
		if b, _ := layers.ConfigBool(icfg, "go_backwards", false); b {
			return fmt.Errorf("a wrapped layer with go_backwards=True has no ONNX export")
		}
		ps := l.Params()
		if len(ps)%2 != 0 || len(ps) == 0 {
			return fmt.Errorf("%d weights cannot split into forward and backward halves", len(ps))
		}
		return e.recurrent(class, icfg, [][]*layers.Param{ps[:len(ps)/2], ps[len(ps)/2:]}, "bidirectional", merge, base)
	}
	return fmt.Errorf("layer class %s has no ONNX export", l.ClassName())
}

// pads returns the padding attributes of a 1-D window of size k, stride s
// and dilation d over length t (-1 when variable) for Keras padding mode.
// Keras ("same" as TensorFlow defines it) puts the odd extra pad at the end,
// which is ONNX's SAME_UPPER.
func pads(mode string, t, k, s, d int) ([]*onnxpb.AttributeProto, error) {
	switch mode {
	case "valid":
		return nil, nil
	case "causal":
		return []*onnxpb.AttributeProto{attrInts("pads", (k-1)*d, 0)}, nil
	case "same":
		if t < 0 {
			return []*onnxpb.AttributeProto{attrString("auto_pad", "SAME_UPPER")}, nil
		}
		out := (t + s - 1) / s
		total := max((out-1)*s+(k-1)*d+1-t, 0)
		return []*onnxpb.AttributeProto{attrInts("pads", total/2, total-total/2)}, nil
	}
	return nil, fmt.Errorf("padding %q has no ONNX export (want valid, same or causal)", mode)
}

func (e *exporter) conv(l layers.Layer, r *cfgReader, base string) error {
	if err := e.need3D("Conv1D"); err != nil {
		return err
	}
	s := r.int("strides", 1)
	d := r.int("dilation_rate", 1)
	groups := r.int("groups", 1)
	padding := r.str("padding", "valid")
	act := r.str("activation", "linear")
	if df := r.str("data_format", "channels_last"); df != "channels_last" {
		return fmt.Errorf("data_format %q: only channels_last is supported", df)
	}
	if r.err != nil {
		return r.err
	}
	if groups != 1 {
		return fmt.Errorf("groups = %d: only 1 is supported", groups)
	}
	kp := param(l, "kernel")
	if kp == nil || len(kp.Value.Shape) != 3 {
		return fmt.Errorf("missing (kernel_size, in, filters) kernel")
	}
	k, in, f := kp.Value.Shape[0], kp.Value.Shape[1], kp.Value.Shape[2]
	// Keras (k, in, f) → ONNX (f, in, k).
	w := make([]float32, len(kp.Value.Data))
	for j := range k {
		for i := range in {
			for o := range f {
				w[(o*in+i)*k+j] = kp.Value.Data[(j*in+i)*f+o]
			}
		}
	}
	inputs := []string{e.x.name, e.floats(base+"_W", w, f, in, k)}
	if b := param(l, "bias"); b != nil {
		inputs = append(inputs, e.floats(base+"_B", b.Value.Data, f))
	}
	e.to(nct)
	inputs[0] = e.x.name
	attrs := []*onnxpb.AttributeProto{attrInts("kernel_shape", k), attrInts("strides", s), attrInts("dilations", d)}
	pa, err := pads(padding, e.x.shape[0], k, s, d)
	if err != nil {
		return err
	}
	e.x.name = e.node("Conv", base, inputs, append(attrs, pa...)...)
	return e.activation(act, base)
}

func (e *exporter) dense(l layers.Layer, r *cfgReader, base string) error {
	act := r.str("activation", "linear")
	if r.err != nil {
		return r.err
	}
	kp := param(l, "kernel")
	if kp == nil || len(kp.Value.Shape) != 2 {
		return fmt.Errorf("missing (in, units) kernel")
	}
	in, units := kp.Value.Shape[0], kp.Value.Shape[1]
	w := e.floats(base+"_W", kp.Value.Data, in, units)
	var b string
	if bp := param(l, "bias"); bp != nil {
		b = e.floats(base+"_B", bp.Value.Data, units)
	}
	switch {
	case e.x.layout == nf:
		inputs := []string{e.x.name, w}
		if b != "" {
			inputs = append(inputs, b)
		}
		e.x.name = e.node("Gemm", base, inputs)
	case len(e.x.shape) == 2 && e.x.layout != ids:
		// Keras applies Dense to the last axis of a sequence.
		e.to(ntc)
		e.x.name = e.node("MatMul", base+"_matmul", []string{e.x.name, w})
		if b != "" {
			e.x.name = e.node("Add", base, []string{e.x.name, b})
		}
	default:
		return fmt.Errorf("Dense input of shape %v has no ONNX export", e.x.shape)
	}
	return e.activation(act, base)
}
