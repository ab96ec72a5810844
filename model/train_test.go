package model

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

func smallModel(seed uint64) *Sequential {
	m := NewSequential(newLinear(8, "relu"), newLinear(1, "linear"))
	m.SetSeed(seed)
	return m
}

func TestFitSeparable(t *testing.T) {
	x, y := separable(400, 3)
	m := smallModel(1)
	if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{LearningRate: 1e-2}), losses.BinaryCrossentropy{}, metrics.NewAccuracy()); err != nil {
		t.Fatal(err)
	}
	if !m.OutputsAreLogits() || len(m.Warnings()) != 1 {
		t.Fatalf("linear last layer with BCE on probabilities: logits=%v warnings=%q", m.OutputsAreLogits(), m.Warnings())
	}
	var out bytes.Buffer
	hist, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 30, BatchSize: 32, ValidationSplit: 0.2, Seed: 5, Verbose: 2, Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	acc := hist.Values["accuracy"]
	vacc := hist.Values["val_accuracy"]
	if len(acc) != 30 || len(vacc) != 30 || len(hist.Values["val_loss"]) != 30 {
		t.Fatalf("history has %d/%d epochs, keys %v", len(acc), len(vacc), hist.Keys)
	}
	if acc[29] < 0.95 || vacc[29] < 0.95 {
		t.Errorf("final accuracy %.3f, val_accuracy %.3f; want ≥ 0.95 on separable data", acc[29], vacc[29])
	}
	if l := hist.Values["loss"]; !(l[29] < l[0]/2) {
		t.Errorf("loss did not fall: %v → %v", l[0], l[29])
	}
	if !slices.Equal(hist.Keys, []string{"loss", "accuracy", "val_loss", "val_accuracy"}) {
		t.Errorf("history keys %v", hist.Keys)
	}
	s := out.String()
	if strings.Count(s, "Warning:") != 1 || !strings.Contains(s, "logits") {
		t.Errorf("logits warning not printed exactly once:\n%s", s)
	}
	if strings.Count(s, "Epoch ") != 30 || !strings.Contains(s, "Epoch 30/30\n10/10 - ") {
		t.Errorf("verbose 2 output unexpected:\n%s", s)
	}
	// Evaluate agrees with the history's last validation values.
	ev, err := m.Evaluate(context.Background(), tailRows(x, 320), tailRows(y, 320), 7)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev["loss"]-hist.Values["val_loss"][29]) > 1e-9 || ev["accuracy"] != vacc[29] {
		t.Errorf("Evaluate %v, history val %v %v", ev, hist.Values["val_loss"][29], vacc[29])
	}
	// Predict returns logits; their sign agrees with the accuracy.
	p, err := m.Predict(context.Background(), x, 64)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Shape, []int{400, 1}) {
		t.Fatalf("Predict shape %v", p.Shape)
	}
	correct := 0
	for i, v := range p.Data {
		if (v > 0) == (y.Data[i] > 0.5) {
			correct++
		}
	}
	if correct < 380 {
		t.Errorf("Predict: %d/400 correct", correct)
	}
	// A second Fit does not repeat the warning.
	out.Reset()
	if _, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 1, Verbose: 2, Progress: &out}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Warning") {
		t.Errorf("warning repeated:\n%s", out.String())
	}
}

