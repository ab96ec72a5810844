package onnx

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/seqconv/seqconv/export/onnx/internal/onnxpb"
	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/model"
)

func buildLayers(t *testing.T, in []int, ls ...layers.Layer) []layers.Layer {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	shape := in
	for _, l := range ls {
		if err := l.Build(shape, rng); err != nil {
			t.Fatal(err)
		}
		shape = l.OutputShape()
	}
	return ls
}

func decode(t *testing.T, data []byte) *onnxpb.ModelProto {
	t.Helper()
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(data, m); err != nil {
		t.Fatal(err)
	}
	return m
}

func initializer(m *onnxpb.ModelProto, name string) *onnxpb.TensorProto {
	for _, i := range m.Graph.Initializer {
		if i.Name == name {
			return i
		}
	}
	return nil
}

func floatsOf(tp *onnxpb.TensorProto) []float32 {
	out := make([]float32, len(tp.RawData)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(tp.RawData[4*i:]))
	}
	return out
}

// TestGraphStructure checks the node sequence, the transposes the layout
// tracking inserts, and the weight layouts of a conv → GRU → Dense model.
func TestGraphStructure(t *testing.T) {
	conv := layers.Conv1D(5, 3, layers.WithActivation("relu"), layers.WithName("conv"))
	gru := layers.GRU(4, layers.WithName("gru"))
	dense := layers.Dense(1, layers.WithName("dense"))
	ls := buildLayers(t, []int{-1, 2}, conv, gru, dense)
	data, err := Marshal([]int{-1, 2}, ls)
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, data)
	if m.IrVersion != IRVersion || len(m.OpsetImport) != 1 || m.OpsetImport[0].Version != Opset {
		t.Errorf("ir %d opset %v", m.IrVersion, m.OpsetImport)
	}
	var ops []string
	for _, n := range m.Graph.Node {
		ops = append(ops, n.OpType)
	}
	want := []string{"Transpose", "Conv", "Relu", "Transpose", "GRU", "Squeeze", "Gemm", "Identity"}
	if !slices.Equal(ops, want) {
		t.Errorf("ops %v, want %v", ops, want)
	}
	// NCT → TNC is one transpose with perm (2, 0, 1).
	if p := m.Graph.Node[3].Attribute[0].Ints; !slices.Equal(p, []int64{2, 0, 1}) {
		t.Errorf("NCT→TNC perm %v", p)
	}
	in := m.Graph.Input[0].Type.GetTensorType()
	if in.ElemType != int32(onnxpb.TensorProto_FLOAT) || in.Shape.Dim[0].GetDimParam() != "batch" || in.Shape.Dim[1].GetDimParam() != "time" || in.Shape.Dim[2].GetDimValue() != 2 {
		t.Errorf("input type %v", in)
	}
	// Conv weight: Keras (k, in, f) → ONNX (f, in, k).
	w := initializer(m, "conv_W")
	if w == nil || !slices.Equal(w.Dims, []int64{5, 2, 3}) {
		t.Fatalf("conv_W %v", w)
	}
	kv := conv.Params()[0].Value
	got := floatsOf(w)
	for j := range 3 {
		for i := range 2 {
			for o := range 5 {
				if got[(o*2+i)*3+j] != kv.Data[(j*2+i)*5+o] {
					t.Fatalf("conv_W[%d,%d,%d] = %v, want kernel[%d,%d,%d] = %v", o, i, j, got[(o*2+i)*3+j], j, i, o, kv.Data[(j*2+i)*5+o])
				}
			}
		}
	}
	// GRU: W (1, 3u, in) is the transposed kernel; B (1, 6u) the two bias rows.
	gw := initializer(m, "gru_W")
	if gw == nil || !slices.Equal(gw.Dims, []int64{1, 12, 5}) {
		t.Fatalf("gru_W %v", gw)
	}
	gk := gru.Params()[0].Value // (5, 12)
	if gv := floatsOf(gw); gv[7*5+3] != gk.Data[3*12+7] {
		t.Errorf("gru_W[0,7,3] = %v, want kernel[3,7] = %v", gv[7*5+3], gk.Data[3*12+7])
	}
	if b := initializer(m, "gru_B"); b == nil || !slices.Equal(b.Dims, []int64{1, 24}) {
		t.Errorf("gru_B %v", b)
	}
	for _, n := range m.Graph.Node {
		if n.OpType == "GRU" {
			for _, a := range n.Attribute {
				if a.Name == "linear_before_reset" && a.I != 1 {
					t.Errorf("reset_after GRU has linear_before_reset %d", a.I)
				}
			}
		}
	}
	if out := m.Graph.Output[0]; out.Name != OutputName || len(out.Type.GetTensorType().Shape.Dim) != 2 {
		t.Errorf("output %v", out)
	}
}

