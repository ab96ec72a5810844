// Package losses holds seqconv's Keras-compatible loss functions.
//
// Each loss reduces a batch to one number the way Keras's default
// ("sum_over_batch_size") reduction does and writes the gradient of that
// number with respect to the prediction. Values are accumulated in float64 so
// that a batch of 128 or a validation set of 25,000 loses no precision.
package losses

import (
	"fmt"
	"math"

	"github.com/seqconv/seqconv/tensor"
)

// Epsilon is Keras's backend epsilon: probabilities are clipped to
// [Epsilon, 1−Epsilon] before taking logarithms, as Keras does.
const Epsilon = 1e-7

// Loss is a training objective.
type Loss interface {
	// Name returns the Keras identifier, such as "binary_crossentropy".
	Name() string
	// Config returns the loss's arguments (for saving), such as
	// {"from_logits": true}.
	Config() map[string]any
	// Compute returns the loss of pred against target, reduced to a scalar,
	// and, when grad is not nil, resizes grad to pred's shape and fills it
	// with ∂loss/∂pred.
	Compute(pred, target, grad *tensor.Tensor) (float64, error)
}

// FromConfig rebuilds a loss from its Name and Config.
func FromConfig(name string, cfg map[string]any) (Loss, error) {
	logits := false
	if v, ok := cfg["from_logits"]; ok {
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("losses: %s: from_logits = %v is not a boolean", name, v)
		}
		logits = b
	}
	switch name {
	case "binary_crossentropy":
		return BinaryCrossentropy{FromLogits: logits}, nil
	case "sparse_categorical_crossentropy":
		return SparseCategoricalCrossentropy{FromLogits: logits}, nil
	case "categorical_crossentropy":
		return CategoricalCrossentropy{FromLogits: logits}, nil
	case "mean_squared_error", "mse":
		return MeanSquaredError{}, nil
	case "mean_absolute_error", "mae":
		return MeanAbsoluteError{}, nil
	}
	return nil, fmt.Errorf("losses: unknown loss %q", name)
}

// checkSame reports a shape mismatch between pred and target.
func checkSame(name string, pred, target *tensor.Tensor) error {
	if !tensor.SameShape(pred.Shape, target.Shape) {
		return fmt.Errorf("losses: %s: prediction shape %v does not match target shape %v", name, pred.Shape, target.Shape)
	}
	if len(pred.Data) == 0 {
		return fmt.Errorf("losses: %s: empty batch", name)
	}
	return nil
}

// BinaryCrossentropy is Keras's binary_crossentropy: the mean over all
// elements of −(y·log p + (1−y)·log(1−p)). With FromLogits the prediction is
// a logit z and p = sigmoid(z), computed in the stable form
// max(z,0) − z·y + log(1+exp(−|z|)); otherwise p is clipped to
// [Epsilon, 1−Epsilon] as Keras does (the gradient is 0 where clipped).
type BinaryCrossentropy struct {
	FromLogits bool
}

// Name implements Loss.
func (BinaryCrossentropy) Name() string { return "binary_crossentropy" }

// Config implements Loss.
func (l BinaryCrossentropy) Config() map[string]any {
	return map[string]any{"from_logits": l.FromLogits}
}

// Compute implements Loss.
func (l BinaryCrossentropy) Compute(pred, target, grad *tensor.Tensor) (float64, error) {
	if l.FromLogits {
		return elementwise(l.Name(), pred, target, grad, func(p, y float64) (float64, float64) {
			return math.Max(p, 0) - p*y + math.Log1p(math.Exp(-math.Abs(p))), sigmoid(p) - y
		})
	}
	return elementwise(l.Name(), pred, target, grad, func(p, y float64) (float64, float64) {
		c := min(max(p, Epsilon), 1-Epsilon)
		g := 0.0
		if c == p {
			g = (p - y) / (p * (1 - p))
		}
		return -(y*math.Log(c) + (1-y)*math.Log(1-c)), g
	})
}

