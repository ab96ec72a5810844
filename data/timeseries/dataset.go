package timeseries

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/seqconv/seqconv/tensor"
)

// DatasetOptions are the optional arguments of DatasetFromArray. Zero values
// take the Keras defaults.
type DatasetOptions struct {
	// SequenceStride is the distance between the starts of two consecutive
	// windows (default 1).
	SequenceStride int
	// SamplingRate is the distance between two timesteps inside a window
	// (default 1).
	SamplingRate int
	// BatchSize is the number of windows per batch (default 128). The last
	// batch holds what is left and may be smaller.
	BatchSize int
	// Shuffle visits the windows in a random order, a new one each epoch.
	Shuffle bool
	// Seed seeds that order.
	Seed uint64
	// StartIndex is the first row of data used (default 0).
	StartIndex int
	// EndIndex is one past the last row used (default 0 = all rows).
	EndIndex int
}

// Dataset yields batches of windows over an array, as built by
// DatasetFromArray. It implements Batches; Next returns io.EOF at the end
// of an epoch and Reset starts the next one.
type Dataset struct {
	data, targets    []float32
	stepSize         int   // values per row of data
	xShape, tShape   []int // per-row shapes of data and targets
	tSize            int   // values per row of targets
	seqLen, rate     int
	start            int
	batch            int
	shuffle          bool
	starts           []int32 // window starts relative to start
	next             int
	rng              *rand.Rand
	x, y             tensor.Tensor
	xShapeB, yShapeB []int
}

// DatasetFromArray returns the windows of sequenceLength timesteps over
// data (shape [rows, …]), following keras.utils.timeseries_dataset_from_array:
//
//   - Only rows [StartIndex, EndIndex) are used. Window k starts at row
//     StartIndex + k·SequenceStride and takes rows start, start+SamplingRate,
//     …, start+(sequenceLength−1)·SamplingRate; the window starts are those
//     whose last row is still before EndIndex, i.e. relative starts in
//     [0, EndIndex−StartIndex−(sequenceLength−1)·SamplingRate) stepped by
//     SequenceStride.
//   - targets (shape [rows, …], or nil for inputs only) are aligned to the
//     window start: the target of the window starting at row s is
//     targets[s]. The number of windows is also limited by the number of
//     target rows from StartIndex on.
//   - Batches are filled in window order (or a seeded random permutation of
//     it with Shuffle); the last, partial batch is kept.
//
// x has shape [b, sequenceLength, …data row shape] and y [b, …targets row
// shape] (a 1-D targets array gives y of shape [b]). If no window fits, the
// dataset is empty and the first Next returns io.EOF.
//
// Differences from Keras: EndIndex may equal len(data) (Keras rejects it,
// though it means "all rows"); the shuffled order is a full Fisher–Yates
// permutation from a PCG generator, not numpy's and tf.data's; and when
// there are fewer targets than windows the windows are cut to the targets
// instead of failing inside tf.gather.
func DatasetFromArray(data, targets *tensor.Tensor, sequenceLength int, opts DatasetOptions) (*Dataset, error) {
	if data == nil || len(data.Shape) < 1 {
		return nil, errors.New("timeseries: data must have at least one axis (time)")
	}
	n := data.Shape[0]
	o := opts
	if o.SequenceStride == 0 {
		o.SequenceStride = 1
	}
	if o.SamplingRate == 0 {
		o.SamplingRate = 1
	}
	if o.BatchSize == 0 {
		o.BatchSize = 128
	}
	if o.EndIndex == 0 {
		o.EndIndex = n
	}
	switch {
	case sequenceLength < 1:
		return nil, fmt.Errorf("timeseries: sequence length %d: must be at least 1", sequenceLength)
	case o.SequenceStride < 0:
		return nil, fmt.Errorf("timeseries: sequence stride %d: must be positive", o.SequenceStride)
	case o.SamplingRate < 0:
		return nil, fmt.Errorf("timeseries: sampling rate %d: must be positive", o.SamplingRate)
	case o.BatchSize < 0:
		return nil, fmt.Errorf("timeseries: batch size %d: must be positive", o.BatchSize)
	case o.StartIndex < 0 || o.StartIndex >= n:
		return nil, fmt.Errorf("timeseries: start index %d out of range [0, %d)", o.StartIndex, n)
	case o.EndIndex <= o.StartIndex || o.EndIndex > n:
		return nil, fmt.Errorf("timeseries: end index %d out of range (start index %d, %d]", o.EndIndex, o.StartIndex, n)
	}
	d := &Dataset{
		data:     data.Data,
		xShape:   data.Shape[1:],
		stepSize: tensor.Size(data.Shape[1:]),
		seqLen:   sequenceLength,
		rate:     o.SamplingRate,
		start:    o.StartIndex,
		batch:    o.BatchSize,
		shuffle:  o.Shuffle,
		rng:      rand.New(rand.NewPCG(o.Seed, 0x2545f4914f6cdd1d)),
	}
	num := o.EndIndex - o.StartIndex - (sequenceLength-1)*o.SamplingRate
	if targets != nil {
		if len(targets.Shape) < 1 {
			return nil, errors.New("timeseries: targets must have at least one axis (time)")
		}
		d.targets = targets.Data
		d.tShape = targets.Shape[1:]
		d.tSize = tensor.Size(d.tShape)
		num = min(num, targets.Shape[0]-o.StartIndex)
	}
	if num > math.MaxInt32 {
		return nil, fmt.Errorf("timeseries: %d windows: too many", num)
	}
	for s := 0; s < num; s += o.SequenceStride {
		d.starts = append(d.starts, int32(s))
	}
	d.xShapeB = append([]int{0, sequenceLength}, d.xShape...)
	d.x.Data = make([]float32, min(d.batch, len(d.starts))*sequenceLength*d.stepSize)
	if targets != nil {
		d.yShapeB = append([]int{0}, d.tShape...)
		d.y.Data = make([]float32, min(d.batch, len(d.starts))*d.tSize)
	}
	d.Reset()
	return d, nil
}

