package model

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

func denseModel(t *testing.T, opt optimizers.Optimizer) *Sequential {
	t.Helper()
	m := NewSequential(
		layers.Dense(8, layers.WithActivation("relu"), layers.WithInputShape(2)),
		layers.Dense(1),
	)
	m.SetSeed(11)
	if err := m.Compile(opt, losses.BinaryCrossentropy{}, metrics.NewAccuracy()); err != nil {
		t.Fatal(err)
	}
	return m
}

func bitsEqual(t *testing.T, what string, a, b *tensor.Tensor) {
	t.Helper()
	if len(a.Data) != len(b.Data) {
		t.Fatalf("%s: %d vs %d values", what, len(a.Data), len(b.Data))
	}
	for i := range a.Data {
		if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
			t.Fatalf("%s: value %d differs: %v vs %v", what, i, a.Data[i], b.Data[i])
		}
	}
}

func TestSaveLoadPredict(t *testing.T) {
	x, y := separable(128, 4)
	m := denseModel(t, optimizers.NewRMSprop(optimizers.RMSpropConfig{}))
	if _, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 2, BatchSize: 32, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.seqconv")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.Predict(context.Background(), x, 50)
	got, err := back.Predict(context.Background(), x, 50)
	if err != nil {
		t.Fatal(err)
	}
	bitsEqual(t, "Predict after Load", want, got)
	if back.Name() != "sequential" || back.Layers()[1].Name() != "dense_1" || !back.OutputsAreLogits() {
		t.Errorf("loaded model: name %q, layer %q, logits %v", back.Name(), back.Layers()[1].Name(), back.OutputsAreLogits())
	}
	it, _ := back.Optimizer().State()
	if it != 8 {
		t.Errorf("loaded optimizer at iteration %d, want 8", it)
	}
	// No temporary file is left behind.
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("directory holds %d entries after Save", len(ents))
	}
}

