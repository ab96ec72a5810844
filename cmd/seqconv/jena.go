package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seqconv/seqconv/data/jena"
	"github.com/seqconv/seqconv/data/timeseries"
	"github.com/seqconv/seqconv/datasets"
	"github.com/seqconv/seqconv/internal/curves"
	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/model"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

// jenaInfo records the data a forecaster was trained on: the windows, the
// columns and the standardization, so that it can be evaluated again and
// can predict from raw rows.
type jenaInfo struct {
	// File is the CSV trained on; "" is the shipped file.
	File     string    `json:"file,omitempty"`
	Missing  string    `json:"missing"`
	Columns  []string  `json:"columns"`
	Target   int       `json:"target_column"`
	Lookback int       `json:"lookback"`
	Step     int       `json:"step"`
	Delay    int       `json:"delay"`
	Mean     []float64 `json:"mean"`
	Std      []float64 `json:"std"`
	Split    string    `json:"split"`
}

// The Jena architectures "seqconv jena --model" offers.
var jenaArchs = []string{"conv-gru", "conv", "gru", "dense"}

const (
	jenaDefaultEpochs = 20
	jenaDefaultSteps  = 500
	jenaQuickSteps    = 10
	jenaQuickEval     = 4
	jenaDefaultLR     = 1e-3
)

// jenaDefaultStep is the sampling period each architecture was designed
// with: the conv-gru model reads 30-minute points (480 timesteps over 10
// days), the others hourly ones (240).
func jenaDefaultStep(arch string) int {
	if arch == "conv-gru" {
		return 3
	}
	return 6
}

// buildJenaModel returns one of the Jena architectures for windows of
// timesteps × features.
func buildJenaModel(arch string, timesteps, features int, seed uint64) (*model.Sequential, error) {
	in := layers.WithInputShape(timesteps, features)
	relu := layers.WithActivation("relu")
	var m *model.Sequential
	switch arch {
	case "conv-gru":
		m = model.JenaConvGRU(timesteps, features)
	case "conv":
		m = model.NewSequential(
			layers.Conv1D(32, 5, relu, in),
			layers.MaxPooling1D(3),
			layers.Conv1D(32, 5, relu),
			layers.MaxPooling1D(3),
			layers.Conv1D(32, 5, relu),
			layers.GlobalMaxPooling1D(),
			layers.Dense(1),
		)
	case "gru":
		m = model.NewSequential(layers.GRU(32, in), layers.Dense(1))
	case "dense":
		m = model.NewSequential(layers.Flatten(in), layers.Dense(32, relu), layers.Dense(1))
	default:
		return nil, fmt.Errorf("--model %q: want one of %s", arch, strings.Join(jenaArchs, ", "))
	}
	m.SetSeed(seed)
	if err := m.Build(); err != nil {
		return nil, fmt.Errorf("building the %s model for %d timesteps: %w", arch, timesteps, err)
	}
	return m, nil
}

// jenaFlagsTrain are the options of "seqconv jena".
type jenaFlagsTrain struct {
	runFlags
	arch, file, missing                     string
	lookback, step, delay, steps, evalSteps int
	lr                                      float64
	seed                                    uint64
	quick                                   bool
}