func TestValidationSplitTakesTail(t *testing.T) {
	n := 10
	x, y := tensor.New(n, 1), tensor.New(n)
	for i := range n {
		x.Data[i] = float32(i)
	}
	rec := newLinear(1, "linear")
	rec.record = true
	m := NewSequential(rec)
	if err := m.Compile(optimizers.NewSGD(optimizers.SGDConfig{LearningRate: 1e-6}), losses.MeanSquaredError{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 2, BatchSize: 3, ValidationSplit: 0.3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	// floor(10·0.7) = 7 training rows: 0…6, each seen once per epoch.
	tr := slices.Clone(rec.trainSeen)
	slices.Sort(tr)
	want := []float32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}
	if !slices.Equal(tr, want) {
		t.Errorf("training rows %v, want each of 0…6 twice", tr)
	}
	if !slices.Equal(rec.evSeen, []float32{7, 8, 9, 7, 8, 9}) {
		t.Errorf("validation rows %v, want 7 8 9 after each epoch", rec.evSeen)
	}
	// Shuffled: the two epochs' orders differ and are not the identity.
	if slices.Equal(rec.trainSeen[:7], rec.trainSeen[7:]) || slices.Equal(rec.trainSeen[:7], []float32{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("training order not shuffled per epoch: %v", rec.trainSeen)
	}
}

func trainWeights(t *testing.T, seed, shuffleSeed uint64) []*tensor.Tensor {
	t.Helper()
	x, y := separable(100, 9)
	m := smallModel(seed)
	if err := m.Compile(optimizers.NewAdam(optimizers.AdamConfig{}), losses.BinaryCrossentropy{FromLogits: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 3, BatchSize: 16, Seed: shuffleSeed}); err != nil {
		t.Fatal(err)
	}
	return m.Weights()
}

func sameWeights(a, b []*tensor.Tensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i].Shape, b[i].Shape) {
			return false
		}
		for j := range a[i].Data {
			if math.Float32bits(a[i].Data[j]) != math.Float32bits(b[i].Data[j]) {
				return false
			}
		}
	}
	return true
}

func TestDeterminism(t *testing.T) {
	a, b := trainWeights(t, 4, 7), trainWeights(t, 4, 7)
	if !sameWeights(a, b) {
		t.Error("same seeds gave different weights")
	}
	if sameWeights(a, trainWeights(t, 4, 8)) {
		t.Error("a different shuffle seed gave identical weights")
	}
	if sameWeights(a, trainWeights(t, 5, 7)) {
		t.Error("a different model seed gave identical weights")
	}
}

func TestNaNLossStops(t *testing.T) {
	x, y := separable(64, 1)
	y.Data[40] = float32(math.NaN())
	m := smallModel(1)
	if err := m.Compile(optimizers.NewSGD(optimizers.SGDConfig{}), losses.MeanSquaredError{}); err != nil {
		t.Fatal(err)
	}
	hist, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 3, BatchSize: 16, NoShuffle: true})
	if err == nil || !strings.Contains(err.Error(), "epoch 1 batch 3") || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("error %v, want a NaN loss in epoch 1 batch 3", err)
	}
	if len(hist.Epochs) != 0 {
		t.Errorf("history has %d epochs", len(hist.Epochs))
	}
}

// cancelAfter cancels training after a number of batches.
type cancelAfter struct {
	BaseCallback
	n, seen int
	cancel  func()
}

func (c *cancelAfter) OnBatchEnd(epoch, batch int) error {
	c.seen++
	if c.seen == c.n {
		c.cancel()
	}
	return nil
}

