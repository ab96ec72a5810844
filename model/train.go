package model

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

// Compile sets the optimizer, the loss and the metrics, as Keras's compile.
//
// Keras's reference IMDB model ends in Dense(1) without activation and is
// trained with binary cross-entropy on probabilities. Clipping such outputs
// to [ε, 1−ε] would silently ruin training, so when a cross-entropy loss
// expects probabilities but the last layer's activation is linear, the
// outputs are treated as logits (the loss is computed with FromLogits and
// accuracy thresholds at 0). This is reported once by Warnings and on the
// progress writer of the next Fit.
func (m *Sequential) Compile(opt optimizers.Optimizer, loss losses.Loss, ms ...metrics.Metric) error {
	if opt == nil || loss == nil {
		return fmt.Errorf("model: Compile needs an optimizer and a loss")
	}
	if len(m.layers) == 0 {
		return fmt.Errorf("model: %s has no layers", m.name)
	}
	seen := map[string]bool{"loss": true}
	for _, mt := range ms {
		if mt == nil {
			return fmt.Errorf("model: nil metric")
		}
		if seen[mt.Name()] {
			return fmt.Errorf("model: metric name %q used twice", mt.Name())
		}
		seen[mt.Name()] = true
	}
	m.opt, m.loss, m.trainLoss = opt, loss, loss
	m.metrics = append([]metrics.Metric(nil), ms...)
	m.logits, m.warnings, m.warned = false, nil, false
	last := m.layers[len(m.layers)-1]
	act, hasAct := last.Config()["activation"].(string)
	linear := hasAct && (act == "linear" || act == "")
	switch l := loss.(type) {
	case losses.BinaryCrossentropy:
		m.logits = l.FromLogits
		if !l.FromLogits && linear {
			m.logits, m.trainLoss = true, losses.BinaryCrossentropy{FromLogits: true}
		}
	case losses.SparseCategoricalCrossentropy:
		m.logits = l.FromLogits
		if !l.FromLogits && linear {
			m.logits, m.trainLoss = true, losses.SparseCategoricalCrossentropy{FromLogits: true}
		}
	case losses.CategoricalCrossentropy:
		m.logits = l.FromLogits
		if !l.FromLogits && linear {
			m.logits, m.trainLoss = true, losses.CategoricalCrossentropy{FromLogits: true}
		}
	}
	if m.trainLoss != loss {
		m.warnings = append(m.warnings, fmt.Sprintf("%s expects probabilities but the last layer (%s) has a linear activation: treating its outputs as logits (from_logits=True); Predict returns logits", loss.Name(), last.ClassName()))
	} else if m.logits && (act == "sigmoid" || act == "softmax") {
		// Not changed (the user asked for it), but almost surely a mistake.
		m.warnings = append(m.warnings, fmt.Sprintf("%s has from_logits=True but the last layer (%s) already applies %s: its outputs are probabilities, not logits", loss.Name(), last.ClassName(), act))
	}
	for _, mt := range m.metrics {
		if r, ok := mt.(metrics.Resolver); ok {
			r.Resolve(m.trainLoss, m.logits)
		}
	}
	return nil
}

// Warnings returns the notes Compile made about how it interpreted the
// model (such as treating linear outputs as logits).
func (m *Sequential) Warnings() []string { return append([]string(nil), m.warnings...) }

// OutputsAreLogits reports whether the compiled model's outputs are logits
// (the loss was given FromLogits, or Compile detected a linear last layer).
func (m *Sequential) OutputsAreLogits() bool { return m.logits }

// Optimizer returns the compiled optimizer (nil before Compile).
func (m *Sequential) Optimizer() optimizers.Optimizer { return m.opt }

// StopTraining asks Fit to stop, as setting Keras's model.stop_training
// does: called from OnBatchEnd it ends the epoch after that batch, from
// OnEpochEnd it prevents the next epoch. Callbacks call it.
func (m *Sequential) StopTraining() { m.stop = true }

// History records the per-epoch logs of a Fit, as Keras's History.
type History struct {
	// Epochs lists the epoch indices run (from InitialEpoch).
	Epochs []int
	// Values maps each log key ("loss", "accuracy", "val_loss", …) to one
	// value per epoch run.
	Values map[string][]float64
	// Keys lists the log keys in display order.
	Keys []string
}