func newJenaCmd() *cobra.Command {
	var f jenaFlagsTrain
	def := jena.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "jena",
		Short: "Train a temperature forecaster on the Jena weather data and compare it to the common-sense baseline",
		Long: `Trains a model that predicts the air temperature 24 hours ahead from the last
10 days of the 14 Jena weather measurements, on the shipped 2024 file (or
--file, such as the full jena_climate_2009_2016.csv), and compares it to the
common-sense baseline "the temperature in 24 h is the last one observed".

The data are standardized with the training rows' mean and std; the split is
the reference one for the full file, and the same fractions for a shorter one.
Training draws --steps-per-epoch random batches per epoch; validation and test
cover their ranges once. Models (--model):

  conv-gru  Conv1D(32,5) → MaxPooling1D(3) → Conv1D(32,5) → GRU(32, dropout 0.1,
            recurrent dropout 0.5) → Dense(1); 30-minute points (480 timesteps)
  conv      three Conv1D(32,5) with pooling → GlobalMaxPooling1D → Dense(1); hourly
  gru       GRU(32) → Dense(1); hourly points
  dense     Flatten → Dense(32, relu) → Dense(1); hourly points

Results are in standardized units and in °C. Into --out go jena.model (the
best validation epoch), jena.checkpoint (for --resume), jena_history.csv and
jena_curves.png.`,
		Example: `  seqconv jena                                   # conv-gru, 20 epochs × 500 steps
  seqconv jena --quick                           # seconds: 10 steps, one epoch, 4 evaluation batches
  seqconv jena --model gru --epochs 10
  seqconv jena --file jena_climate_2009_2016.csv --out runs/full`,
		Args: cobra.NoArgs,
		RunE: guard(func(cmd *cobra.Command, _ []string) error {
			return trainJena(cmd.Context(), cmd, cmd.OutOrStdout(), f)
		}),
	}
	addRunFlags(cmd, &f.runFlags, jenaDefaultEpochs, def.BatchSize)
	fl := cmd.Flags()
	fl.StringVar(&f.arch, "model", "conv-gru", "architecture: "+strings.Join(jenaArchs, ", "))
	fl.StringVar(&f.file, "file", "", "Jena CSV to train on (default: the shipped "+datasets.JenaRoof2024Name+")")
	fl.StringVar(&f.missing, "missing", jena.FillLinear.String(), "what to do with -9999 values: fill-linear, fill-previous or reject")
	fl.IntVar(&f.lookback, "lookback", def.Lookback, "rows of history per sample (1440 = 10 days)")
	fl.IntVar(&f.step, "step", 0, "sampling period inside a window, in rows (0: 3 for conv-gru, 6 for the others)")
	fl.IntVar(&f.delay, "delay", def.Delay, "rows between the last row of history and the target (144 = 24 h)")
	fl.IntVar(&f.steps, "steps-per-epoch", jenaDefaultSteps, "training batches per epoch")
	fl.IntVar(&f.evalSteps, "eval-steps", 0, "validate and test on at most this many batches (0: cover each range once)")
	fl.Float64Var(&f.lr, "learning-rate", jenaDefaultLR, "RMSprop learning rate")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the initial weights, dropout and the training batches")
	fl.BoolVar(&f.quick, "quick", false, fmt.Sprintf("smoke test: %d steps and 1 epoch unless --steps-per-epoch/--epochs are given", jenaQuickSteps))
	return cmd
}

func init() {
	rootCmd.AddCommand(newJenaCmd())
}

func (f *jenaFlagsTrain) validate(cmd *cobra.Command) error {
	if f.quick {
		quickDefault(cmd, "steps-per-epoch", &f.steps, jenaQuickSteps)
		quickDefault(cmd, "epochs", &f.epochs, 1)
		quickDefault(cmd, "eval-steps", &f.evalSteps, jenaQuickEval)
	}
	if f.step == 0 {
		f.step = jenaDefaultStep(f.arch)
	}
	if !slices.Contains(jenaArchs, f.arch) {
		return fmt.Errorf("--model %q: want one of %s", f.arch, strings.Join(jenaArchs, ", "))
	}
	if _, err := jena.ParseMissingPolicy(f.missing); err != nil {
		return fmt.Errorf("--missing: %w", err)
	}
	if err := f.runFlags.check(f.lr); err != nil {
		return err
	}
	switch {
	case f.step < 1:
		return fmt.Errorf("--step %d: must be at least 1", f.step)
	case f.lookback < f.step || f.lookback%f.step != 0:
		return fmt.Errorf("--lookback %d: must be a positive multiple of --step %d", f.lookback, f.step)
	case f.delay < 0:
		return fmt.Errorf("--delay %d: must not be negative", f.delay)
	case f.steps < 1:
		return fmt.Errorf("--steps-per-epoch %d: must be at least 1", f.steps)
	case f.evalSteps < 0:
		return fmt.Errorf("--eval-steps %d: must be 0 (whole ranges) or more", f.evalSteps)
	}
	return nil
}