func TestCancel(t *testing.T) {
	x, y := separable(64, 1)
	m := smallModel(1)
	if err := m.Compile(optimizers.NewSGD(optimizers.SGDConfig{}), losses.BinaryCrossentropy{FromLogits: true}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cb := &cancelAfter{n: 6, cancel: cancel}
	_, err := m.Fit(ctx, x, y, FitConfig{Epochs: 5, BatchSize: 16, Callbacks: []Callback{cb}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if cb.seen != 6 || !strings.Contains(err.Error(), "epoch 2 before batch 3") {
		t.Errorf("ran %d batches, error %q; want a stop right after the 6th", cb.seen, err)
	}
	it, _ := m.Optimizer().State()
	if it != 6 {
		t.Errorf("optimizer applied %d updates, want 6", it)
	}
}

// source yields fixed batches of a tensor in order, cycling.
type source struct {
	x, y *tensor.Tensor
	bs   int
	i    int
}

func (s *source) Next() (*tensor.Tensor, *tensor.Tensor, error) {
	n := s.x.Shape[0]
	lo := (s.i * s.bs) % n
	s.i++
	hi := min(lo+s.bs, n)
	return &tensor.Tensor{Shape: []int{hi - lo, 2}, Data: s.x.Data[2*lo : 2*hi]},
		&tensor.Tensor{Shape: []int{hi - lo}, Data: s.y.Data[lo:hi]}, nil
}

func TestFitSourceMatchesFit(t *testing.T) {
	x, y := separable(64, 2)
	run := func(useSource bool) ([]*tensor.Tensor, *History) {
		m := smallModel(3)
		if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.BinaryCrossentropy{FromLogits: true}, metrics.NewAccuracy()); err != nil {
			t.Fatal(err)
		}
		var h *History
		var err error
		if useSource {
			h, err = m.FitSource(context.Background(), &source{x: x, y: y, bs: 16}, FitSourceConfig{StepsPerEpoch: 4, Epochs: 2, Validation: &source{x: x, y: y, bs: 16}, ValidationSteps: 4})
		} else {
			h, err = m.Fit(context.Background(), x, y, FitConfig{Epochs: 2, BatchSize: 16, NoShuffle: true, ValidationX: x, ValidationY: y})
		}
		if err != nil {
			t.Fatal(err)
		}
		return m.Weights(), h
	}
	wa, ha := run(false)
	wb, hb := run(true)
	if !sameWeights(wa, wb) {
		t.Error("FitSource over the same batches gave different weights from Fit")
	}
	for _, k := range []string{"loss", "accuracy", "val_loss", "val_accuracy"} {
		if !slices.Equal(ha.Values[k], hb.Values[k]) {
			t.Errorf("%s: Fit %v, FitSource %v", k, ha.Values[k], hb.Values[k])
		}
	}
}

func TestEarlyStoppingRestoresBest(t *testing.T) {
	m := smallModel(1)
	if err := m.Build(2); err != nil {
		t.Fatal(err)
	}
	es := &EarlyStopping{Patience: 2, RestoreBestWeights: true, MinDelta: 0.01}
	if err := es.OnTrainBegin(m); err != nil {
		t.Fatal(err)
	}
	setAll := func(v float32) {
		for _, p := range m.Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] = v
			}
		}
	}
	// val_loss: 1.0, 0.5 (best), 0.495 (not better by min_delta), 0.7 → stop.
	for epoch, vl := range []float64{1.0, 0.5, 0.495, 0.7} {
		setAll(float32(epoch))
		if err := es.OnEpochEnd(epoch, map[string]float64{"val_loss": vl, "loss": 1}); err != nil {
			t.Fatal(err)
		}
		if m.stop != (epoch == 3) {
			t.Fatalf("after epoch %d stop = %v", epoch, m.stop)
		}
	}
	if es.StoppedEpoch != 3 || es.BestEpoch != 1 || es.Best != 0.5 {
		t.Errorf("stopped %d, best epoch %d value %v", es.StoppedEpoch, es.BestEpoch, es.Best)
	}
	for _, p := range m.Params() {
		if p.Value.Data[0] != 1 {
			t.Fatalf("weights not restored to epoch 1's: %v", p.Value.Data[0])
		}
	}
	// Accuracy is maximised in auto mode; a missing key is an error.
	acc := &EarlyStopping{Monitor: "val_accuracy", Patience: 1}
	_ = acc.OnTrainBegin(m)
	m.stop = false
	_ = acc.OnEpochEnd(0, map[string]float64{"val_accuracy": 0.5})
	_ = acc.OnEpochEnd(1, map[string]float64{"val_accuracy": 0.6})
	if m.stop {
		t.Error("rising accuracy stopped training")
	}
	_ = acc.OnEpochEnd(2, map[string]float64{"val_accuracy": 0.55})
	if !m.stop {
		t.Error("falling accuracy did not stop training")
	}
	if err := acc.OnEpochEnd(3, map[string]float64{"loss": 1}); err == nil || !strings.Contains(err.Error(), "val_accuracy") {
		t.Errorf("missing monitor key: %v", err)
	}
}