func (h *History) add(epoch int, keys []string, logs map[string]float64) {
	if h.Values == nil {
		h.Values = map[string][]float64{}
	}
	h.Epochs = append(h.Epochs, epoch)
	for _, k := range keys {
		if _, ok := h.Values[k]; !ok {
			h.Keys = append(h.Keys, k)
		}
		h.Values[k] = append(h.Values[k], logs[k])
	}
}

// FitConfig holds Fit's arguments; zero fields take Keras's defaults
// except Verbose (0, silent).
type FitConfig struct {
	// Epochs is the index of the last epoch (as Keras's epochs, counting
	// from InitialEpoch); default 1.
	Epochs int
	// InitialEpoch is the epoch to start from, to resume training.
	InitialEpoch int
	// BatchSize defaults to 32.
	BatchSize int
	// ValidationSplit holds out the last fraction of x and y (taken
	// before shuffling, as Keras does) for validation.
	ValidationSplit float64
	// ValidationX, ValidationY give validation data explicitly (Keras
	// validation_data); they take precedence over ValidationSplit.
	ValidationX, ValidationY *tensor.Tensor
	// NoShuffle keeps the training order; by default the training rows are
	// shuffled every epoch with a generator seeded by Seed and the epoch
	// index, so that a run is reproducible and resumable.
	NoShuffle bool
	// Seed seeds the shuffling.
	Seed uint64
	// Callbacks are called during training, in order.
	Callbacks []Callback
	// Verbose is 0 for silence, 1 for a progress bar (updated in place on a
	// terminal, one line per epoch otherwise) and 2 for one line per epoch.
	Verbose int
	// Progress receives the progress output; default os.Stdout.
	Progress io.Writer
}

// BatchSource yields training or validation batches, as a Keras Python
// generator does. The tensors returned by Next need only stay valid until
// the next call to Next: the model copies nothing and keeps nothing.
type BatchSource interface {
	Next() (x, y *tensor.Tensor, err error)
}

// FitSourceConfig holds FitSource's arguments (Keras fit with a
// generator); see FitConfig for the shared fields.
type FitSourceConfig struct {
	// StepsPerEpoch is the number of batches drawn per epoch (required).
	StepsPerEpoch int
	// Epochs, InitialEpoch, Callbacks, Verbose and Progress are as in
	// FitConfig.
	Epochs, InitialEpoch int
	// Validation, if set, is drawn from for ValidationSteps batches
	// (required then) after every epoch.
	Validation      BatchSource
	ValidationSteps int
	Callbacks       []Callback
	Verbose         int
	Progress        io.Writer
}

// run describes one training run for the shared epoch loop.
type run struct {
	epochs, initial, steps int
	batch                  func(epoch, step int) (x, y *tensor.Tensor, err error)
	validate               func(ctx context.Context) (map[string]float64, error)
	callbacks              []Callback
	verbose                int
	progress               io.Writer
}

