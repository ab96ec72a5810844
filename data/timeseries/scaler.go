package timeseries

import (
	"errors"
	"fmt"
	"math"

	"github.com/seqconv/seqconv/tensor"
)

// Scaler standardizes the columns of a [rows, features] array with a mean
// and standard deviation per column, fitted on training rows only so that
// nothing about validation or test data leaks into the inputs.
type Scaler struct {
	// Mean and Std hold the per-column statistics. Std is the population
	// standard deviation (numpy's default, ddof=0).
	Mean, Std []float64
}

// FitScaler computes the per-column mean and standard deviation over rows
// [0, trainEnd) of data (shape [rows, features]), in float64. A column
// that is constant over those rows gets Std 1 instead of 0, so that
// standardizing leaves it finite (at 0) rather than dividing by zero.
func FitScaler(data *tensor.Tensor, trainEnd int) (*Scaler, error) {
	if data == nil || len(data.Shape) != 2 {
		return nil, errors.New("timeseries: scaler data must have shape [rows, features]")
	}
	n, f := data.Shape[0], data.Shape[1]
	if trainEnd < 1 || trainEnd > n {
		return nil, fmt.Errorf("timeseries: training end %d out of range [1, %d]", trainEnd, n)
	}
	s := &Scaler{Mean: make([]float64, f), Std: make([]float64, f)}
	for r := range trainEnd {
		for c, v := range data.Data[r*f : (r+1)*f] {
			s.Mean[c] += float64(v)
		}
	}
	for c := range s.Mean {
		s.Mean[c] /= float64(trainEnd)
	}
	// Second pass on deviations: more accurate than E[x²]−E[x]².
	for r := range trainEnd {
		for c, v := range data.Data[r*f : (r+1)*f] {
			d := float64(v) - s.Mean[c]
			s.Std[c] += d * d
		}
	}
	for c := range s.Std {
		s.Std[c] = math.Sqrt(s.Std[c] / float64(trainEnd))
		if s.Std[c] == 0 {
			s.Std[c] = 1
		}
	}
	return s, nil
}

// Transform standardizes every row of data in place: (x − mean) / std.
func (s *Scaler) Transform(data *tensor.Tensor) error {
	f := len(s.Mean)
	if len(data.Shape) != 2 || data.Shape[1] != f {
		return fmt.Errorf("timeseries: scaler fitted on %d features, data has shape %v", f, data.Shape)
	}
	for r := range data.Shape[0] {
		row := data.Data[r*f : (r+1)*f]
		for c, v := range row {
			row[c] = float32((float64(v) - s.Mean[c]) / s.Std[c])
		}
	}
	return nil
}

// Inverse returns column col's value in original units for a
// standardized value v.
func (s *Scaler) Inverse(col int, v float64) float64 { return v*s.Std[col] + s.Mean[col] }

// Scale converts a difference (an error such as an MAE) in standardized
// units of column col to original units: it is multiplied by the std.
func (s *Scaler) Scale(col int, diff float64) float64 { return diff * s.Std[col] }
