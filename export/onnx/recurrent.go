package onnx

import (
	"fmt"
	"math"
	"strings"

	"github.com/seqconv/seqconv/export/onnx/internal/onnxpb"
	"github.com/seqconv/seqconv/layers"
)

// rnnAct maps a Keras recurrent activation onto an ONNX recurrent-operator
// activation and the (alpha, beta) it consumes, if any.
func rnnAct(a string) (name string, alpha, beta []float32, err error) {
	switch a {
	case "sigmoid":
		return "Sigmoid", nil, nil, nil
	case "tanh":
		return "Tanh", nil, nil, nil
	case "relu":
		return "Relu", nil, nil, nil
	case "hard_sigmoid":
		// Keras 3 (and seqconv): relu6(x+3)/6 = clip(x/6 + 1/2, 0, 1).
		return "HardSigmoid", []float32{1.0 / 6}, []float32{0.5}, nil
	case "linear", "":
		return "Affine", []float32{1}, []float32{0}, nil
	}
	return "", nil, nil, fmt.Errorf("recurrent activation %q has no ONNX export", a)
}

// gateBlocks returns the ONNX gate order as indices of Keras's gate blocks.
func gateBlocks(class string) []int {
	switch class {
	case "GRU":
		return []int{0, 1, 2} // both z, r, h
	case "LSTM":
		return []int{0, 3, 1, 2} // ONNX i, o, f, c from Keras i, f, c, o
	}
	return []int{0}
}

// transposeBlocks turns a Keras (rows, gates·u) matrix into ONNX's
// (gates·u, rows) with the gate blocks reordered.
func transposeBlocks(src []float32, rows, u int, blocks []int) []float32 {
	g := len(blocks)
	out := make([]float32, 0, rows*g*u)
	for _, b := range blocks {
		for j := range u {
			col := b*u + j
			for i := range rows {
				out = append(out, src[i*g*u+col])
			}
		}
	}
	return out
}