// TestResume: training 1 epoch, saving, loading and training the second
// gives bit-identically the weights of 2 epochs straight, for each optimizer.
func TestResume(t *testing.T) {
	x, y := separable(96, 6)
	for _, mk := range []func() optimizers.Optimizer{
		func() optimizers.Optimizer { return optimizers.NewRMSprop(optimizers.RMSpropConfig{}) },
		func() optimizers.Optimizer { return optimizers.NewAdam(optimizers.AdamConfig{}) },
		func() optimizers.Optimizer {
			return optimizers.NewSGD(optimizers.SGDConfig{Momentum: 0.9, Nesterov: true})
		},
	} {
		name := mk().Name()
		first, resumed := checkResume(t, name, func() *Sequential { return denseModel(t, mk()) }, x, y, FitConfig{BatchSize: 48, Seed: 3})
		b := resumed.Weights()
		// And the resumed run really trained (the weights moved).
		if sameWeights(first.Weights(), b) {
			t.Errorf("%s: resumed Fit did not change the weights", name)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	m := denseModel(t, optimizers.NewAdam(optimizers.AdamConfig{}))
	x, y := separable(32, 1)
	if _, err := m.Fit(context.Background(), x, y, FitConfig{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "good")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	hl := binary.LittleEndian.Uint64(good[12:])
	cases := map[string]struct {
		data []byte
		want string
	}{
		"flipped-weight": {flip(good, int(prefixLen+hl)+5), "checksum mismatch"},
		"flipped-header": {flip(good, prefixLen+3), "checksum mismatch"},
		"flipped-crc":    {flip(good, len(good)-1), "checksum mismatch"},
		"truncated":      {good[:len(good)-100], "checksum mismatch"},
		"truncated-head": {good[:30], "truncated"},
		"tiny":           {good[:10], "truncated"},
		"magic":          {append([]byte("PK\x03\x04"), good[4:]...), "not a seqconv model"},
		"future":         {withVersion(good, 2), "format version 2 is newer"},
		"empty":          {nil, "not a seqconv model"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming %s and saying %q", name, err, p, c.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file loaded")
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

func withVersion(b []byte, v uint32) []byte {
	c := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(c[8:], v)
	return c
}

func TestModelCheckpointBestOnly(t *testing.T) {
	m := denseModel(t, optimizers.NewSGD(optimizers.SGDConfig{}))
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ck := &ModelCheckpoint{Path: filepath.Join(dir, "best-{epoch:02d}"), SaveBestOnly: true}
	if err := ck.OnTrainBegin(m); err != nil {
		t.Fatal(err)
	}
	for epoch, vl := range []float64{0.9, 0.5, 0.7, 0.4} {
		if err := ck.OnEpochEnd(epoch, map[string]float64{"val_loss": vl}); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "best-01 best-02 best-04" {
		t.Errorf("checkpoints written: %v, want best-01 best-02 best-04", names)
	}
}

// TestLoadBadHeader: a file with a valid checksum but an unusable header
// (unknown layer class, wrong weight shape) is rejected with the reason.
func TestLoadBadHeader(t *testing.T) {
	m := denseModel(t, optimizers.NewSGD(optimizers.SGDConfig{}))
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	for name, c := range map[string]struct{ from, to, want string }{
		"class": {`"class_name":"Dense"`, `"class_name":"Dunse"`, `unknown layer class "Dunse"`},
		"shape": {`"shape":[2,8]`, `"shape":[8,2]`, "stored shape [8 2]"},
	} {
		bad := []byte(strings.Replace(string(good[:len(good)-4]), c.from, c.to, 1))
		if string(bad) == string(good[:len(good)-4]) {
			t.Fatalf("%s: %q not found in the header", name, c.from)
		}
		bad = binary.LittleEndian.AppendUint32(bad, crc32.ChecksumIEEE(bad))
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", name, err, c.want)
		}
	}
}

func TestSoftmaxSparse(t *testing.T) {
	// Three classes by the angle of a 2-D point.
	n := 300
	x, y := tensor.New(n, 2), tensor.New(n)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		r := 0.5 + float64(i%7)/7
		x.Data[2*i], x.Data[2*i+1] = float32(r*math.Cos(a)), float32(r*math.Sin(a))
		y.Data[i] = float32(3 * i / n)
	}
	m := NewSequential(layers.Dense(16, layers.WithActivation("tanh"), layers.WithInputShape(2)), layers.Dense(3, layers.WithActivation("softmax")))
	m.SetSeed(1)
	if err := m.Compile(optimizers.NewAdam(optimizers.AdamConfig{LearningRate: 0.02}), losses.SparseCategoricalCrossentropy{}, metrics.NewAccuracy()); err != nil {
		t.Fatal(err)
	}
	if m.OutputsAreLogits() || len(m.Warnings()) != 0 {
		t.Fatalf("softmax output taken for logits: %v", m.Warnings())
	}
	if err := m.Compile(optimizers.NewSGD(optimizers.SGDConfig{}), losses.SparseCategoricalCrossentropy{FromLogits: true}); err != nil {
		t.Fatal(err)
	}
	if w := m.Warnings(); len(w) != 1 || !strings.Contains(w[0], "already applies softmax") {
		t.Errorf("from_logits on a softmax output: warnings %q", w)
	}
	if err := m.Compile(optimizers.NewAdam(optimizers.AdamConfig{LearningRate: 0.02}), losses.SparseCategoricalCrossentropy{}, metrics.NewAccuracy()); err != nil {
		t.Fatal(err)
	}
	h, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 60, BatchSize: 32, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.Values["accuracy"]; acc[len(acc)-1] < 0.9 {
		t.Errorf("sparse categorical accuracy %v, want ≥ 0.9", acc[len(acc)-1])
	}
	p, _ := m.Predict(context.Background(), x, 0)
	for r := range n {
		s := p.Data[3*r] + p.Data[3*r+1] + p.Data[3*r+2]
		if math.Abs(float64(s)-1) > 1e-5 {
			t.Fatalf("row %d probabilities sum to %v", r, s)
		}
	}
}

// FuzzDecode: no byte string makes decode panic, and an accepted file
// gives a model that predicts. The checksum is fixed up so that mutations
// reach the header; headers with numbers of 5 or more digits are skipped,
// since a well-formed file may legitimately ask for layers that large and
// building them would only measure the allocator.
func FuzzDecode(f *testing.F) {
	m := NewSequential(layers.Dense(3, layers.WithInputShape(2)), layers.Dense(1))
	if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{Momentum: 0.5}), losses.MeanAbsoluteError{}, metrics.NewMAE()); err != nil {
		f.Fatal(err)
	}
	x, y := separable(4, 1)
	if _, err := m.TrainOnBatch(x, y); err != nil {
		f.Fatal(err)
	}
	good, err := m.encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		if bigNumber.Match(data) {
			return
		}
		// Let mutations of the header through the checksum test.
		if len(data) > prefixLen+4 {
			data = append([]byte(nil), data...)
			binary.LittleEndian.PutUint32(data[len(data)-4:], crc32.ChecksumIEEE(data[:len(data)-4]))
		}
		got, err := decode(data)
		if err != nil {
			return
		}
		if got.Built() {
			in := tensor.New(append([]int{1}, got.InputShape()...)...)
			for i, d := range in.Shape {
				if d < 0 || d > 64 {
					return
				}
				in.Shape[i] = d
			}
			_, _ = got.Predict(context.Background(), in, 1)
		}
	})
}

var bigNumber = regexp.MustCompile(`[0-9]{5}`)

// checkResume trains one model from mk for two epochs straight, and another
// for one epoch, saved, loaded and trained for the second epoch
// (InitialEpoch 1): both must end with bit-identical weights. It returns the
// model after its first epoch and the resumed one.
func checkResume(t *testing.T, label string, mk func() *Sequential, x, y *tensor.Tensor, cfg FitConfig) (first, resumed *Sequential) {
	t.Helper()
	straight := mk()
	cfg.Epochs = 2
	if _, err := straight.Fit(context.Background(), x, y, cfg); err != nil {
		t.Fatal(err)
	}
	first = mk()
	cfg.Epochs = 1
	if _, err := first.Fit(context.Background(), x, y, cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ckpt")
	if err := first.Save(path); err != nil {
		t.Fatal(err)
	}
	resumed, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs, cfg.InitialEpoch = 2, 1
	if _, err := resumed.Fit(context.Background(), x, y, cfg); err != nil {
		t.Fatal(err)
	}
	a, b := straight.Weights(), resumed.Weights()
	for i := range a {
		bitsEqual(t, label+" resumed weight", a[i], b[i])
	}
	return first, resumed
}
