package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/seqconv/seqconv/data/imdb"
	"github.com/seqconv/seqconv/data/sequence"
	"github.com/seqconv/seqconv/model"
	"github.com/seqconv/seqconv/tensor"
)

// Case names, in the order the driver runs and reports them.
const (
	IMDBTrainStep = "imdb_train_step"
	IMDBInference = "imdb_inference"
	JenaTrainStep = "jena_train_step"
	JenaInference = "jena_inference"
	IMDBEpochCase = "imdb_epoch"
)

// CaseNames lists the timed cases in report order.
var CaseNames = []string{IMDBTrainStep, IMDBInference, JenaTrainStep, JenaInference, IMDBEpochCase}

// Data is the synthetic input of every case, shared with the PyTorch side
// through WriteRaw so that both time the very same numbers.
type Data struct {
	// IMDBX holds IMDBEpoch reviews of IMDBLen token ids, uniform in
	// [0, IMDBVocab); the train-step and inference batch is its first
	// Batch rows.
	IMDBX []int32
	// IMDBY holds one 0/1 label per review.
	IMDBY []float32
	// JenaX holds one batch, Batch × JenaSteps × JenaFeats, standard normal.
	JenaX []float32
	// JenaY holds its Batch targets.
	JenaY []float32
}

// NewData draws the synthetic data from a PCG generator seeded by seed.
func NewData(seed uint64) *Data {
	rng := rand.New(rand.NewPCG(seed, 0x5eec0))
	d := &Data{
		IMDBX: make([]int32, IMDBEpoch*IMDBLen),
		IMDBY: make([]float32, IMDBEpoch),
		JenaX: make([]float32, Batch*JenaSteps*JenaFeats),
		JenaY: make([]float32, Batch),
	}
	for i := range d.IMDBX {
		d.IMDBX[i] = int32(rng.IntN(IMDBVocab))
	}
	for i := range d.IMDBY {
		d.IMDBY[i] = float32(rng.IntN(2))
	}
	for i := range d.JenaX {
		d.JenaX[i] = float32(rng.NormFloat64())
	}
	for i := range d.JenaY {
		d.JenaY[i] = float32(rng.NormFloat64())
	}
	return d
}

// UseIMDB replaces the synthetic reviews by real ones: the first IMDBEpoch
// of reviews, padded or truncated to IMDBLen as Keras's pad_sequences does
// (zeros and cuts at the front), with their labels. Real reviews matter for
// timing: their ids are Zipf-distributed with padding, so a batch holds far
// fewer distinct ids than IMDBLen·Batch uniform draws, which seqconv's fused
// Embedding+Conv1D path (model.Sequential fuses the pair) exploits and a
// dense implementation does not.
func (d *Data) UseIMDB(train imdb.Split) error {
	if train.Len() < IMDBEpoch {
		return fmt.Errorf("bench: %d reviews, want at least %d", train.Len(), IMDBEpoch)
	}
	x, err := sequence.PadSequences(train.X[:IMDBEpoch], IMDBLen, sequence.PadOptions{})
	if err != nil {
		return err
	}
	for i, v := range x.Data {
		if v < 0 || v >= IMDBVocab {
			return fmt.Errorf("bench: review %d has id %d outside [0, %d)", i/IMDBLen, v, IMDBVocab)
		}
	}
	copy(d.IMDBX, x.Data)
	for i, y := range train.Y[:IMDBEpoch] {
		d.IMDBY[i] = float32(y)
	}
	return nil
}

// Raw file names written by WriteRaw (little-endian int32 / float32, no
// header; shapes as in Data).
const (
	RawIMDBX = "imdb_x.i32"
	RawIMDBY = "imdb_y.f32"
	RawJenaX = "jena_x.f32"
	RawJenaY = "jena_y.f32"
)

// WriteRaw writes the data into dir as the four raw files named above.
func (d *Data) WriteRaw(dir string) error {
	for _, f := range []struct {
		name string
		data any
	}{{RawIMDBX, d.IMDBX}, {RawIMDBY, d.IMDBY}, {RawJenaX, d.JenaX}, {RawJenaY, d.JenaY}} {
		fh, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			return err
		}
		err = binary.Write(fh, binary.LittleEndian, f.data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("bench: writing %s: %w", f.name, err)
		}
	}
	return nil
}

// Case is one timed workload on a seqconv model.
type Case struct {
	// Name is one of CaseNames.
	Name string
	// FLOPs is the case's arithmetic as a dense implementation performs it
	// (see FLOPs).
	FLOPs float64
	run   func(ctx context.Context) error
}

// Run performs the case's work once.
func (c *Case) Run(ctx context.Context) error { return c.run(ctx) }

// Cases holds the two models and the five cases built on them.
type Cases struct {
	// IMDB and Jena are the reference models, built and compiled.
	IMDB, Jena *model.Sequential
	// List holds the cases in CaseNames order.
	List []*Case
}