// recurrent exports a GRU, LSTM or SimpleRNN with config cfg; dirs holds
// the Params of each direction (one, or forward and backward for
// Bidirectional with merge mode merge).
func (e *exporter) recurrent(class string, cfg map[string]any, dirs [][]*layers.Param, direction, merge, base string) error {
	r := &cfgReader{cfg: cfg}
	u := r.int("units", 0)
	act := r.str("activation", "tanh")
	recAct := r.str("recurrent_activation", "sigmoid")
	retSeq := r.bool("return_sequences", false)
	retState := r.bool("return_state", false)
	resetAfter := r.bool("reset_after", true)
	stateful := r.bool("stateful", false)
	if r.err != nil {
		return r.err
	}
	if u <= 0 {
		return fmt.Errorf("units = %d", u)
	}
	if retState || stateful {
		return fmt.Errorf("return_state and stateful have no ONNX export")
	}
	var acts []string
	switch class {
	case "GRU":
		acts = []string{recAct, act}
	case "LSTM":
		acts = []string{recAct, act, act}
	default:
		acts = []string{act}
	}
	var names []string
	var alphas, betas []float32
	for range dirs {
		for _, a := range acts {
			n, al, be, err := rnnAct(a)
			if err != nil {
				return err
			}
			names = append(names, n)
			alphas = append(alphas, al...)
			betas = append(betas, be...)
		}
	}

	blocks := gateBlocks(class)
	g := len(blocks)
	in := e.x.shape[1]
	var w, rw, bias []float32
	hasBias := false
	for d, ps := range dirs {
		byName := map[string]*layers.Param{}
		for _, p := range ps {
			// Bidirectional prefixes its directions' weights ("forward_gru/kernel").
			byName[p.Name[strings.LastIndexByte(p.Name, '/')+1:]] = p
		}
		k, rk, b := byName["kernel"], byName["recurrent_kernel"], byName["bias"]
		if k == nil || rk == nil {
			return fmt.Errorf("direction %d: missing kernel or recurrent_kernel", d)
		}
		if k.Value.Len() != in*g*u || rk.Value.Len() != u*g*u {
			return fmt.Errorf("direction %d: kernel %v and recurrent_kernel %v do not fit %d inputs and %d units", d, k.Value.Shape, rk.Value.Shape, in, u)
		}
		w = append(w, transposeBlocks(k.Value.Data, in, u, blocks)...)
		rw = append(rw, transposeBlocks(rk.Value.Data, u, u, blocks)...)
		if d > 0 && hasBias != (b != nil) {
			return fmt.Errorf("directions disagree on use_bias")
		}
		hasBias = b != nil
		if b == nil {
			continue
		}
		// ONNX B is (input bias Wb, recurrent bias Rb); Keras has a second
		// row only for GRU with reset_after.
		wb := make([]float32, 0, g*u)
		rb := make([]float32, g*u)
		src := b.Value.Data
		switch {
		case class == "GRU" && resetAfter && len(src) == 2*g*u:
			for _, blk := range blocks {
				wb = append(wb, src[blk*u:(blk+1)*u]...)
			}
			for i, blk := range blocks {
				copy(rb[i*u:], src[g*u+blk*u:g*u+(blk+1)*u])
			}
		case len(src) == g*u:
			for _, blk := range blocks {
				wb = append(wb, src[blk*u:(blk+1)*u]...)
			}
		default:
			return fmt.Errorf("direction %d: bias of shape %v does not fit %d units", d, b.Value.Shape, u)
		}
		bias = append(bias, wb...)
		bias = append(bias, rb...)
	}
	nd := len(dirs)
	op := map[string]string{"GRU": "GRU", "LSTM": "LSTM", "SimpleRNN": "RNN"}[class]
	inputs := []string{"", e.floats(base+"_W", w, nd, g*u, in), e.floats(base+"_R", rw, nd, g*u, u)}
	if hasBias {
		inputs = append(inputs, e.floats(base+"_B", bias, nd, 2*g*u))
	}
	attrs := []*onnxpb.AttributeProto{
		attrInt("hidden_size", u),
		attrString("direction", direction),
		attrStrings("activations", names...),
	}
	if len(alphas) > 0 {
		attrs = append(attrs, attrFloats("activation_alpha", alphas...), attrFloats("activation_beta", betas...))
	}
	if class == "GRU" {
		lbr := 0
		if resetAfter {
			lbr = 1
		}
		attrs = append(attrs, attrInt("linear_before_reset", lbr))
	}

	e.to(tnc)
	inputs[0] = e.x.name
	var y, yh string
	outputs := []string{"", ""}
	if retSeq {
		y = e.fresh(base + "_Y")
		outputs[0] = y
	} else {
		yh = e.fresh(base + "_Y_h")
		outputs[1] = yh
	}
	e.nodeOut(op, inputs, outputs, attrs...)

	// Y is (time, directions, batch, units); Y_h is (directions, batch, units).
	src, dirAxis := yh, 0
	if retSeq {
		src, dirAxis = y, 1
	}
	var out string
	switch {
	case nd == 1:
		out = e.node("Squeeze", base+"_out", []string{src, e.ints(base+"_axes", []int64{int64(dirAxis)}, 1)})
	case merge == "concat":
		if retSeq {
			t := e.node("Transpose", base+"_tndu", []string{src}, attrInts("perm", 0, 2, 1, 3))
			out = e.node("Reshape", base+"_out", []string{t, e.ints(base+"_shape", []int64{0, 0, -1}, 3)})
		} else {
			t := e.node("Transpose", base+"_ndu", []string{src}, attrInts("perm", 1, 0, 2))
			out = e.node("Reshape", base+"_out", []string{t, e.ints(base+"_shape", []int64{0, -1}, 2)})
		}
	case merge == "sum" || merge == "mul" || merge == "ave":
		fw := e.node("Gather", base+"_fw", []string{src, e.ints(base+"_i0", []int64{0})}, attrInt("axis", dirAxis))
		bw := e.node("Gather", base+"_bw", []string{src, e.ints(base+"_i1", []int64{1})}, attrInt("axis", dirAxis))
		switch merge {
		case "sum":
			out = e.node("Add", base+"_out", []string{fw, bw})
		case "mul":
			out = e.node("Mul", base+"_out", []string{fw, bw})
		default:
			s := e.node("Add", base+"_sum", []string{fw, bw})
			out = e.node("Mul", base+"_out", []string{s, e.floats(base+"_half", []float32{0.5})})
		}
	default:
		return fmt.Errorf("merge_mode %q has no ONNX export (want concat, sum, mul or ave)", merge)
	}
	e.x.name = out
	if !retSeq {
		e.x.layout = nf
		return nil
	}
	e.x.layout = tnc
	if direction == "reverse" {
		// Keras returns a go_backwards sequence in processing order; ONNX
		// aligns it with the input, so flip the time axis.
		e.x.name = e.node("Slice", base+"_reversed", []string{
			e.x.name,
			e.ints(base+"_starts", []int64{-1}, 1),
			e.ints(base+"_ends", []int64{math.MinInt64}, 1),
			e.ints(base+"_saxes", []int64{0}, 1),
			e.ints(base+"_steps", []int64{-1}, 1),
		})
	}
	return nil
}