// Len returns the number of windows per epoch.
func (d *Dataset) Len() int { return len(d.starts) }

// NumBatches returns the number of batches per epoch, the last one partial.
func (d *Dataset) NumBatches() int { return (len(d.starts) + d.batch - 1) / d.batch }

// Starts returns the first data row of every window, in the order of the
// current epoch.
func (d *Dataset) Starts() []int {
	out := make([]int, len(d.starts))
	for i, s := range d.starts {
		out[i] = d.start + int(s)
	}
	return out
}

// Reset starts a new epoch; with Shuffle the windows get a new order drawn
// from the seeded generator, so a run is reproducible epoch by epoch.
func (d *Dataset) Reset() {
	d.next = 0
	if d.shuffle {
		d.rng.Shuffle(len(d.starts), func(i, j int) { d.starts[i], d.starts[j] = d.starts[j], d.starts[i] })
	}
}

// Next returns the next batch, or io.EOF after the last one of the epoch.
// y is nil when the dataset has no targets.
func (d *Dataset) Next() (x, y *tensor.Tensor, err error) {
	if d.next >= len(d.starts) {
		return nil, nil, io.EOF
	}
	ws := d.starts[d.next:min(d.next+d.batch, len(d.starts))]
	d.next += len(ws)
	d.xShapeB[0] = len(ws)
	d.x.Resize(d.xShapeB...)
	per := d.seqLen * d.stepSize
	for j, s := range ws {
		dst := d.x.Data[j*per : (j+1)*per]
		row := d.start + int(s)
		if d.rate == 1 {
			copy(dst, d.data[row*d.stepSize:(row+d.seqLen)*d.stepSize])
		} else {
			for t := range d.seqLen {
				src := (row + t*d.rate) * d.stepSize
				copy(dst[t*d.stepSize:(t+1)*d.stepSize], d.data[src:src+d.stepSize])
			}
		}
	}
	if d.targets == nil {
		return &d.x, nil, nil
	}
	d.yShapeB[0] = len(ws)
	d.y.Resize(d.yShapeB...)
	for j, s := range ws {
		row := d.start + int(s)
		copy(d.y.Data[j*d.tSize:(j+1)*d.tSize], d.targets[row*d.tSize:(row+1)*d.tSize])
	}
	return &d.x, &d.y, nil
}