// Fit trains the model on x and y, as Keras's fit. It returns the history
// of the epochs run, also when it stops early with an error: a NaN or
// infinite loss (naming the epoch and batch), a callback's error, or
// ctx's cancellation (checked before every batch; the error wraps
// ctx.Err()).
func (m *Sequential) Fit(ctx context.Context, x, y *tensor.Tensor, cfg FitConfig) (*History, error) {
	if err := m.ready(x); err != nil {
		return nil, err
	}
	y, err := m.alignTargets(x, y, nil)
	if err != nil {
		return nil, err
	}
	bs := cfg.BatchSize
	if bs == 0 {
		bs = 32
	}
	if bs < 0 {
		return nil, fmt.Errorf("model: negative batch size %d", bs)
	}
	if cfg.ValidationSplit < 0 || cfg.ValidationSplit >= 1 {
		return nil, fmt.Errorf("model: validation split %v is not in [0, 1)", cfg.ValidationSplit)
	}
	n := x.Shape[0]
	ntrain := n
	var vx, vy *tensor.Tensor
	switch {
	case cfg.ValidationX != nil || cfg.ValidationY != nil:
		if cfg.ValidationX == nil || cfg.ValidationY == nil {
			return nil, fmt.Errorf("model: ValidationX and ValidationY must be given together")
		}
		if err := m.buildFor(cfg.ValidationX); err != nil {
			return nil, fmt.Errorf("model: validation data: %w", err)
		}
		if vy, err = m.alignTargets(cfg.ValidationX, cfg.ValidationY, nil); err != nil {
			return nil, fmt.Errorf("model: validation data: %w", err)
		}
		vx = cfg.ValidationX
	case cfg.ValidationSplit > 0:
		// Keras: split_at = floor(n·(1−split)); the tail validates.
		ntrain = int(math.Floor(float64(n) * (1 - cfg.ValidationSplit)))
		if ntrain == 0 || ntrain == n {
			return nil, fmt.Errorf("model: validation split %v of %d samples leaves %d for training and %d for validation", cfg.ValidationSplit, n, ntrain, n-ntrain)
		}
		vx, vy = tailRows(x, ntrain), tailRows(y, ntrain)
	}
	perm := make([]int, ntrain)
	for i := range perm {
		perm[i] = i
	}
	steps := (ntrain + bs - 1) / bs
	xrow, yrow := rowLen(x), rowLen(y)
	r := run{
		epochs: defaultInt(cfg.Epochs, 1), initial: cfg.InitialEpoch, steps: steps,
		callbacks: cfg.Callbacks, verbose: cfg.Verbose, progress: cfg.Progress,
		batch: func(epoch, step int) (*tensor.Tensor, *tensor.Tensor, error) {
			if step == 0 && !cfg.NoShuffle {
				// A generator per (seed, epoch) makes each epoch's order
				// independent of how many epochs ran before (resume).
				for i := range perm {
					perm[i] = i
				}
				rng := rand.New(rand.NewPCG(cfg.Seed, uint64(epoch)))
				rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			}
			lo, hi := step*bs, min((step+1)*bs, ntrain)
			// Resize copies the shape, so one scratch slice serves both.
			m.shape = append(append(m.shape[:0], hi-lo), x.Shape[1:]...)
			m.xb.Resize(m.shape...)
			m.shape = append(append(m.shape[:0], hi-lo), y.Shape[1:]...)
			m.yb.Resize(m.shape...)
			for j, idx := range perm[lo:hi] {
				copy(m.xb.Data[j*xrow:(j+1)*xrow], x.Data[idx*xrow:(idx+1)*xrow])
				copy(m.yb.Data[j*yrow:(j+1)*yrow], y.Data[idx*yrow:(idx+1)*yrow])
			}
			return m.xb, m.yb, nil
		},
	}
	if vx != nil {
		r.validate = func(ctx context.Context) (map[string]float64, error) {
			return m.evaluate(ctx, vx, vy, bs)
		}
	}
	return m.fit(ctx, r)
}

// FitSource trains the model on batches drawn from src, StepsPerEpoch per
// epoch, as Keras's fit on a generator; see Fit for the errors.
func (m *Sequential) FitSource(ctx context.Context, src BatchSource, cfg FitSourceConfig) (*History, error) {
	if src == nil {
		return nil, fmt.Errorf("model: FitSource needs a source")
	}
	if cfg.StepsPerEpoch <= 0 {
		return nil, fmt.Errorf("model: FitSource needs StepsPerEpoch > 0, got %d", cfg.StepsPerEpoch)
	}
	if cfg.Validation != nil && cfg.ValidationSteps <= 0 {
		return nil, fmt.Errorf("model: FitSource with a validation source needs ValidationSteps > 0")
	}
	if m.opt == nil {
		return nil, fmt.Errorf("model: Fit before Compile")
	}
	r := run{
		epochs: defaultInt(cfg.Epochs, 1), initial: cfg.InitialEpoch, steps: cfg.StepsPerEpoch,
		callbacks: cfg.Callbacks, verbose: cfg.Verbose, progress: cfg.Progress,
		batch: func(epoch, step int) (*tensor.Tensor, *tensor.Tensor, error) {
			x, y, err := src.Next()
			if err != nil {
				return nil, nil, fmt.Errorf("model: epoch %d batch %d: source: %w", epoch+1, step+1, err)
			}
			if err := m.buildFor(x); err != nil {
				return nil, nil, err
			}
			y, err = m.alignTargets(x, y, m.ytv)
			return x, y, err
		},
	}
	if cfg.Validation != nil {
		r.validate = func(ctx context.Context) (map[string]float64, error) {
			return m.evaluateSource(ctx, cfg.Validation, cfg.ValidationSteps)
		}
	}
	return m.fit(ctx, r)
}

