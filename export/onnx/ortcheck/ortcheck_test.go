//go:build cgo

package ortcheck

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/seqconv/seqconv/export/onnx"
	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/tensor"
)

// tolerance bounds |ort − seqconv| relative to max(|seqconv|, 1).
const tolerance = 1e-5

var (
	initOnce   sync.Once
	initErr    error
	installErr error
	libPath    string
)

// install runs the installer script (npm install of onnxruntime-node into
// the user's cache, a few seconds when npm's cache is warm) so that a plain
// "go test ./..." checks the export against the real runtime.
func install() (string, error) {
	if _, err := exec.LookPath("npm"); err != nil {
		return "", fmt.Errorf("npm is not installed")
	}
	var stderr bytes.Buffer
	cmd := exec.Command("sh", filepath.Join("..", "testdata", "install_ort.sh"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("install_ort.sh: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func findLibrary() string {
	if p := os.Getenv("SEQCONV_ORT_LIB"); p != "" {
		return p
	}
	cache := os.Getenv("SEQCONV_ORT_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		cache = filepath.Join(home, ".cache", "seqconv", "ort")
	}
	m, _ := filepath.Glob(filepath.Join(cache, "node_modules", "onnxruntime-node", "bin", "napi-v*", "linux", "x64", "libonnxruntime.so.1"))
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1]
}

// runtime initializes ONNX Runtime once or skips the test.
func runtime(t *testing.T) {
	t.Helper()
	initOnce.Do(func() {
		libPath = findLibrary()
		if libPath == "" {
			libPath, installErr = install()
		}
		if libPath == "" {
			return
		}
		ort.SetSharedLibraryPath(libPath)
		initErr = ort.InitializeEnvironment()
	})
	if libPath == "" {
		why := "no build for this platform"
		if installErr != nil {
			why = installErr.Error()
		}
		msg := "ONNX Runtime library not found and could not be installed (" + why + "); run export/onnx/testdata/install_ort.sh or set SEQCONV_ORT_LIB"
		if os.Getenv("CI") != "" {
			// CI must exercise the real runtime: a silent skip would hide a broken export.
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if initErr != nil {
		t.Fatalf("initializing ONNX Runtime from %s: %v", libPath, initErr)
	}
}

// build builds ls for inputShape and gives every all-zero weight (the
// biases, which Keras initializes to zero) small random values so that
// their mapping is checked too.
func build(t *testing.T, inputShape []int, ls ...layers.Layer) []layers.Layer {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	shape := inputShape
	for i, l := range ls {
		if err := l.Build(shape, rng); err != nil {
			t.Fatalf("building layer %d (%s): %v", i, l.ClassName(), err)
		}
		shape = l.OutputShape()
		for _, p := range l.Params() {
			zero := true
			for _, v := range p.Value.Data {
				zero = zero && v == 0
			}
			if zero {
				for j := range p.Value.Data {
					p.Value.Data[j] = float32(rng.Float64()*0.2 - 0.1)
				}
			}
		}
	}
	return ls
}

func forward(t *testing.T, ls []layers.Layer, x *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	for i, l := range ls {
		y, err := l.Forward(x, false)
		if err != nil {
			t.Fatalf("Forward of layer %d (%s): %v", i, l.ClassName(), err)
		}
		x = y
	}
	return x
}

// check exports ls, runs the export in ONNX Runtime on x and compares with
// seqconv's Forward. ids selects int64 token-id input.
func check(t *testing.T, inputShape []int, ls []layers.Layer, x *tensor.Tensor, ids bool) {
	t.Helper()
	runtime(t)
	data, err := onnx.Marshal(inputShape, ls)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	want := forward(t, ls, x).Clone()

	sess, err := ort.NewDynamicAdvancedSessionWithONNXData(data, []string{onnx.InputName}, []string{onnx.OutputName}, nil)
	if err != nil {
		t.Fatalf("ONNX Runtime rejected the export: %v", err)
	}
	defer sess.Destroy()
	shape := make([]int64, len(x.Shape))
	for i, d := range x.Shape {
		shape[i] = int64(d)
	}
	var in ort.Value
	if ids {
		v := make([]int64, x.Len())
		for i, f := range x.Data {
			v[i] = int64(f)
		}
		in, err = ort.NewTensor(ort.NewShape(shape...), v)
	} else {
		in, err = ort.NewTensor(ort.NewShape(shape...), append([]float32(nil), x.Data...))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer in.Destroy()
	outs := []ort.Value{nil}
	if err := sess.Run([]ort.Value{in}, outs); err != nil {
		t.Fatalf("ONNX Runtime run: %v", err)
	}
	defer outs[0].Destroy()
	got, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		t.Fatalf("output is %T, want a float32 tensor", outs[0])
	}
	gs := got.GetShape()
	if len(gs) != len(want.Shape) {
		t.Fatalf("ONNX output shape %v, seqconv %v", gs, want.Shape)
	}
	for i := range gs {
		if int(gs[i]) != want.Shape[i] {
			t.Fatalf("ONNX output shape %v, seqconv %v", gs, want.Shape)
		}
	}
	var worst float64
	for i, g := range got.GetData() {
		w := float64(want.Data[i])
		d := math.Abs(float64(g)-w) / math.Max(math.Abs(w), 1)
		if d > worst {
			worst = d
		}
		if !(d <= tolerance) {
			t.Fatalf("output[%d]: ONNX Runtime %v, seqconv %v (relative error %.3g > %g)", i, g, w, d, tolerance)
		}
	}
	t.Logf("%d outputs of shape %v agree; worst relative error %.3g", len(want.Data), want.Shape, worst)
}

func randomInput(seed uint64, shape ...int) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

func randomIDs(seed uint64, vocab int, shape ...int) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, 5))
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(vocab))
	}
	return x
}

