package jena

import (
	"fmt"

	"github.com/seqconv/seqconv/data/timeseries"
	"github.com/seqconv/seqconv/tensor"
)

// The reference split of the 420,551-row jena_climate_2009_2016.csv used by
// the classic experiment: train on rows [0, 200000], validate on
// [200001, 300000], test on the rest.
const (
	ReferenceRows     = 420551
	ReferenceTrainEnd = 200000
	ReferenceValEnd   = 300000
)

// Split gives the generator bounds of the three parts, as the reference
// experiment passes them: train rows in [TrainMin, TrainMax), validation
// in [ValMin, ValMax), test from TestMin to the end of the data (the
// generator's NoMax). Standardization statistics use rows [0, TrainMax).
type Split struct {
	Rows               int
	TrainMin, TrainMax int
	ValMin, ValMax     int
	TestMin            int
	// Proportional is true when the bounds were scaled to a file shorter
	// than the reference one.
	Proportional bool
}

// SplitFor returns the split for a file of the given number of rows and a
// one-line note saying which rule produced it. A file at least as long as
// the reference one uses the reference row numbers; a shorter one uses the
// same fractions, 200000/420551 (47.56%) and 300000/420551 (71.33%), rounded
// down to whole rows.
func SplitFor(rows int) (Split, string) {
	if rows >= ReferenceRows {
		s := Split{Rows: rows, TrainMax: ReferenceTrainEnd, ValMin: ReferenceTrainEnd + 1,
			ValMax: ReferenceValEnd, TestMin: ReferenceValEnd + 1}
		return s, fmt.Sprintf("reference split (%d rows ≥ %d): train [0, %d), val [%d, %d), test [%d, %d)",
			rows, ReferenceRows, s.TrainMax, s.ValMin, s.ValMax, s.TestMin, rows)
	}
	trainEnd := int(int64(rows) * ReferenceTrainEnd / ReferenceRows)
	valEnd := int(int64(rows) * ReferenceValEnd / ReferenceRows)
	s := Split{Rows: rows, TrainMax: trainEnd, ValMin: trainEnd + 1, ValMax: valEnd, TestMin: valEnd + 1, Proportional: true}
	return s, fmt.Sprintf("proportional split (%d rows < reference %d; fractions 200000/420551 and 300000/420551): train [0, %d), val [%d, %d), test [%d, %d)",
		rows, ReferenceRows, s.TrainMax, s.ValMin, s.ValMax, s.TestMin, rows)
}

// Config holds the windowing parameters of the experiment.
type Config struct {
	Lookback  int    // rows of history per sample (1440 = 10 days)
	Delay     int    // rows ahead of the target (144 = 24 hours)
	Step      int    // sampling period inside a window (3 = 30 minutes)
	BatchSize int    // samples per batch
	Seed      uint64 // seed of the shuffled training generator
}

// DefaultConfig returns the reference conv-GRU experiment's parameters:
// lookback 1440 (10 days), delay 144 (24 hours), step 3 (one sample every
// 30 minutes, so windows of 480 timesteps), batch 128.
func DefaultConfig() Config { return Config{Lookback: 1440, Delay: 144, Step: 3, BatchSize: 128} }

// Steps returns the number of validation and test batches that cover each
// range once: (ValMax − ValMin − lookback)/batch and
// (Rows − TestMin − lookback)/batch, the reference experiment's formulas
// with its validation typo corrected. Either being below one is an error
// naming the range.
func (s Split) Steps(cfg Config) (val, test int, err error) {
	val, err = timeseries.Steps(s.ValMin, s.ValMax, cfg.Lookback, cfg.BatchSize)
	if err != nil {
		return 0, 0, fmt.Errorf("jena: validation: %w", err)
	}
	test, err = timeseries.Steps(s.TestMin, s.Rows, cfg.Lookback, cfg.BatchSize)
	if err != nil {
		return 0, 0, fmt.Errorf("jena: test: %w", err)
	}
	return val, test, nil
}

