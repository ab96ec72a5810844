package timeseries

import (
	"fmt"
	"math"
)

// NaiveMAE evaluates the common-sense baseline on steps batches of b: the
// prediction for each sample is its last observed value of column col
// (x[:, −1, col]) and the score is the mean over batches of each batch's
// mean absolute error against y, as the reference experiment computes it.
// x must have shape [batch, timesteps, features] and y [batch, 1] or
// [batch].
func NaiveMAE(b Batches, steps, col int) (float64, error) {
	if steps < 1 {
		return 0, fmt.Errorf("timeseries: baseline over %d steps: need at least 1", steps)
	}
	var total float64
	for s := range steps {
		x, y, err := b.Next()
		if err != nil {
			return 0, fmt.Errorf("timeseries: baseline batch %d: %w", s, err)
		}
		if len(x.Shape) != 3 || y == nil || y.Shape[0] != x.Shape[0] || y.Len() != x.Shape[0] {
			return 0, fmt.Errorf("timeseries: baseline needs x [batch, time, features] and y [batch, 1], got %v and %v", x.Shape, y)
		}
		bs, t, f := x.Shape[0], x.Shape[1], x.Shape[2]
		if col < 0 || col >= f {
			return 0, fmt.Errorf("timeseries: baseline column %d out of range [0, %d)", col, f)
		}
		var sum float64
		for j := range bs {
			last := x.Data[(j*t+t-1)*f+col]
			sum += math.Abs(float64(last) - float64(y.Data[j]))
		}
		total += sum / float64(bs)
	}
	return total / float64(steps), nil
}
