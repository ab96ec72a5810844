package keras

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/seqconv/seqconv/internal/npz"
	"github.com/seqconv/seqconv/tensor"
)

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
	if err := npz.WriteNPZ(&buf, []*tensor.Tensor{a, b}); err != nil {
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
	got, err := npz.ReadTensors(bytes.NewReader(data), int64(len(data)))
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