// Standardized returns a copy of d's values as a [rows, features] tensor,
// standardized with the mean and std of rows [0, trainEnd), and the scaler.
func Standardized(d *Data, trainEnd int) (*tensor.Tensor, *timeseries.Scaler, error) {
	t := d.Tensor()
	t.Data = append([]float32(nil), d.Values...)
	sc, err := timeseries.FitScaler(t, trainEnd)
	if err != nil {
		return nil, nil, fmt.Errorf("jena: %w", err)
	}
	if err := sc.Transform(t); err != nil {
		return nil, nil, err
	}
	return t, sc, nil
}

// Generators are the three generators of the experiment: shuffled training
// batches, sequential validation and test batches, and the number of
// validation and test batches per evaluation.
type Generators struct {
	Train, Val, Test    *timeseries.Generator
	ValSteps, TestSteps int
}

// NewGenerators builds the experiment's generators over standardized data
// (shape [rows, features]) for a split; target is the column predicted
// (the index of "T (degC)").
func NewGenerators(std *tensor.Tensor, s Split, target int, cfg Config) (*Generators, error) {
	valSteps, testSteps, err := s.Steps(cfg)
	if err != nil {
		return nil, err
	}
	mk := func(part string, lo, hi int, shuffle bool) (*timeseries.Generator, error) {
		g, err := timeseries.NewGenerator(std, timeseries.GeneratorConfig{
			Lookback: cfg.Lookback, Delay: cfg.Delay, Step: cfg.Step, BatchSize: cfg.BatchSize,
			MinIndex: lo, MaxIndex: hi, Shuffle: shuffle, TargetColumn: target, Seed: cfg.Seed,
		})
		if err != nil {
			return nil, fmt.Errorf("jena: %s generator: %w", part, err)
		}
		return g, nil
	}
	g := &Generators{ValSteps: valSteps, TestSteps: testSteps}
	if g.Train, err = mk("training", s.TrainMin, s.TrainMax, true); err != nil {
		return nil, err
	}
	if g.Val, err = mk("validation", s.ValMin, s.ValMax, false); err != nil {
		return nil, err
	}
	if g.Test, err = mk("test", s.TestMin, timeseries.NoMax, false); err != nil {
		return nil, err
	}
	return g, nil
}

// Baseline holds the common-sense baseline's mean absolute errors, in
// standardized units and in °C.
type Baseline struct {
	ValMAE, TestMAE     float64 // standardized units
	ValMAEC, TestMAEC   float64 // degrees Celsius
	ValSteps, TestSteps int
}

// TemperatureColumn is the column the experiment predicts.
const TemperatureColumn = "T (degC)"

// CommonSenseBaseline evaluates the baseline "the temperature 24 hours from
// now equals the last one observed" as the reference experiment does: over
// ValSteps (TestSteps) batches of the sequential validation (test)
// generator, the prediction is the sample's last timestep's temperature,
// which is the row Step rows before the reference row, and the target the
// temperature Delay rows after it. Errors are reported in standardized
// units and converted to °C with the training std of the temperature.
func CommonSenseBaseline(d *Data, s Split, cfg Config) (Baseline, error) {
	col := d.Column(TemperatureColumn)
	if col < 0 {
		return Baseline{}, fmt.Errorf("jena: %s: no %q column selected", d.File, TemperatureColumn)
	}
	std, sc, err := Standardized(d, s.TrainMax)
	if err != nil {
		return Baseline{}, err
	}
	g, err := NewGenerators(std, s, col, cfg)
	if err != nil {
		return Baseline{}, err
	}
	var b Baseline
	b.ValSteps, b.TestSteps = g.ValSteps, g.TestSteps
	if b.ValMAE, err = timeseries.NaiveMAE(g.Val, g.ValSteps, col); err != nil {
		return Baseline{}, err
	}
	if b.TestMAE, err = timeseries.NaiveMAE(g.Test, g.TestSteps, col); err != nil {
		return Baseline{}, err
	}
	b.ValMAEC, b.TestMAEC = sc.Scale(col, b.ValMAE), sc.Scale(col, b.TestMAE)
	return b, nil
}