// jenaSetup is the data side of a Jena run: the loaded file, its split,
// the standardized values, the generators and the baseline.
type jenaSetup struct {
	data     *jena.Data
	split    jena.Split
	note     string
	std      *tensor.Tensor
	scaler   *timeseries.Scaler
	target   int
	cfg      jena.Config
	gens     *jena.Generators
	baseline jena.Baseline
}

// loadJena loads a Jena file (or the shipped one) and prepares the
// experiment's generators for the windows of info. The data are
// standardized with the statistics of the file's training rows, or, with
// savedScaler and statistics in info, with those the model was trained
// with (evaluating on another file must feed the model what it learned
// from); info is updated with the statistics used. evalSteps, when
// positive, caps the validation and test batches (quick runs).
func loadJena(info *jenaInfo, batch int, seed uint64, savedScaler bool, evalSteps int) (*jenaSetup, error) {
	policy, err := jena.ParseMissingPolicy(info.Missing)
	if err != nil {
		return nil, err
	}
	opts := jena.Options{Missing: policy, Columns: info.Columns}
	s := &jenaSetup{}
	if info.File == "" {
		s.data, err = jena.Parse(datasets.JenaRoof2024Name, datasets.JenaRoof2024(), opts)
	} else {
		s.data, err = jena.Load(info.File, opts)
	}
	if err != nil {
		return nil, err
	}
	s.target = s.data.Column(jena.TemperatureColumn)
	if s.target < 0 {
		return nil, fmt.Errorf("%s: no %q column", s.data.File, jena.TemperatureColumn)
	}
	s.split, s.note = jena.SplitFor(s.data.Rows)
	if s.std, s.scaler, err = jena.Standardized(s.data, s.split.TrainMax); err != nil {
		return nil, err
	}
	if f := s.data.Features(); savedScaler && len(info.Mean) == f && len(info.Std) == f {
		s.scaler = &timeseries.Scaler{Mean: info.Mean, Std: info.Std}
		copy(s.std.Data, s.data.Values)
		if err := s.scaler.Transform(s.std); err != nil {
			return nil, err
		}
	}
	s.cfg = jena.Config{Lookback: info.Lookback, Delay: info.Delay, Step: info.Step, BatchSize: batch, Seed: seed}
	if s.gens, err = jena.NewGenerators(s.std, s.split, s.target, s.cfg); err != nil {
		return nil, fmt.Errorf("%s (%d rows): %w", s.data.File, s.data.Rows, err)
	}
	if evalSteps > 0 {
		s.gens.ValSteps, s.gens.TestSteps = min(s.gens.ValSteps, evalSteps), min(s.gens.TestSteps, evalSteps)
	}
	// The baseline over exactly the batches the model is evaluated on
	// (jena.CommonSenseBaseline gives the same numbers for the full
	// ranges and the file's own statistics).
	b := jena.Baseline{ValSteps: s.gens.ValSteps, TestSteps: s.gens.TestSteps}
	s.gens.Val.Reset()
	if b.ValMAE, err = timeseries.NaiveMAE(s.gens.Val, b.ValSteps, s.target); err != nil {
		return nil, err
	}
	s.gens.Test.Reset()
	if b.TestMAE, err = timeseries.NaiveMAE(s.gens.Test, b.TestSteps, s.target); err != nil {
		return nil, err
	}
	s.gens.Val.Reset()
	s.gens.Test.Reset()
	b.ValMAEC, b.TestMAEC = s.scaler.Scale(s.target, b.ValMAE), s.scaler.Scale(s.target, b.TestMAE)
	s.baseline = b
	info.Columns, info.Target = s.data.Columns, s.target
	info.Mean, info.Std = s.scaler.Mean, s.scaler.Std
	info.Split = s.note
	return s, nil
}

