package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/seqconv/seqconv/export/onnx/internal/onnxpb"
)

// graph accumulates the nodes and initializers of the exported graph.
type graph struct {
	g    *onnxpb.GraphProto
	used map[string]int
}

func newGraph(name string) *graph {
	return &graph{g: &onnxpb.GraphProto{Name: name}, used: map[string]int{}}
}

// fresh returns a tensor name based on base that is not used yet.
func (b *graph) fresh(base string) string {
	n := b.used[base]
	b.used[base] = n + 1
	if n == 0 {
		return base
	}
	return fmt.Sprintf("%s_%d", base, n)
}

// floats adds a float32 initializer and returns its name.
func (b *graph) floats(base string, data []float32, dims ...int) string {
	name := b.fresh(base)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{
		Name: name, Dims: int64s(dims), DataType: int32(onnxpb.TensorProto_FLOAT), RawData: raw,
	})
	return name
}

// ints adds an int64 initializer and returns its name.
func (b *graph) ints(base string, data []int64, dims ...int) string {
	name := b.fresh(base)
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{
		Name: name, Dims: int64s(dims), DataType: int32(onnxpb.TensorProto_INT64), Int64Data: data,
	})
	return name
}

// node adds a node with one output named after base and returns that name.
func (b *graph) node(op, base string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	out := b.fresh(base)
	b.nodeOut(op, inputs, []string{out}, attrs...)
	return out
}

// nodeOut adds a node with the given output names ("" for an omitted
// optional output).
func (b *graph) nodeOut(op string, inputs, outputs []string, attrs ...*onnxpb.AttributeProto) {
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{
		Name:      b.fresh(op + "_node"),
		OpType:    op,
		Input:     inputs,
		Output:    outputs,
		Attribute: attrs,
	})
}

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func attrInt(name string, v int) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: int64(v)}
}

func attrInts(name string, v ...int) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: int64s(v)}
}

func attrFloats(name string, v ...float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOATS, Floats: v}
}

func attrString(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

func attrStrings(name string, v ...string) *onnxpb.AttributeProto {
	bs := make([][]byte, len(v))
	for i, s := range v {
		bs[i] = []byte(s)
	}
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRINGS, Strings: bs}
}

// valueInfo describes a graph input or output: elem type and shape, where a
// negative dimension is symbolic and named by params[i] when given.
func valueInfo(name string, elem onnxpb.TensorProto_DataType, dims []int, params []string) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for i, d := range dims {
		dim := &onnxpb.TensorShapeProto_Dimension{}
		if d >= 0 {
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}
		} else if i < len(params) && params[i] != "" {
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: params[i]}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnxpb.ValueInfoProto{
		Name: name,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: int32(elem), Shape: shape,
		}}},
	}
}
