package onnx

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/layers"
)

// TestONNXChecker runs the reference ONNX checker (full check, with strict
// shape inference) over exported models and compares the output shape it
// infers. It needs Python's onnx package (Debian: python3-onnx).
func TestONNXChecker(t *testing.T) {
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if lp, err := exec.LookPath(p); err == nil && exec.Command(lp, "-c", "import onnx").Run() == nil {
			py = lp
			break
		}
	}
	if py == "" {
		t.Skip("no python3 with the onnx package (Debian: apt-get install python3-onnx); skipping the ONNX checker")
	}
	relu := layers.WithActivation("relu")
	cases := []struct {
		name string
		in   []int
		ls   []layers.Layer
		out  string // output shape as the checker infers it
	}{
		{"imdb", []int{500}, []layers.Layer{
			layers.Embedding(100, 8), layers.Conv1D(4, 7, relu), layers.MaxPooling1D(5),
			layers.Conv1D(4, 7, relu), layers.GlobalMaxPooling1D(), layers.Dense(1),
		}, "batch,1"},
		{"jena", []int{480, 14}, []layers.Layer{
			layers.Conv1D(4, 5, relu), layers.MaxPooling1D(3), layers.Conv1D(4, 5, relu), layers.GRU(3), layers.Dense(1),
		}, "batch,1"},
		{"bidirectional_sequences", []int{-1, 3}, []layers.Layer{
			layers.Bidirectional(layers.LSTM(4, layers.WithReturnSequences(true))),
			layers.GRU(2, layers.WithReturnSequences(true), layers.WithGoBackwards(true)),
			layers.Flatten(),
		}, ""},
		{"pools_same", []int{13, 3}, []layers.Layer{
			layers.Conv1D(4, 3, layers.WithPadding("causal")), layers.AveragePooling1D(2, layers.WithPadding("same")),
			layers.GlobalAveragePooling1D(), layers.Dropout(0.3), layers.Dense(2, layers.WithActivation("softmax")),
		}, "batch,2"},
	}
	dir := t.TempDir()
	var paths []string
	for _, c := range cases {
		buildLayers(t, c.in, c.ls...)
		p := filepath.Join(dir, c.name+".onnx")
		if err := WriteFile(p, c.in, c.ls); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		paths = append(paths, p)
	}
	script := `
import sys, onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    m = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    dims = m.graph.output[0].type.tensor_type.shape.dim
    print(",".join(d.dim_param or (str(d.dim_value) if d.HasField("dim_value") else "?") for d in dims))
`
	out, err := exec.Command(py, append([]string{"-c", script}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx checker: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("checker printed %q", out)
	}
	for i, c := range cases {
		t.Logf("%s: valid, output (%s)", c.name, lines[i])
		if c.out != "" && lines[i] != c.out {
			t.Errorf("%s: checker infers output shape (%s), want (%s)", c.name, lines[i], c.out)
		}
	}
}