// epochSource draws the training batches of one epoch from a generator
// seeded by the run's seed and the epoch number, so that a resumed run
// draws the same batches as an uninterrupted one. It also rewinds the
// validation generator before each epoch so that every epoch is validated
// on the same batches.
type epochSource struct {
	model.BaseCallback
	s    *jenaSetup
	seed uint64
	gen  *timeseries.Generator
}

func (e *epochSource) OnEpochBegin(epoch int) error {
	s := e.s
	g, err := timeseries.NewGenerator(s.std, timeseries.GeneratorConfig{
		Lookback: s.cfg.Lookback, Delay: s.cfg.Delay, Step: s.cfg.Step, BatchSize: s.cfg.BatchSize,
		MinIndex: s.split.TrainMin, MaxIndex: s.split.TrainMax, Shuffle: true, TargetColumn: s.target,
		Seed: e.seed*1_000_003 + uint64(epoch),
	})
	if err != nil {
		return err
	}
	e.gen = g
	s.gens.Val.Reset()
	return nil
}

func (e *epochSource) Next() (x, y *tensor.Tensor, err error) {
	if e.gen == nil {
		if err := e.OnEpochBegin(0); err != nil {
			return nil, nil, err
		}
	}
	return e.gen.Next()
}

// jenaScores are a model's MAE on the validation and test ranges.
type jenaScores struct{ val, test, valC, testC float64 }

func evalJena(ctx context.Context, m *model.Sequential, s *jenaSetup) (jenaScores, error) {
	var sc jenaScores
	s.gens.Val.Reset()
	v, err := m.EvaluateSource(ctx, s.gens.Val, s.gens.ValSteps)
	if err != nil {
		return sc, err
	}
	s.gens.Test.Reset()
	t, err := m.EvaluateSource(ctx, s.gens.Test, s.gens.TestSteps)
	if err != nil {
		return sc, err
	}
	sc.val, sc.test = v["loss"], t["loss"]
	sc.valC, sc.testC = s.scaler.Scale(s.target, sc.val), s.scaler.Scale(s.target, sc.test)
	return sc, nil
}

// printJenaTable prints the baseline and the model side by side.
func printJenaTable(w io.Writer, s *jenaSetup, label string, sc jenaScores) {
	b := s.baseline
	fmt.Fprintf(w, "%-28s %-24s %s\n", "MAE (standardized = °C)", fmt.Sprintf("validation (%d batches)", b.ValSteps), fmt.Sprintf("test (%d batches)", b.TestSteps))
	fmt.Fprintf(w, "%-28s %.4f = %.3f °C       %.4f = %.3f °C\n", "common-sense baseline", b.ValMAE, b.ValMAEC, b.TestMAE, b.TestMAEC)
	fmt.Fprintf(w, "%-28s %.4f = %.3f °C       %.4f = %.3f °C\n", label, sc.val, sc.valC, sc.test, sc.testC)
	beats := sc.test < b.TestMAE
	verdict := "beats"
	if !beats {
		verdict = "does NOT beat"
	}
	fmt.Fprintf(w, "on the test range the model %s the baseline (%+.3f °C)\n", verdict, sc.testC-b.TestMAEC)
	if !beats {
		if hint := seasonHint(s); hint != "" {
			fmt.Fprintln(w, hint)
		}
	}
}

// rangeDates describes rows [lo, hi) of the data by their dates and mean
// temperature.
func rangeDates(s *jenaSetup, lo, hi int) string {
	d := s.data
	hi = min(hi, d.Rows)
	if lo >= hi || len(d.Times) < hi {
		return ""
	}
	var sum float64
	f := d.Features()
	for r := lo; r < hi; r++ {
		sum += float64(d.Values[r*f+s.target])
	}
	return fmt.Sprintf("%s – %s (mean %.1f °C)", d.Times[lo].Format("2 Jan 2006"), d.Times[hi-1].Format("2 Jan 2006"), sum/float64(hi-lo))
}