// TestLayers checks each exported layer kind and option on small models.
func TestLayers(t *testing.T) {
	relu := layers.WithActivation("relu")
	cases := []struct {
		name string
		in   []int
		ls   func() []layers.Layer
	}{
		{"conv_same_stride2", []int{11, 3}, func() []layers.Layer {
			return []layers.Layer{layers.Conv1D(4, 4, layers.WithPadding("same"), layers.WithStrides(2), relu), layers.Dense(2)}
		}},
		{"conv_causal_dilated", []int{10, 3}, func() []layers.Layer {
			return []layers.Layer{layers.Conv1D(4, 3, layers.WithPadding("causal"), layers.WithDilationRate(2), layers.WithActivation("tanh")), layers.Dense(2, layers.WithActivation("softmax"))}
		}},
		{"conv_same_variable_time", []int{-1, 3}, func() []layers.Layer {
			return []layers.Layer{
				layers.Conv1D(4, 4, layers.WithPadding("same"), layers.WithStrides(2)),
				layers.MaxPooling1D(2, layers.WithPadding("same")),
				layers.AveragePooling1D(3, layers.WithPadding("same"), layers.WithStrides(2)),
				layers.GRU(3),
			}
		}},
		{"pools_same_and_strided", []int{13, 3}, func() []layers.Layer {
			return []layers.Layer{
				layers.Conv1D(4, 3, layers.WithPadding("same")),
				layers.MaxPooling1D(3, layers.WithPadding("same"), layers.WithStrides(2)),
				layers.AveragePooling1D(2, layers.WithPadding("same")),
				layers.AveragePooling1D(2, layers.WithStrides(1)),
				layers.Activation("softmax"),
				layers.Flatten(),
				layers.Dropout(0.5),
				layers.Dense(3, layers.WithActivation("softmax")),
			}
		}},
		{"global_average_dense_on_sequence", []int{7, 3}, func() []layers.Layer {
			return []layers.Layer{layers.Dense(4, layers.WithActivation("tanh")), layers.Conv1D(4, 2), layers.GlobalAveragePooling1D(), layers.Dense(2)}
		}},
		{"gru_reset_before", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.GRU(4, layers.WithResetAfter(false))}
		}},
		{"gru_sequences_stacked", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.GRU(4, layers.WithReturnSequences(true)), layers.GRU(3, layers.WithReturnSequences(true)), layers.Dense(2)}
		}},
		{"gru_backwards_sequences", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.GRU(4, layers.WithReturnSequences(true), layers.WithGoBackwards(true))}
		}},
		{"gru_hard_sigmoid_no_bias", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.GRU(4, layers.WithRecurrentActivation("hard_sigmoid"), layers.WithUseBias(false))}
		}},
		{"lstm", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.LSTM(5), layers.Dense(1, layers.WithActivation("sigmoid"))}
		}},
		{"lstm_sequences_backwards", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.LSTM(5, layers.WithReturnSequences(true), layers.WithGoBackwards(true)), layers.Activation("relu")}
		}},
		{"bidirectional_gru_concat", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.Bidirectional(layers.GRU(4)), layers.Dense(1)}
		}},
		{"bidirectional_lstm_sequences_sum", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.Bidirectional(layers.LSTM(4, layers.WithReturnSequences(true)), layers.WithMergeMode("sum")), layers.Bidirectional(layers.GRU(3, layers.WithReturnSequences(true)))}
		}},
		{"bidirectional_rnn_ave_mul", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.Bidirectional(layers.SimpleRNN(4, layers.WithReturnSequences(true)), layers.WithMergeMode("ave")), layers.Bidirectional(layers.SimpleRNN(3), layers.WithMergeMode("mul"))}
		}},
		{"simple_rnn_relu", []int{6, 3}, func() []layers.Layer {
			return []layers.Layer{layers.SimpleRNN(4, layers.WithActivation("relu"), layers.WithReturnSequences(true)), layers.SimpleRNN(2)}
		}},
	}
	t.Run("embedding_lstm", func(t *testing.T) {
		in := []int{9}
		ls := build(t, in, layers.Embedding(50, 6), layers.Dropout(0.2), layers.LSTM(4, layers.WithReturnSequences(true)), layers.GlobalMaxPooling1D(), layers.Dense(1))
		check(t, in, ls, randomIDs(3, 50, 3, 9), true)
	})
	t.Run("embedding_variable_length", func(t *testing.T) {
		in := []int{-1}
		ls := build(t, in, layers.Embedding(50, 6), layers.Conv1D(4, 3, layers.WithPadding("same")), layers.GlobalAveragePooling1D(), layers.Dense(2))
		check(t, in, ls, randomIDs(4, 50, 2, 11), true)
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ls := build(t, c.in, c.ls()...)
			shape := append([]int{3}, c.in...)
			if shape[1] < 0 {
				shape[1] = 19
			}
			check(t, c.in, ls, randomInput(4, shape...), false)
		})
	}
}
