// Package timeseries turns a (time × features) array into batches of
// windows for sequence models: the windowed generator of the classic Jena
// temperature-forecasting experiment (Generator), a Keras-style
// timeseries_dataset_from_array (DatasetFromArray), standardization fitted
// on training rows (Scaler) and the last-value baseline (NaiveMAE).
//
// Both batch sources reuse their output tensors: a batch returned by Next is
// valid until the following call to Next, and iterating allocates nothing
// per batch.
package timeseries

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/seqconv/seqconv/tensor"
)

// Batches is a source of (inputs, targets) batches. The tensors returned
// belong to the source and are overwritten by the next call; a finite
// source returns io.EOF after its last batch.
type Batches interface {
	Next() (x, y *tensor.Tensor, err error)
}

// NoMax, as GeneratorConfig.MaxIndex, means "no upper bound": the book's
// max_index=None, which becomes len(data) − delay − 1.
const NoMax = -1

// GeneratorConfig holds the parameters of the reference generator. Indices
// are rows of the data array.
type GeneratorConfig struct {
	// Lookback is how many rows back each sample looks (1440 = 10 days of
	// 10-minute rows).
	Lookback int
	// Delay is how many rows after the sample's reference row the target
	// is taken (144 = 24 hours).
	Delay int
	// MinIndex and MaxIndex bound the reference rows: a row r is drawn from
	// [MinIndex+Lookback, MaxIndex). MaxIndex ≤ 0 means NoMax. As in the
	// book, the target row r+Delay may lie past MaxIndex.
	MinIndex, MaxIndex int
	// Shuffle draws reference rows uniformly at random (with replacement)
	// instead of walking them in order.
	Shuffle bool
	// BatchSize is the number of samples per batch (128 in the book).
	BatchSize int
	// Step is the sampling period inside a window, in rows (6 = one hour).
	// Lookback must be a multiple of Step.
	Step int
	// TargetColumn is the column whose value at r+Delay is the target
	// (1 = "T (degC)" in the 14 Jena features).
	TargetColumn int
	// Seed seeds the random generator used when Shuffle is set.
	Seed uint64
}

// Generator is the reference windowed generator of the Jena experiment. For
// each reference row r of a batch, the sample is rows r−Lookback,
// r−Lookback+Step, …, r−Step (Lookback/Step timesteps, all columns) and
// the target is data[r+Delay][TargetColumn].
//
// In order (Shuffle false) it walks reference rows from MinIndex+Lookback;
// when the next batch would reach MaxIndex it starts again from
// MinIndex+Lookback, so the rows just below MaxIndex are not visited, as in
// the book. The generator never ends.
type Generator struct {
	data     []float32
	features int
	cfg      GeneratorConfig
	maxIndex int
	steps    int // timesteps per sample
	i        int // next reference row in sequential mode
	rng      *rand.Rand
	rows     []int
	x, y     tensor.Tensor
}