// NewCases builds the two reference models (weights drawn from seed) and
// the five cases on d. The train-step cases update the models' weights; the
// epoch case shuffles with a seed that changes on every run.
func NewCases(d *Data, seed uint64) (*Cases, error) {
	im, err := IMDBModel(seed)
	if err != nil {
		return nil, err
	}
	jm, err := JenaModel(seed)
	if err != nil {
		return nil, err
	}
	ex := tensor.New(IMDBEpoch, IMDBLen)
	for i, v := range d.IMDBX {
		ex.Data[i] = float32(v)
	}
	ey, err := tensor.FromData(append([]float32(nil), d.IMDBY...), IMDBEpoch, 1)
	if err != nil {
		return nil, err
	}
	bx, _ := tensor.FromData(ex.Data[:Batch*IMDBLen], Batch, IMDBLen)
	by, _ := tensor.FromData(ey.Data[:Batch], Batch, 1)
	jx, err := tensor.FromData(append([]float32(nil), d.JenaX...), Batch, JenaSteps, JenaFeats)
	if err != nil {
		return nil, err
	}
	jy, err := tensor.FromData(append([]float32(nil), d.JenaY...), Batch, 1)
	if err != nil {
		return nil, err
	}
	train := func(m *model.Sequential, x, y *tensor.Tensor) func(context.Context) error {
		return func(context.Context) error {
			loss, err := m.TrainOnBatch(x, y)
			if err == nil && (math.IsNaN(loss) || math.IsInf(loss, 0)) {
				err = fmt.Errorf("bench: loss %v", loss)
			}
			return err
		}
	}
	predict := func(m *model.Sequential, x *tensor.Tensor) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := m.Predict(ctx, x, Batch)
			return err
		}
	}
	var epochs uint64
	epoch := func(ctx context.Context) error {
		epochs++
		_, err := im.Fit(ctx, ex, ey, model.FitConfig{Epochs: 1, BatchSize: Batch, Seed: epochs})
		return err
	}
	return &Cases{IMDB: im, Jena: jm, List: []*Case{
		{IMDBTrainStep, FLOPs(IMDBTrainStep), train(im, bx, by)},
		{IMDBInference, FLOPs(IMDBInference), predict(im, bx)},
		{JenaTrainStep, FLOPs(JenaTrainStep), train(jm, jx, jy)},
		{JenaInference, FLOPs(JenaInference), predict(jm, jx)},
		{IMDBEpochCase, FLOPs(IMDBEpochCase), epoch},
	}}, nil
}

// Get returns the case of that name, or nil.
func (c *Cases) Get(name string) *Case {
	for _, k := range c.List {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// conv returns the FLOPs of a valid, stride-1 Conv1D's forward GEMM:
// 2 · batch · outSteps · (k · in) · filters.
func conv(batch, steps, in, k, filters int) float64 {
	return 2 * float64(batch) * float64(steps-k+1) * float64(k*in) * float64(filters)
}

// FLOPs returns the arithmetic of a case as a dense implementation (im2col
// convolutions, GEMMs) performs it, a multiply-add counting 2: the
// convolution, GRU and Dense GEMMs; embedding lookups, activations,
// pooling and the optimizer update are left out (they are a few MFLOP).
// A training step is the forward GEMMs plus, for each layer, the weight
// gradient GEMM and the input gradient GEMM (left out for a layer that
// takes the model's input, except after an Embedding, whose gradient
// needs it). An epoch is IMDBEpoch/Batch (fractional) training steps.
// It returns 0 for an unknown name.
//
// seqconv's fused Embedding+Conv1D path, when it runs, does fewer FLOPs
// than this count; the figure stays the standard one so that GFLOP/s
// figures compare.
func FLOPs(name string) float64 {
	const b = Batch
	// IMDB: conv 500 → 494, pool 5 → 98, conv → 92.
	imdbConv1 := conv(b, IMDBLen, 128, 7, 32)
	imdbConv2 := conv(b, (IMDBLen-6)/5, 32, 7, 32)
	imdbDense := 2.0 * b * 32
	// Jena: conv 480 → 476, pool 3 → 158, conv → 154, GRU over 154 steps.
	jenaConv1 := conv(b, JenaSteps, JenaFeats, 5, 32)
	gruSteps := (JenaSteps-4)/3 - 4
	jenaConv2 := conv(b, (JenaSteps-4)/3, 32, 5, 32)
	gruIn := 2.0 * b * float64(gruSteps) * 32 * 96
	gruRec := gruIn
	jenaDense := 2.0 * b * 32
	switch name {
	case IMDBInference:
		return imdbConv1 + imdbConv2 + imdbDense
	case IMDBTrainStep:
		return 3 * (imdbConv1 + imdbConv2 + imdbDense)
	case IMDBEpochCase:
		return 3 * (imdbConv1 + imdbConv2 + imdbDense) * IMDBEpoch / Batch
	case JenaInference:
		return jenaConv1 + jenaConv2 + gruIn + gruRec + jenaDense
	case JenaTrainStep:
		return 2*jenaConv1 + 3*(jenaConv2+gruIn+gruRec+jenaDense)
	}
	return 0
}