// seasonHint explains the likeliest reason a model loses to the baseline:
// a training range shorter than a year has not seen the test range's
// season (the shipped file's case). It returns "" otherwise.
func seasonHint(s *jenaSetup) string {
	d, sp := s.data, s.split
	if len(d.Times) < d.Rows || sp.TrainMax < 1 || d.Times[sp.TrainMax-1].Sub(d.Times[sp.TrainMin]) >= 365*24*time.Hour {
		return ""
	}
	return fmt.Sprintf("note: the training rows cover less than a year, %s, and the test rows %s:\n"+
		"the model has not seen the test range's season. The reference experiment trains on several years\n"+
		"(--file jena_climate_2009_2016.csv); see the README's Jena results.",
		rangeDates(s, sp.TrainMin, sp.TrainMax), rangeDates(s, sp.TestMin, sp.Rows))
}

func trainJena(ctx context.Context, cmd *cobra.Command, w io.Writer, f jenaFlagsTrain) error {
	start := time.Now()
	if err := f.validate(cmd); err != nil {
		return err
	}
	// A new run's model is built once the data say how many features a
	// window has.
	r, err := openRun(cmd, f.runFlags, "jena", "a Jena", f.resumeChecks, func() (*runInfo, *model.Sequential, error) {
		return &runInfo{
			Dataset: "jena", Arch: f.arch,
			Jena:    &jenaInfo{File: f.file, Missing: f.missing, Lookback: f.lookback, Step: f.step, Delay: f.delay},
			Train:   trainInfo{Epochs: f.epochs, BatchSize: f.batch, LearningRate: f.lr, StepsPerEpoch: f.steps, EvalSteps: f.evalSteps, Seed: f.seed},
			Monitor: "val_loss",
		}, nil, nil
	})
	if err != nil {
		return err
	}
	info := r.info

	t0 := time.Now()
	s, err := loadJena(info.Jena, info.Train.BatchSize, info.Train.Seed, f.resume, info.Train.EvalSteps)
	if err != nil {
		return err
	}
	file := s.data.File
	if info.Jena.File == "" {
		file += " (shipped)"
	}
	fmt.Fprintf(w, "Jena: %s, %d rows × %d features (loaded in %s)\n", file, s.data.Rows, s.data.Features(), fmtDuration(time.Since(t0)))
	fmt.Fprintf(w, "split: %s\n", s.note)
	if tr := rangeDates(s, s.split.TrainMin, s.split.TrainMax); tr != "" {
		fmt.Fprintf(w, "       train %s; validation %s; test %s\n", tr, rangeDates(s, s.split.ValMin, s.split.ValMax), rangeDates(s, s.split.TestMin, s.split.Rows))
	}
	fmt.Fprintf(w, "windows: lookback %d rows, every %d rows (%d timesteps), target %q %d rows after the last row of history; batch %d\n",
		info.Jena.Lookback, info.Jena.Step, info.Jena.Lookback/info.Jena.Step, jena.TemperatureColumn, info.Jena.Delay+info.Jena.Step, info.Train.BatchSize)
	fmt.Fprintf(w, "common-sense baseline: val MAE %.4f (%.3f °C), test MAE %.4f (%.3f °C)\n",
		s.baseline.ValMAE, s.baseline.ValMAEC, s.baseline.TestMAE, s.baseline.TestMAEC)

	if r.m == nil {
		if r.m, err = buildJenaModel(f.arch, f.lookback/f.step, s.data.Features(), f.seed); err != nil {
			return err
		}
		if err := r.m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{LearningRate: f.lr}), losses.MeanAbsoluteError{}); err != nil {
			return err
		}
	} else if in := r.m.InputShape(); len(in) != 2 || in[1] != s.data.Features() || (in[0] > 0 && in[0] != info.Jena.Lookback/info.Jena.Step) {
		return fmt.Errorf("--resume: the checkpoint's input %v does not fit %d timesteps × %d features", in, info.Jena.Lookback/info.Jena.Step, s.data.Features())
	}
	m := r.m
	if err := m.Summary(w); err != nil {
		return err
	}
	if info.Initial == nil {
		s.gens.Val.Reset()
		logs, err := m.EvaluateSource(ctx, s.gens.Val, s.gens.ValSteps)
		if err != nil {
			return err
		}
		info.Initial = map[string]float64{"val_loss": logs["loss"]}
		fmt.Fprintf(w, "untrained: val_loss %.4f\n", logs["loss"])
	}

	src := &epochSource{s: s, seed: info.Train.Seed}
	plot := func() error { return plotJena(r.curvesPath, info, s) }
	tr := r.tracker(false, []string{"loss", "val_loss"}, plot)
	trainTime, err := r.fit(ctx, w,
		fmt.Sprintf("training %s: RMSprop lr %g, MAE loss, %d steps per epoch, epochs %d–%d",
			info.Arch, info.Train.LearningRate, info.Train.StepsPerEpoch, info.EpochsDone+1, r.epochs),
		func() error {
			_, err := m.FitSource(ctx, src, model.FitSourceConfig{
				StepsPerEpoch: info.Train.StepsPerEpoch, Epochs: r.epochs, InitialEpoch: info.EpochsDone,
				Validation: s.gens.Val, ValidationSteps: s.gens.ValSteps,
				Callbacks: []model.Callback{src, tr}, Verbose: 1, Progress: w,
			})
			return err
		})
	if err != nil {
		return err
	}
	if err := r.keepWeights(w, f.noRestore); err != nil {
		return err
	}
	sc, err := evalJena(ctx, m, s)
	if err != nil {
		return err
	}
	printJenaTable(w, s, fmt.Sprintf("%s (epoch %d)", info.Arch, info.BestEpoch), sc)
	info.Results = map[string]float64{
		"val_mae": sc.val, "test_mae": sc.test, "val_mae_c": sc.valC, "test_mae_c": sc.testC,
		"baseline_val_mae": s.baseline.ValMAE, "baseline_test_mae": s.baseline.TestMAE,
		"baseline_val_mae_c": s.baseline.ValMAEC, "baseline_test_mae_c": s.baseline.TestMAEC,
		"train_seconds": trainTime.Seconds(), "total_seconds": time.Since(start).Seconds(),
	}
	return r.finish(w, start, plot)
}

