package keras

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/tensor"
)

// testModel builds a model covering conv, recurrent, bidirectional and
// dense weights, with random non-zero biases.
func testModel(t *testing.T) *Model {
	t.Helper()
	m := &Model{Name: "roundtrip", InputShape: []int{12, 3}, Layers: []layers.Layer{
		layers.Conv1D(4, 3, layers.WithActivation("relu"), layers.WithName("conv1d")),
		layers.GRU(5, layers.WithReturnSequences(true), layers.WithName("gru")),
		layers.Bidirectional(layers.LSTM(3), layers.WithName("bidirectional")),
		layers.Dense(2, layers.WithActivation("softmax"), layers.WithName("dense")),
	}}
	rng := rand.New(rand.NewPCG(3, 4))
	if err := m.Build(rng); err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Weights() {
		for i := range w.Data {
			w.Data[i] += float32(rng.Float64()*0.2 - 0.1)
		}
	}
	return m
}

func forward(t *testing.T, m *Model, x *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	for _, l := range m.Layers {
		y, err := l.Forward(x, false)
		if err != nil {
			t.Fatal(err)
		}
		x = y
	}
	return x.Clone()
}

func TestExportImportRoundTrip(t *testing.T) {
	m := testModel(t)
	dir := t.TempDir()
	if err := Export(dir, m); err != nil {
		t.Fatal(err)
	}
	back, err := Import(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Name != "roundtrip" || !tensor.SameShape(back.InputShape, m.InputShape) || len(back.Layers) != len(m.Layers) {
		t.Fatalf("imported %q %v with %d layers", back.Name, back.InputShape, len(back.Layers))
	}
	for i, l := range back.Layers {
		if l.ClassName() != m.Layers[i].ClassName() || l.Name() != m.Layers[i].Name() {
			t.Errorf("layer %d is %s %q, want %s %q", i, l.ClassName(), l.Name(), m.Layers[i].ClassName(), m.Layers[i].Name())
		}
	}
	x := tensor.New(2, 12, 3)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	want, got := forward(t, m, x), forward(t, back, x)
	if !tensor.SameShape(got.Shape, want.Shape) {
		t.Fatalf("output shape %v, want %v", got.Shape, want.Shape)
	}
	for i := range want.Data {
		if got.Data[i] != want.Data[i] {
			t.Fatalf("output[%d] = %v after the round trip, want bit-identical %v", i, got.Data[i], want.Data[i])
		}
	}
}

func TestJSONLayout(t *testing.T) {
	m := testModel(t)
	js, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Module       string `json:"module"`
		ClassName    string `json:"class_name"`
		KerasVersion string `json:"keras_version"`
		Backend      string `json:"backend"`
		Config       struct {
			Name   string `json:"name"`
			Layers []struct {
				ClassName string         `json:"class_name"`
				Config    map[string]any `json:"config"`
			} `json:"layers"`
		} `json:"config"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Module != "keras" || doc.ClassName != "Sequential" || doc.KerasVersion == "" || doc.Backend != "tensorflow" || doc.Config.Name != "roundtrip" {
		t.Errorf("header %+v", doc)
	}
	var classes []string
	for _, l := range doc.Config.Layers {
		classes = append(classes, l.ClassName)
	}
	if got := strings.Join(classes, " "); got != "InputLayer Conv1D GRU Bidirectional Dense" {
		t.Errorf("layers %s", got)
	}
	if bs := fmt.Sprint(doc.Config.Layers[0].Config["batch_input_shape"]); bs != "[<nil> 12 3]" {
		t.Errorf("batch_input_shape %s, want [<nil> 12 3]", bs)
	}
	if f := doc.Config.Layers[1].Config["filters"]; f != 4.0 {
		t.Errorf("Conv1D filters %v", f)
	}
	inner, _ := doc.Config.Layers[3].Config["layer"].(map[string]any)
	if inner["class_name"] != "LSTM" || inner["module"] != "keras.layers" {
		t.Errorf("Bidirectional wraps %v", inner)
	}
}

func TestParseJSONKeras3(t *testing.T) {
	// The shape of a Keras 3 model.to_json(): module keys, batch_shape and
	// a dtype policy object.
	js := `{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true,
	  "layers": [
	    {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, null, 14], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null},
	    {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true, "units": 3, "activation": "relu", "use_bias": true}, "registered_name": null, "build_config": {"input_shape": [null, null, 14]}}
	  ], "build_input_shape": [null, null, 14]}, "registered_name": null}`
	m, err := ParseJSON([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(m.InputShape, []int{-1, 14}) || len(m.Layers) != 1 || m.Layers[0].ClassName() != "Dense" || m.Layers[0].Name() != "dense" {
		t.Fatalf("parsed %v %v", m.InputShape, m.Layers)
	}
	if err := m.Build(rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	if out := m.Layers[0].OutputShape(); !tensor.SameShape(out, []int{-1, 3}) {
		t.Errorf("output shape %v", out)
	}
}

func TestImportErrors(t *testing.T) {
	for _, c := range []struct{ js, want string }{
		{`{"class_name": "Functional", "config": {"layers": []}}`, "only Sequential"},
		{`{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2}}]}}`, "no input shape"},
		{`{"class_name": "Sequential", "config": {"layers": [{"class_name": "Nope", "config": {"batch_input_shape": [null, 3]}}]}}`, "Nope"},
		{`{"class_name": "Sequential", "config": {"layers": [`, "model JSON"},
	} {
		if _, err := ParseJSON([]byte(c.js)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseJSON(%s): err = %v, want one mentioning %q", c.js, err, c.want)
		}
	}
	// Weights that do not fit the architecture are refused without
	// touching the model.
	m := testModel(t)
	dir := t.TempDir()
	if err := Export(dir, m); err != nil {
		t.Fatal(err)
	}
	other := &Model{InputShape: []int{12, 3}, Layers: []layers.Layer{layers.Conv1D(4, 3), layers.GRU(6)}}
	if err := other.Build(rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	before := other.Weights()[0].Clone()
	err := other.ReadWeightsFile(filepath.Join(dir, WeightsFile))
	if err == nil || !strings.Contains(err.Error(), "weight arrays for a model with") {
		t.Errorf("mismatched weights: err = %v", err)
	}
	for i, v := range other.Weights()[0].Data {
		if v != before.Data[i] {
			t.Fatal("a refused weight file changed the model")
		}
	}
}

// TestNumpyReadsExport checks, with numpy, that weights.npz holds float32
// arrays of the Keras shapes in get_weights() order.
func TestNumpyReadsExport(t *testing.T) {
	py := numpyPython(t)
	m := testModel(t)
	dir := t.TempDir()
	if err := Export(dir, m); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, json, numpy as np
w = np.load(sys.argv[1] + "/weights.npz")
ws = [w["arr_%d" % i] for i in range(len(w.files))]
json.load(open(sys.argv[1] + "/model.json"))
for a in ws:
    print(a.dtype, a.shape, "%.4f" % a.astype(np.float64).sum())
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var want strings.Builder
	for _, w := range m.Weights() {
		var s float64
		for _, v := range w.Data {
			s += float64(v)
		}
		shape := strings.Trim(strings.ReplaceAll(fmt.Sprint(w.Shape), " ", ", "), "[]")
		if len(w.Shape) == 1 {
			shape += ","
		}
		fmt.Fprintf(&want, "float32 (%s) %.4f\n", shape, s)
	}
	if string(out) != want.String() {
		t.Errorf("numpy sees:\n%s\nwant:\n%s", out, want.String())
	}
	if testing.Verbose() {
		t.Logf("numpy sees:\n%s", out)
	}
}

// TestKerasFixtures reads architectures in the form Keras writes them (the
// IMDB model as tf.keras 2.15's to_json, the Jena model as Keras 3's) and
// checks the rebuilt shapes and parameter counts.
func TestKerasFixtures(t *testing.T) {
	for _, c := range []struct {
		file   string
		in     []int
		out    []int
		params int
	}{
		{"imdb_keras2.json", []int{500}, []int{1}, 1315937},
		{"jena_keras3.json", []int{480, 14}, []int{1}, 13793},
	} {
		t.Run(c.file, func(t *testing.T) {
			js, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseJSON(js)
			if err != nil {
				t.Fatal(err)
			}
			if !tensor.SameShape(m.InputShape, c.in) {
				t.Errorf("input shape %v, want %v", m.InputShape, c.in)
			}
			if err := m.Build(rand.New(rand.NewPCG(1, 2))); err != nil {
				t.Fatal(err)
			}
			if out := m.Layers[len(m.Layers)-1].OutputShape(); !tensor.SameShape(out, c.out) {
				t.Errorf("output shape %v, want %v", out, c.out)
			}
			n := 0
			for _, w := range m.Weights() {
				n += w.Len()
			}
			if n != c.params {
				t.Errorf("%d parameters, want %d", n, c.params)
			}
		})
	}
}