// ready checks that the model is compiled and builds it for x.
func (m *Sequential) ready(x *tensor.Tensor) error {
	if m.opt == nil {
		return fmt.Errorf("model: Fit before Compile")
	}
	return m.buildFor(x)
}

func defaultInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// rowLen returns the number of values per sample of t.
func rowLen(t *tensor.Tensor) int {
	if t.Shape[0] == 0 {
		return 0
	}
	return len(t.Data) / t.Shape[0]
}

// rowsView points view at rows [lo, hi) of t, sharing its data, and
// returns it.
func rowsView(view, t *tensor.Tensor, lo, hi int) *tensor.Tensor {
	r := rowLen(t)
	view.Shape = append(append(view.Shape[:0], hi-lo), t.Shape[1:]...)
	view.Data = t.Data[lo*r : hi*r]
	return view
}

// tailRows returns rows [from, n) of t, sharing its data.
func tailRows(t *tensor.Tensor, from int) *tensor.Tensor {
	r := rowLen(t)
	return &tensor.Tensor{Shape: append([]int{t.Shape[0] - from}, t.Shape[1:]...), Data: t.Data[from*r:]}
}

// alignTargets checks y against x and the model's output, viewing a
// vector of targets as (n, 1) for a one-output model, as Keras accepts.
// The view is written into view when it is not nil (to reuse it per batch).
func (m *Sequential) alignTargets(x, y, view *tensor.Tensor) (*tensor.Tensor, error) {
	if y == nil || len(y.Shape) == 0 {
		return nil, fmt.Errorf("model: targets must have a batch axis, got %v", shapeOrNil(y))
	}
	if y.Shape[0] != x.Shape[0] {
		return nil, fmt.Errorf("model: %d inputs but %d targets", x.Shape[0], y.Shape[0])
	}
	if x.Shape[0] == 0 {
		return nil, fmt.Errorf("model: no samples")
	}
	out := m.outShape
	sparse := false
	if m.loss != nil {
		sparse = m.loss.Name() == "sparse_categorical_crossentropy"
	}
	if len(y.Shape) == 1 && !sparse && len(out) == 1 && out[0] == 1 {
		if view == nil {
			view = &tensor.Tensor{}
		}
		view.Shape = append(view.Shape[:0], y.Shape[0], 1)
		view.Data = y.Data
		return view, nil
	}
	return y, nil
}

