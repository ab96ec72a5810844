package keras

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestNPYHeaderAlignment(t *testing.T) {
	for _, shape := range [][]int{{}, {3}, {7, 1, 32}, {10000, 128}, {2, 96}} {
		var b bytes.Buffer
		x := tensor.New(shape...)
		if err := writeNPY(&b, x); err != nil {
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
	if err := writeNPZ(&buf, []*tensor.Tensor{a, b, c}); err != nil {
		t.Fatal(err)
	}
	got, err := readNPZ(buf.Bytes())
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

func TestParseNPYHeader(t *testing.T) {
	descr, fortran, shape, err := parseNPYHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 4L), }   \n")
	if err != nil || descr != "<f8" || fortran || len(shape) != 2 || shape[0] != 3 || shape[1] != 4 {
		t.Errorf("got %q %v %v %v", descr, fortran, shape, err)
	}
	if _, _, _, err := parseNPYHeader("{'fortran_order': False, 'shape': (3,), }"); err == nil {
		t.Error("header without descr accepted")
	}
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	h := "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }"
	b.WriteByte(byte(len(h)))
	b.WriteByte(0)
	b.WriteString(h)
	b.Write(make([]byte, 8))
	if _, err := readNPY(&b); err == nil || !strings.Contains(err.Error(), "<i8") {
		t.Errorf("int64 array: err = %v, want an error naming the dtype", err)
	}
}

// numpyPython returns a Python interpreter with numpy, or skips the test.
func numpyPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(py); err == nil {
			if exec.Command(p, "-c", "import numpy").Run() == nil {
				return p
			}
		}
	}
	t.Skip("no python3 with numpy (Debian: apt-get install python3-numpy); skipping the numpy cross-check")
	return ""
}

// TestNPZNumpy checks that numpy reads our archives and that we read
// numpy's, including float64 and compressed archives.
func TestNPZNumpy(t *testing.T) {
	py := numpyPython(t)
	dir := t.TempDir()
	a, _ := tensor.FromData([]float32{1, -2.5, 3e-8, 4, 5, 6}, 2, 3)
	b, _ := tensor.FromData([]float32{0.1, 7}, 2)
	ours := filepath.Join(dir, "ours.npz")
	var buf bytes.Buffer
	if err := writeNPZ(&buf, []*tensor.Tensor{a, b}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ours, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(dir, "theirs.npz")
	script := `
import sys, numpy as np
w = np.load(sys.argv[1])
for i in range(len(w.files)):
    a = w["arr_%d" % i]
    print(a.dtype, a.shape, " ".join(repr(float(v)) for v in a.ravel()))
np.savez_compressed(sys.argv[2], np.arange(6, dtype=np.float32).reshape(3, 2) / 4, np.array([[1.5]], dtype=np.float64))
`
	out, err := exec.Command(py, "-c", script, ours, theirs).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := "float32 (2, 3) 1.0 -2.5 2.999999892949745e-08 4.0 5.0 6.0\nfloat32 (2,) 0.10000000149011612 7.0\n"
	if string(out) != want {
		t.Errorf("numpy read:\n%s\nwant:\n%s", out, want)
	}
	data, err := os.ReadFile(theirs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readNPZ(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !tensor.SameShape(got[0].Shape, []int{3, 2}) || !tensor.SameShape(got[1].Shape, []int{1, 1}) {
		t.Fatalf("read numpy archive: %v", got)
	}
	if got[0].Data[5] != 1.25 || got[1].Data[0] != 1.5 {
		t.Errorf("values %v %v, want last 1.25 and 1.5", got[0].Data, got[1].Data)
	}
}