// NewGenerator checks the configuration against data (shape [rows,
// features]) and returns a generator. Data is read, not copied: it must not
// change while the generator is used.
func NewGenerator(data *tensor.Tensor, cfg GeneratorConfig) (*Generator, error) {
	if data == nil || len(data.Shape) != 2 {
		return nil, errors.New("timeseries: generator data must have shape [rows, features]")
	}
	n, f := data.Shape[0], data.Shape[1]
	switch {
	case cfg.Lookback < 1:
		return nil, fmt.Errorf("timeseries: lookback %d: must be at least 1", cfg.Lookback)
	case cfg.Step < 1:
		return nil, fmt.Errorf("timeseries: step %d: must be at least 1", cfg.Step)
	case cfg.Lookback%cfg.Step != 0:
		return nil, fmt.Errorf("timeseries: lookback %d is not a multiple of step %d", cfg.Lookback, cfg.Step)
	case cfg.Delay < 0:
		return nil, fmt.Errorf("timeseries: delay %d: must not be negative", cfg.Delay)
	case cfg.BatchSize < 1:
		return nil, fmt.Errorf("timeseries: batch size %d: must be at least 1", cfg.BatchSize)
	case cfg.MinIndex < 0:
		return nil, fmt.Errorf("timeseries: min index %d: must not be negative", cfg.MinIndex)
	case cfg.TargetColumn < 0 || cfg.TargetColumn >= f:
		return nil, fmt.Errorf("timeseries: target column %d out of range [0, %d)", cfg.TargetColumn, f)
	}
	maxIndex := cfg.MaxIndex
	if maxIndex <= 0 {
		maxIndex = n - cfg.Delay - 1
	}
	if maxIndex+cfg.Delay > n {
		return nil, fmt.Errorf("timeseries: max index %d + delay %d exceeds the %d rows of data", maxIndex, cfg.Delay, n)
	}
	if cfg.MinIndex+cfg.Lookback >= maxIndex {
		return nil, fmt.Errorf("timeseries: no reference rows: min index %d + lookback %d ≥ max index %d",
			cfg.MinIndex, cfg.Lookback, maxIndex)
	}
	g := &Generator{
		data:     data.Data,
		features: f,
		cfg:      cfg,
		maxIndex: maxIndex,
		steps:    cfg.Lookback / cfg.Step,
		rows:     make([]int, 0, cfg.BatchSize),
	}
	g.x.Data = make([]float32, cfg.BatchSize*g.steps*f)
	g.y.Data = make([]float32, cfg.BatchSize)
	g.Reset()
	return g, nil
}

// Reset restarts the sequential walk and re-seeds the random generator, so
// that the batches repeat from the first one.
func (g *Generator) Reset() {
	g.i = g.cfg.MinIndex + g.cfg.Lookback
	g.rng = rand.New(rand.NewPCG(g.cfg.Seed, 0x9e3779b97f4a7c15))
}

// Timesteps returns the number of timesteps per sample, Lookback/Step.
func (g *Generator) Timesteps() int { return g.steps }

// MaxIndex returns the effective upper bound of reference rows.
func (g *Generator) MaxIndex() int { return g.maxIndex }

// Next returns the next batch: x of shape [b, Lookback/Step, features] and
// y of shape [b, 1], where b is BatchSize except when the whole range
// holds fewer reference rows. The error is always nil.
func (g *Generator) Next() (x, y *tensor.Tensor, err error) {
	c := &g.cfg
	lo := c.MinIndex + c.Lookback
	g.rows = g.rows[:0]
	if c.Shuffle {
		for range c.BatchSize {
			g.rows = append(g.rows, lo+g.rng.IntN(g.maxIndex-lo))
		}
	} else {
		if g.i+c.BatchSize >= g.maxIndex {
			g.i = lo
		}
		end := min(g.i+c.BatchSize, g.maxIndex)
		for r := g.i; r < end; r++ {
			g.rows = append(g.rows, r)
		}
		g.i = end
	}
	b, f := len(g.rows), g.features
	g.x.Resize(b, g.steps, f)
	g.y.Resize(b, 1)
	for j, r := range g.rows {
		dst := g.x.Data[j*g.steps*f : (j+1)*g.steps*f]
		if c.Step == 1 {
			copy(dst, g.data[(r-c.Lookback)*f:r*f])
		} else {
			for t := range g.steps {
				src := (r - c.Lookback + t*c.Step) * f
				copy(dst[t*f:(t+1)*f], g.data[src:src+f])
			}
		}
		g.y.Data[j] = g.data[(r+c.Delay)*f+c.TargetColumn]
	}
	return &g.x, &g.y, nil
}

// Steps returns how many batches cover the reference rows of [minIndex,
// maxIndex) once, the corrected formula of the book:
// (maxIndex − minIndex − lookback) / batchSize, rounded down. It is an
// error when that is less than one batch.
func Steps(minIndex, maxIndex, lookback, batchSize int) (int, error) {
	if batchSize < 1 {
		return 0, fmt.Errorf("timeseries: batch size %d: must be at least 1", batchSize)
	}
	n := maxIndex - minIndex - lookback
	if n < batchSize {
		return 0, fmt.Errorf("timeseries: rows [%d, %d) with lookback %d hold %d reference rows, fewer than one batch of %d",
			minIndex, maxIndex, lookback, max(n, 0), batchSize)
	}
	return n / batchSize, nil
}