func TestEarlyStoppingInFit(t *testing.T) {
	x, y := separable(64, 1)
	m := smallModel(1)
	// Monitoring the training loss with a min_delta no epoch can reach.
	if err := m.Compile(optimizers.NewSGD(optimizers.SGDConfig{}), losses.MeanSquaredError{}); err != nil {
		t.Fatal(err)
	}
	es := &EarlyStopping{Monitor: "loss", Patience: 1, MinDelta: 10}
	h, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 10, Callbacks: []Callback{es}})
	if err != nil {
		t.Fatal(err)
	}
	// No epoch improves by 10, so training stops after the second epoch.
	if len(h.Epochs) != 2 || es.StoppedEpoch != 1 {
		t.Errorf("ran %d epochs, stopped at %d; want 2 and 1", len(h.Epochs), es.StoppedEpoch)
	}
}

func TestProgressFormat(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, 1, 157)
	var clock int64
	p.now = func() time.Time { return time.Unix(0, clock) }
	p.interactive = true
	p.startEpoch(0, 10)
	keys := []string{"loss", "acc"}
	for s := 1; s <= 157; s++ {
		clock += int64(38 * time.Millisecond)
		p.update(s, keys, []float64{0.41, 0.83})
	}
	p.endEpoch([]string{"loss", "acc", "val_loss", "val_acc"}, map[string]float64{"loss": 0.41, "acc": 0.83, "val_loss": 0.4, "val_acc": 0.84})
	out := b.String()
	want := "157/157 [==============================] - 6s 38ms/step - loss: 0.4100 - acc: 0.8300 - val_loss: 0.4000 - val_acc: 0.8400"
	if !strings.HasPrefix(out, "Epoch 1/10\n") || !strings.Contains(out, "\r"+want) || !strings.HasSuffix(out, "\n") {
		t.Errorf("progress output:\n%q\nwant final line %q", out, want)
	}
	if !strings.Contains(out, "\r 79/157 [==============>...............] - ETA: 2s - loss: 0.4100 - acc: 0.8300") {
		t.Errorf("no in-place bar at step 79:\n%q", out[:min(400, len(out))])
	}
	for d, want := range map[time.Duration]string{2900 * time.Millisecond: "2s", 65 * time.Second: "1:05", 3723 * time.Second: "1:02:03"} {
		if got := etaString(d); got != want {
			t.Errorf("etaString(%v) = %q, want %q", d, got, want)
		}
	}
	// Not a terminal: only the final line.
	b.Reset()
	p = newProgress(&b, 1, 3)
	p.startEpoch(1, 2)
	p.update(1, keys, []float64{1, 2})
	p.endEpoch(keys, map[string]float64{"loss": 1e-5, "acc": 0})
	if got := b.String(); !strings.HasPrefix(got, "Epoch 2/2\n3/3 [==============================] - 0s ") || !strings.HasSuffix(got, " - loss: 1.0000e-05 - acc: 0.0000\n") || strings.Contains(got, "\r") {
		t.Errorf("non-terminal output %q", got)
	}
}

// TestFitAllocsPerBatch: the training loop itself allocates nothing per
// batch (the test layer allocates nothing in steady state either), so
// doubling the number of batches adds no allocations.
func TestFitAllocsPerBatch(t *testing.T) {
	x, y := separable(640, 1)
	m := smallModel(1)
	if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.BinaryCrossentropy{FromLogits: true}, metrics.NewAccuracy()); err != nil {
		t.Fatal(err)
	}
	fit := func(bs int) float64 {
		return testing.AllocsPerRun(3, func() {
			if _, err := m.Fit(context.Background(), x, y, FitConfig{BatchSize: bs, Seed: 1}); err != nil {
				t.Fatal(err)
			}
		})
	}
	few, many := fit(64), fit(16) // 10 vs 40 batches
	if perBatch := (many - few) / 30; perBatch > 0.1 {
		t.Errorf("%.2f allocations per batch (Fit with 10 batches: %v, 40 batches: %v)", perBatch, few, many)
	}
}