// resumeChecks lists the flags that must agree with a resumed checkpoint.
func (f jenaFlagsTrain) resumeChecks(info *runInfo) []flagCheck {
	j := info.Jena
	return []flagCheck{
		{"model", f.arch, info.Arch}, {"file", f.file, j.File}, {"missing", f.missing, j.Missing},
		{"lookback", f.lookback, j.Lookback}, {"step", f.step, j.Step}, {"delay", f.delay, j.Delay},
		{"batch-size", f.batch, info.Train.BatchSize}, {"learning-rate", f.lr, info.Train.LearningRate},
		{"steps-per-epoch", f.steps, info.Train.StepsPerEpoch}, {"seed", f.seed, info.Train.Seed},
		{"eval-steps", f.evalSteps, info.Train.EvalSteps},
	}
}

// plotJena draws the training and validation MAE per epoch in °C, with
// the baseline.
func plotJena(path string, info *runInfo, s *jenaSetup) error {
	h := info.History
	toC := func(c curves.Series) curves.Series {
		for i := range c.Y {
			c.Y[i] = s.scaler.Scale(s.target, c.Y[i])
		}
		return c
	}
	p := curves.Panel{Title: "Jena " + info.Arch + ": mean absolute error", XLabel: "epoch", YLabel: "MAE (°C)",
		Series: []curves.Series{toC(series("training", h, nil, "loss", false)), toC(series("validation", h, info.Initial, "val_loss", true))},
		HLines: []curves.HLine{{Name: "baseline (validation)", Y: s.baseline.ValMAEC}},
		Marker: float64(info.BestEpoch), MarkerName: "kept epoch"}
	if v, ok := info.Results["test_mae_c"]; ok {
		p.HLines = append(p.HLines, curves.HLine{Name: fmt.Sprintf("test (kept epoch) %.3f", v), Y: v},
			curves.HLine{Name: "baseline (test)", Y: s.baseline.TestMAEC})
	}
	return curves.WritePNG(path, 720, 460, p)
}