// fit runs the epoch loop shared by Fit and FitSource.
func (m *Sequential) fit(ctx context.Context, r run) (*History, error) {
	hist := &History{}
	if r.epochs <= r.initial {
		return hist, nil
	}
	var pw *progress
	if r.verbose > 0 {
		w := r.progress
		if w == nil {
			w = os.Stdout
		}
		pw = newProgress(w, r.verbose, r.steps)
		if !m.warned {
			for _, s := range m.warnings {
				fmt.Fprintln(w, "Warning:", s)
			}
			m.warned = true
		}
	}
	m.stop = false
	for _, cb := range r.callbacks {
		if err := cb.OnTrainBegin(m); err != nil {
			return hist, err
		}
	}
	keys := []string{"loss"}
	for _, mt := range m.metrics {
		keys = append(keys, mt.Name())
	}
	values := make([]float64, len(keys))
	for epoch := r.initial; epoch < r.epochs; epoch++ {
		for _, cb := range r.callbacks {
			if err := cb.OnEpochBegin(epoch); err != nil {
				return hist, err
			}
		}
		if pw != nil {
			pw.startEpoch(epoch, r.epochs)
		}
		for _, mt := range m.metrics {
			mt.Reset()
		}
		var lossSum, count float64
		for step := range r.steps {
			if err := ctx.Err(); err != nil {
				if pw != nil {
					pw.abort()
				}
				return hist, fmt.Errorf("model: training stopped in epoch %d before batch %d: %w", epoch+1, step+1, err)
			}
			x, y, err := r.batch(epoch, step)
			if err != nil {
				return hist, err
			}
			loss, err := m.trainStep(x, y)
			if err != nil {
				return hist, fmt.Errorf("model: epoch %d batch %d: %w", epoch+1, step+1, err)
			}
			bs := float64(x.Shape[0])
			lossSum += loss * bs
			count += bs
			for _, cb := range r.callbacks {
				if err := cb.OnBatchEnd(epoch, step); err != nil {
					return hist, err
				}
			}
			if pw != nil {
				values[0] = lossSum / count
				for i, mt := range m.metrics {
					values[i+1] = mt.Result()
				}
				pw.update(step+1, keys, values)
			}
			if m.stop {
				// As in Keras, a stop requested during an epoch ends it
				// after this batch; validation and OnEpochEnd still run.
				break
			}
		}
		logs := map[string]float64{"loss": lossSum / count}
		for _, mt := range m.metrics {
			logs[mt.Name()] = mt.Result()
		}
		epochKeys := keys
		if r.validate != nil {
			vl, err := r.validate(ctx)
			if err != nil {
				if pw != nil {
					pw.abort()
				}
				return hist, fmt.Errorf("model: validation after epoch %d: %w", epoch+1, err)
			}
			epochKeys = append(append([]string(nil), keys...), "val_loss")
			logs["val_loss"] = vl["loss"]
			for _, mt := range m.metrics {
				epochKeys = append(epochKeys, "val_"+mt.Name())
				logs["val_"+mt.Name()] = vl[mt.Name()]
			}
		}
		if pw != nil {
			pw.endEpoch(epochKeys, logs)
		}
		hist.add(epoch, epochKeys, logs)
		for _, cb := range r.callbacks {
			if err := cb.OnEpochEnd(epoch, logs); err != nil {
				return hist, err
			}
		}
		if m.stop {
			break
		}
	}
	for _, cb := range r.callbacks {
		if err := cb.OnTrainEnd(); err != nil {
			return hist, err
		}
	}
	return hist, nil
}

// trainStep runs forward, loss, backward and one optimizer update on a
// batch, accumulating the metrics, and returns the batch loss.
func (m *Sequential) trainStep(x, y *tensor.Tensor) (float64, error) {
	out, err := m.forward(x, true)
	if err != nil {
		return 0, err
	}
	loss, err := m.trainLoss.Compute(out, y, m.grad)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("loss is %v: training diverged (lower the learning rate or check the data)", loss)
	}
	// Metrics read the output before Backward, which may reuse buffers.
	for _, mt := range m.metrics {
		if err := mt.Update(out, y); err != nil {
			return 0, err
		}
	}
	dy := m.grad
	for i := len(m.plan) - 1; i >= 0; i-- {
		if dy, err = m.plan[i].Backward(dy, i > 0); err != nil {
			return 0, err
		}
	}
	if err := m.opt.Apply(m.params); err != nil {
		return 0, err
	}
	return loss, nil
}

// TrainOnBatch runs one training step on x and y (Keras train_on_batch)
// and returns the batch loss.
func (m *Sequential) TrainOnBatch(x, y *tensor.Tensor) (float64, error) {
	if err := m.ready(x); err != nil {
		return 0, err
	}
	y, err := m.alignTargets(x, y, m.ytv)
	if err != nil {
		return 0, err
	}
	return m.trainStep(x, y)
}

// forward runs the layers; the result belongs to the last layer.
func (m *Sequential) forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	h := x
	for _, l := range m.plan {
		var err error
		if h, err = l.Forward(h, training); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Name(), err)
		}
	}
	return h, nil
}

// Evaluate returns the loss and metrics of the model on x and y, computed
// in batches of batchSize (default 32) in inference mode, as Keras's
// evaluate: keys "loss" and each metric's name.
func (m *Sequential) Evaluate(ctx context.Context, x, y *tensor.Tensor, batchSize int) (map[string]float64, error) {
	if m.loss == nil {
		return nil, fmt.Errorf("model: Evaluate before Compile")
	}
	if err := m.buildFor(x); err != nil {
		return nil, err
	}
	y, err := m.alignTargets(x, y, nil)
	if err != nil {
		return nil, err
	}
	return m.evaluate(ctx, x, y, defaultInt(batchSize, 32))
}

