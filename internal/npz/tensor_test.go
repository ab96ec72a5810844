package npz

import (
	"bytes"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestNPYHeaderAlignment(t *testing.T) {
	for _, shape := range [][]int{{}, {3}, {7, 1, 32}, {10000, 128}, {2, 96}} {
		var b bytes.Buffer
		x := tensor.New(shape...)
		if err := WriteNPY(&b, x); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		hlen := int(data[8]) | int(data[9])<<8
		if (10+hlen)%64 != 0 {
			t.Errorf("shape %v: data offset %d is not a multiple of 64", shape, 10+hlen)
		}
		if data[10+hlen-1] != '\n' {
			t.Errorf("shape %v: header does not end in a newline", shape)
		}
		if got, want := len(data)-10-hlen, 4*x.Len(); got != want {
			t.Errorf("shape %v: %d data bytes, want %d", shape, got, want)
		}
	}
}

func TestNPZRoundTrip(t *testing.T) {
	a, _ := tensor.FromData([]float32{1, -2.5, 3e-8, 4}, 2, 2)
	b, _ := tensor.FromData([]float32{0.125, 7, 8}, 3)
	c := tensor.New(2, 3, 1)
	for i := range c.Data {
		c.Data[i] = float32(i) / 3
	}
	var buf bytes.Buffer
	if err := WriteNPZ(&buf, []*tensor.Tensor{a, b, c}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	want := []*tensor.Tensor{a, b, c}
	if len(got) != len(want) {
		t.Fatalf("read %d arrays, want %d", len(got), len(want))
	}
	for i := range want {
		if !tensor.SameShape(got[i].Shape, want[i].Shape) {
			t.Errorf("arr_%d shape %v, want %v", i, got[i].Shape, want[i].Shape)
			continue
		}
		for j := range want[i].Data {
			if got[i].Data[j] != want[i].Data[j] {
				t.Errorf("arr_%d[%d] = %v, want %v", i, j, got[i].Data[j], want[i].Data[j])
			}
		}
	}
}

// npyBytes returns a version 1.0 .npy file with header h and data.
func npyBytes(h string, data []byte) *bytes.Buffer {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	b.WriteByte(byte(len(h)))
	b.WriteByte(0)
	b.WriteString(h)
	b.Write(data)
	return &b
}

func TestTensorHeaderAndDtype(t *testing.T) {
	a, err := parseHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 4L), }   \n")
	if err != nil || a.Descr != "<f8" || a.Fortran || len(a.Shape) != 2 || a.Shape[0] != 3 || a.Shape[1] != 4 {
		t.Errorf("got %+v %v", a, err)
	}
	if _, err := parseHeader("{'fortran_order': False, 'shape': (3,), }"); err == nil {
		t.Error("header without descr accepted")
	}
	a, err = ReadNPY(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Tensor(); err == nil || !strings.Contains(err.Error(), "<i8") {
		t.Errorf("int64 array: err = %v, want an error naming the dtype", err)
	}
	a, err = ReadNPY(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", make([]byte, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Tensor(); err == nil || !strings.Contains(err.Error(), "Fortran") {
		t.Errorf("Fortran-order array: err = %v, want an error naming the order", err)
	}
	// 1.5 as a little-endian float64.
	a, err = ReadNPY(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x3f}))
	if err != nil {
		t.Fatal(err)
	}
	if x, err := a.Tensor(); err != nil || len(x.Shape) != 0 || len(x.Data) != 1 || x.Data[0] != 1.5 {
		t.Errorf("float64 scalar: got %v, %v; want shape () holding 1.5", x, err)
	}
}