func TestPads(t *testing.T) {
	cases := []struct {
		mode          string
		t, k, s, d    int
		before, after int64
	}{
		{"same", 11, 4, 2, 1, 1, 2}, // out 6: total (6-1)*2+4-11 = 3
		{"same", 10, 3, 1, 1, 1, 1},
		{"same", 10, 4, 1, 1, 1, 2}, // the odd pad goes last
		{"same", 10, 3, 1, 2, 2, 2},
		{"causal", 10, 3, 1, 2, 4, 0},
	}
	for _, c := range cases {
		a, err := pads(c.mode, c.t, c.k, c.s, c.d)
		if err != nil || len(a) != 1 || !slices.Equal(a[0].Ints, []int64{c.before, c.after}) {
			t.Errorf("pads(%s, t=%d, k=%d, s=%d, d=%d) = %v, %v; want [%d %d]", c.mode, c.t, c.k, c.s, c.d, a, err, c.before, c.after)
		}
	}
	if a, _ := pads("same", -1, 3, 1, 1); len(a) != 1 || string(a[0].S) != "SAME_UPPER" {
		t.Errorf("variable length same: %v", a)
	}
	if a, err := pads("valid", 10, 3, 1, 1); a != nil || err != nil {
		t.Errorf("valid: %v %v", a, err)
	}
	if _, err := pads("full", 10, 3, 1, 1); err == nil {
		t.Error("padding full accepted")
	}
}

func TestExportErrors(t *testing.T) {
	if _, err := Marshal([]int{4, 2}, nil); err == nil {
		t.Error("empty model accepted")
	}
	ls := buildLayers(t, []int{4, 2}, layers.Dense(3, layers.WithActivation("relu")))
	if _, err := Marshal(nil, ls); err == nil {
		t.Error("missing input shape accepted")
	}
	// A GRU (built for sequences) after a Dense that yields flat features.
	flat := buildLayers(t, []int{4}, layers.Dense(2))
	seq := buildLayers(t, []int{4, 2}, layers.GRU(2))
	_, err := Marshal([]int{4}, append(flat, seq...))
	if err == nil || !strings.Contains(err.Error(), "GRU needs a (time, channels) input") {
		t.Errorf("GRU after a flat Dense: err = %v", err)
	}
}

func TestMarshalModel(t *testing.T) {
	m := model.NewSequential(layers.Embedding(20, 4), layers.GlobalAveragePooling1D(), layers.Dense(1))
	if _, err := MarshalModel(m); err == nil || !strings.Contains(err.Error(), "not built") {
		t.Errorf("unbuilt model: err = %v", err)
	}
	if err := m.Build(-1); err != nil {
		t.Fatal(err)
	}
	data, err := MarshalModel(m)
	if err != nil {
		t.Fatal(err)
	}
	in := decode(t, data).Graph.Input[0].Type.GetTensorType()
	if in.ElemType != int32(onnxpb.TensorProto_INT64) || len(in.Shape.Dim) != 2 || in.Shape.Dim[1].GetDimParam() != "time" {
		t.Errorf("Embedding model input %v, want int64 (batch, time)", in)
	}
}