func (m *Sequential) evaluate(ctx context.Context, x, y *tensor.Tensor, bs int) (map[string]float64, error) {
	n := x.Shape[0]
	i := 0
	return m.evalLoop(ctx, (n+bs-1)/bs, func() (*tensor.Tensor, *tensor.Tensor, error) {
		lo, hi := i*bs, min((i+1)*bs, n)
		i++
		// Contiguous rows need no copy: view them.
		return rowsView(m.xev, x, lo, hi), rowsView(m.yev, y, lo, hi), nil
	})
}

func (m *Sequential) evaluateSource(ctx context.Context, src BatchSource, steps int) (map[string]float64, error) {
	return m.evalLoop(ctx, steps, func() (*tensor.Tensor, *tensor.Tensor, error) {
		x, y, err := src.Next()
		if err != nil {
			return nil, nil, fmt.Errorf("source: %w", err)
		}
		if err := m.buildFor(x); err != nil {
			return nil, nil, err
		}
		y, err = m.alignTargets(x, y, m.yev)
		return x, y, err
	})
}

// EvaluateSource evaluates the model on steps batches drawn from src.
func (m *Sequential) EvaluateSource(ctx context.Context, src BatchSource, steps int) (map[string]float64, error) {
	if m.loss == nil {
		return nil, fmt.Errorf("model: Evaluate before Compile")
	}
	if steps <= 0 {
		return nil, fmt.Errorf("model: EvaluateSource needs steps > 0, got %d", steps)
	}
	return m.evaluateSource(ctx, src, steps)
}

// evalLoop accumulates the sample-weighted loss and the metrics over steps
// batches. The metrics are reset first.
func (m *Sequential) evalLoop(ctx context.Context, steps int, next func() (*tensor.Tensor, *tensor.Tensor, error)) (map[string]float64, error) {
	for _, mt := range m.metrics {
		mt.Reset()
	}
	var sum, count float64
	for range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x, y, err := next()
		if err != nil {
			return nil, err
		}
		out, err := m.forward(x, false)
		if err != nil {
			return nil, err
		}
		l, err := m.trainLoss.Compute(out, y, nil)
		if err != nil {
			return nil, err
		}
		for _, mt := range m.metrics {
			if err := mt.Update(out, y); err != nil {
				return nil, err
			}
		}
		sum += l * float64(x.Shape[0])
		count += float64(x.Shape[0])
	}
	res := map[string]float64{"loss": sum / count}
	for _, mt := range m.metrics {
		res[mt.Name()] = mt.Result()
	}
	return res, nil
}

// Predict returns the model's outputs for x, computed in batches of
// batchSize (default 32) in inference mode, as a new (n, output…) tensor.
// For a model whose outputs are logits (see OutputsAreLogits) these are
// logits.
func (m *Sequential) Predict(ctx context.Context, x *tensor.Tensor, batchSize int) (*tensor.Tensor, error) {
	if err := m.buildFor(x); err != nil {
		return nil, err
	}
	bs := defaultInt(batchSize, 32)
	n := x.Shape[0]
	var res *tensor.Tensor
	for lo := 0; lo < n; lo += bs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+bs, n)
		out, err := m.forward(rowsView(m.xev, x, lo, hi), false)
		if err != nil {
			return nil, fmt.Errorf("model: predict: %w", err)
		}
		if res == nil {
			res = tensor.New(append([]int{n}, out.Shape[1:]...)...)
		}
		orow := rowLen(out)
		copy(res.Data[lo*orow:hi*orow], out.Data)
	}
	if res == nil {
		return tensor.New(append([]int{0}, m.OutputShape()...)...), nil
	}
	return res, nil
}

// formatLogs writes " - key: value" for each key, Keras-style.
func formatLogs(b *strings.Builder, keys []string, logs func(string) float64) {
	for _, k := range keys {
		v := logs(k)
		if math.Abs(v) > 1e-3 || v == 0 {
			fmt.Fprintf(b, " - %s: %.4f", k, v)
		} else {
			fmt.Fprintf(b, " - %s: %.4e", k, v)
		}
	}
}

// stepTime formats a per-step duration as Keras does: 38ms/step.
func stepTime(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s >= 1:
		return fmt.Sprintf("%.0fs/step", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.0fms/step", s*1e3)
	}
	return fmt.Sprintf("%.0fus/step", s*1e6)
}