func TestTrainOnBatchMatchesFitAndSilence(t *testing.T) {
	x, y := separable(32, 5)
	mk := func() *Sequential {
		m := smallModel(2)
		if err := m.Compile(optimizers.NewSGD(optimizers.SGDConfig{Momentum: 0.9}), losses.BinaryCrossentropy{FromLogits: true}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := mk()
	var out bytes.Buffer
	if _, err := a.Fit(context.Background(), x, y, FitConfig{Epochs: 3, BatchSize: 32, NoShuffle: true, Progress: &out}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("Verbose 0 printed %q", out.String())
	}
	b := mk()
	var losses []float64
	for range 3 {
		l, err := b.TrainOnBatch(x, y)
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, l)
	}
	if !sameWeights(a.Weights(), b.Weights()) {
		t.Error("3 TrainOnBatch steps differ from 3 full-batch Fit epochs")
	}
	if !(losses[2] < losses[0]) {
		t.Errorf("loss did not fall: %v", losses)
	}
}

func TestFitSourceAllocsPerBatch(t *testing.T) {
	x, y := separable(64, 1)
	m := smallModel(1)
	if err := m.Compile(optimizers.NewAdam(optimizers.AdamConfig{}), losses.BinaryCrossentropy{FromLogits: true}, metrics.NewAccuracy()); err != nil {
		t.Fatal(err)
	}
	fit := func(steps int) float64 {
		return testing.AllocsPerRun(3, func() {
			cfg := FitSourceConfig{StepsPerEpoch: steps, Validation: &source{x: x, y: y, bs: 16}, ValidationSteps: steps}
			if _, err := m.FitSource(context.Background(), &source{x: x, y: y, bs: 16}, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	few, many := fit(10), fit(40)
	t.Logf("allocations: %v for 10 steps, %v for 40", few, many)
	// The test source itself allocates two tensor headers and two shapes
	// per batch (4 per training and 4 per validation batch).
	if perBatch := (many-few)/30 - 8; perBatch > 0.1 {
		t.Errorf("%.2f allocations per batch beyond the source's (10 steps: %v, 40 steps: %v)", perBatch, few, many)
	}
}

// stopAtBatch requests a stop after a given batch of the first epoch.
type stopAtBatch struct {
	BaseCallback
	m       *Sequential
	at      int
	batches int
	epochs  int
}

func (s *stopAtBatch) OnTrainBegin(m *Sequential) error { s.m = m; return nil }
func (s *stopAtBatch) OnBatchEnd(epoch, batch int) error {
	s.batches++
	if batch == s.at {
		s.m.StopTraining()
	}
	return nil
}
func (s *stopAtBatch) OnEpochEnd(int, map[string]float64) error { s.epochs++; return nil }

func TestStopTrainingMidEpoch(t *testing.T) {
	x, y := separable(64, 1)
	m := smallModel(1)
	if err := m.Compile(optimizers.NewSGD(optimizers.SGDConfig{}), losses.BinaryCrossentropy{FromLogits: true}); err != nil {
		t.Fatal(err)
	}
	cb := &stopAtBatch{at: 1}
	h, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 3, BatchSize: 16, ValidationSplit: 0.25, Callbacks: []Callback{cb}})
	if err != nil {
		t.Fatal(err)
	}
	if cb.batches != 2 || cb.epochs != 1 || len(h.Values["val_loss"]) != 1 {
		t.Errorf("ran %d batches, %d epochs, %d validations; want 2, 1, 1", cb.batches, cb.epochs, len(h.Values["val_loss"]))
	}
	// A new Fit starts afresh.
	cb.at = -1
	if h, err = m.Fit(context.Background(), x, y, FitConfig{Epochs: 2, BatchSize: 16, Callbacks: []Callback{cb}}); err != nil || len(h.Epochs) != 2 {
		t.Errorf("second Fit ran %v epochs, error %v", h.Epochs, err)
	}
}