// elementwise returns the mean over the elements of the loss f(p, y) gives
// for each prediction p and target y and, when grad is not nil, fills grad
// with the gradient of that mean: f's derivative ∂f/∂p over the count.
func elementwise(name string, pred, target, grad *tensor.Tensor, f func(p, y float64) (loss, dp float64)) (float64, error) {
	if err := checkSame(name, pred, target); err != nil {
		return 0, err
	}
	if grad != nil {
		grad.Resize(pred.Shape...)
	}
	inv := 1 / float64(len(pred.Data))
	var sum float64
	for i, pv := range pred.Data {
		v, g := f(float64(pv), float64(target.Data[i]))
		sum += v
		if grad != nil {
			grad.Data[i] = float32(g * inv)
		}
	}
	return sum * inv, nil
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// MeanSquaredError is Keras's mean_squared_error: the mean over all
// elements of (p − y)².
type MeanSquaredError struct{}

// Name implements Loss.
func (MeanSquaredError) Name() string { return "mean_squared_error" }

// Config implements Loss.
func (MeanSquaredError) Config() map[string]any { return map[string]any{} }

// Compute implements Loss.
func (l MeanSquaredError) Compute(pred, target, grad *tensor.Tensor) (float64, error) {
	return elementwise(l.Name(), pred, target, grad, func(p, y float64) (float64, float64) {
		d := p - y
		return d * d, 2 * d
	})
}

// MeanAbsoluteError is Keras's mean_absolute_error: the mean over all
// elements of |p − y|. Its gradient at p = y is taken as 0.
type MeanAbsoluteError struct{}

// Name implements Loss.
func (MeanAbsoluteError) Name() string { return "mean_absolute_error" }

// Config implements Loss.
func (MeanAbsoluteError) Config() map[string]any { return map[string]any{} }

// Compute implements Loss.
func (l MeanAbsoluteError) Compute(pred, target, grad *tensor.Tensor) (float64, error) {
	return elementwise(l.Name(), pred, target, grad, func(p, y float64) (float64, float64) {
		d := p - y
		g := 0.0
		if d > 0 {
			g = 1
		} else if d < 0 {
			g = -1
		}
		return math.Abs(d), g
	})
}

// SparseCategoricalCrossentropy is Keras's sparse_categorical_crossentropy:
// pred is (batch…, classes) and target holds the class index of each row
// (as float32, shape pred's without the last axis, or with a last axis of
// 1). The loss is the mean over rows of −log p[class]. With FromLogits the
// rows are logits and p = softmax; otherwise the rows are probabilities,
// clipped to [Epsilon, 1−Epsilon] and renormalised as Keras does.
type SparseCategoricalCrossentropy struct {
	FromLogits bool
}

// Name implements Loss.
func (SparseCategoricalCrossentropy) Name() string { return "sparse_categorical_crossentropy" }

// Config implements Loss.
func (l SparseCategoricalCrossentropy) Config() map[string]any {
	return map[string]any{"from_logits": l.FromLogits}
}

// Compute implements Loss.
func (l SparseCategoricalCrossentropy) Compute(pred, target, grad *tensor.Tensor) (float64, error) {
	rows, k, err := sparseShape(l.Name(), pred, target)
	if err != nil {
		return 0, err
	}
	return categorical(pred, grad, rows, k, l.FromLogits, func(r int) (int, []float32, error) {
		c := target.Data[r]
		if c != float32(int(c)) || int(c) < 0 || int(c) >= k {
			return 0, nil, fmt.Errorf("losses: %s: target %v of row %d is not a class index in [0, %d)", l.Name(), c, r, k)
		}
		return int(c), nil, nil
	})
}

// sparseShape checks that target indexes the rows of pred.
func sparseShape(name string, pred, target *tensor.Tensor) (rows, k int, err error) {
	if len(pred.Shape) < 1 || len(pred.Data) == 0 {
		return 0, 0, fmt.Errorf("losses: %s: empty prediction %v", name, pred.Shape)
	}
	k = pred.Shape[len(pred.Shape)-1]
	rows = len(pred.Data) / k
	lead := pred.Shape[:len(pred.Shape)-1]
	ok := tensor.SameShape(target.Shape, lead) ||
		(len(target.Shape) == len(pred.Shape) && target.Shape[len(target.Shape)-1] == 1 && tensor.SameShape(target.Shape[:len(lead)], lead))
	if !ok {
		return 0, 0, fmt.Errorf("losses: %s: target shape %v does not index prediction shape %v", name, target.Shape, pred.Shape)
	}
	return rows, k, nil
}

// CategoricalCrossentropy is Keras's categorical_crossentropy: pred and
// target are (batch…, classes), target one-hot (or a distribution); the
// loss is the mean over rows of −Σ y·log p, with p = softmax of the row
// when FromLogits, otherwise the row clipped and renormalised as Keras does.
type CategoricalCrossentropy struct {
	FromLogits bool
}

// Name implements Loss.
func (CategoricalCrossentropy) Name() string { return "categorical_crossentropy" }

// Config implements Loss.
func (l CategoricalCrossentropy) Config() map[string]any {
	return map[string]any{"from_logits": l.FromLogits}
}

// Compute implements Loss.
func (l CategoricalCrossentropy) Compute(pred, target, grad *tensor.Tensor) (float64, error) {
	if err := checkSame(l.Name(), pred, target); err != nil {
		return 0, err
	}
	k := pred.Shape[len(pred.Shape)-1]
	rows := len(pred.Data) / k
	return categorical(pred, grad, rows, k, l.FromLogits, func(r int) (int, []float32, error) {
		return -1, target.Data[r*k : (r+1)*k], nil
	})
}

// categorical computes the mean over rows of −Σ_j y_j·log p_j, where row r's
// target is either a class index (dist nil) or a distribution.
func categorical(pred, grad *tensor.Tensor, rows, k int, logits bool, tgt func(r int) (int, []float32, error)) (float64, error) {
	if grad != nil {
		grad.Resize(pred.Shape...)
	}
	inv := 1 / float64(rows)
	var sum float64
	// Scratch for one row; on the stack for up to 64 classes so that a
	// training step allocates nothing.
	var stack [64]float64
	p := stack[:0]
	if k <= len(stack) {
		p = stack[:k]
	} else {
		p = make([]float64, k)
	}
	for r := range rows {
		cls, dist, err := tgt(r)
		if err != nil {
			return 0, err
		}
		y := func(j int) float64 {
			if dist != nil {
				return float64(dist[j])
			}
			if j == cls {
				return 1
			}
			return 0
		}
		row := pred.Data[r*k : (r+1)*k]
		var g []float32
		if grad != nil {
			g = grad.Data[r*k : (r+1)*k]
		}
		if logits {
			// log-softmax with the max subtracted for stability.
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, float64(v))
			}
			var z float64
			for j, v := range row {
				p[j] = math.Exp(float64(v) - m)
				z += p[j]
			}
			lz := math.Log(z)
			var ysum float64
			for j, v := range row {
				yj := y(j)
				ysum += yj
				sum -= yj * (float64(v) - m - lz)
				p[j] /= z
			}
			// ∂/∂z_j of −Σ y log softmax = p_j·Σy − y_j.
			for j := range g {
				g[j] = float32((p[j]*ysum - y(j)) * inv)
			}
			continue
		}
		// Probabilities: Keras renormalises the row, then clips.
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		if s <= 0 {
			return 0, fmt.Errorf("losses: probabilities of row %d sum to %v", r, s)
		}
		var dot float64 // Σ_j y_j·(∂loss/∂q_j)·q_j/s, for the normalisation term
		for j, v := range row {
			q := float64(v) / s
			c := min(max(q, Epsilon), 1-Epsilon)
			yj := y(j)
			sum -= yj * math.Log(c)
			p[j] = 0
			if c == q && yj != 0 {
				p[j] = -yj / q // ∂loss/∂q_j
			}
			dot += p[j] * q
		}
		// q_j = v_j/s ⇒ ∂loss/∂v_i = (∂loss/∂q_i − Σ_j ∂loss/∂q_j·q_j)/s.
		for i := range g {
			g[i] = float32((p[i] - dot) / s * inv)
		}
	}
	return sum * inv, nil
}
