// Package metrics holds seqconv's Keras-compatible training metrics:
// accuracy (binary, sparse categorical, categorical) and mean absolute and
// squared error. A metric accumulates over the batches of an epoch (in
// float64) and reports the running value, as Keras's progress bar does.
package metrics

import (
	"fmt"

	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/tensor"
)

// Metric is a running statistic of a model's predictions.
type Metric interface {
	// Name returns the key under which the metric is reported, such as
	// "accuracy" or "mae"; validation values get the prefix "val_".
	Name() string
	// Reset clears the accumulated state (at the start of each epoch).
	Reset()
	// Update accumulates one batch of predictions against its targets.
	Update(pred, target *tensor.Tensor) error
	// Result returns the value over everything accumulated since Reset.
	Result() float64
	// Config describes the metric for saving; FromConfig rebuilds it.
	Config() map[string]any
}

// Resolver is implemented by metrics whose meaning depends on the loss, as
// Keras's "accuracy" does; a model calls Resolve when it is compiled.
// logits reports whether the model's outputs are treated as logits.
type Resolver interface {
	Resolve(loss losses.Loss, logits bool)
}

// Get returns a new metric for a Keras identifier: "accuracy" or "acc"
// (resolved against the loss when the model is compiled),
// "binary_accuracy", "sparse_categorical_accuracy",
// "categorical_accuracy", "mae"/"mean_absolute_error" or
// "mse"/"mean_squared_error".
func Get(name string) (Metric, error) {
	switch name {
	case "accuracy", "acc":
		return NewAccuracy().Named(name), nil
	case "binary_accuracy":
		return NewBinaryAccuracy(0.5), nil
	case "sparse_categorical_accuracy":
		return NewSparseCategoricalAccuracy(), nil
	case "categorical_accuracy":
		return NewCategoricalAccuracy(), nil
	case "mae", "mean_absolute_error":
		return &MeanError{key: name}, nil
	case "mse", "mean_squared_error":
		return &MeanError{key: name, squared: true}, nil
	}
	return nil, fmt.Errorf("metrics: unknown metric %q", name)
}

// FromConfig rebuilds a metric from its Config.
func FromConfig(cfg map[string]any) (Metric, error) {
	class, _ := cfg["class"].(string)
	name, _ := cfg["name"].(string)
	switch class {
	case "Accuracy":
		kind, _ := cfg["kind"].(string)
		th, _ := cfg["threshold"].(float64)
		a := &Accuracy{key: name, threshold: th}
		switch Kind(kind) {
		case Auto, Binary, SparseCategorical, Categorical:
			a.kind = Kind(kind)
		default:
			return nil, fmt.Errorf("metrics: unknown accuracy kind %q", kind)
		}
		return a, nil
	case "MeanError":
		sq, _ := cfg["squared"].(bool)
		return &MeanError{key: name, squared: sq}, nil
	}
	return nil, fmt.Errorf("metrics: unknown metric class %q", class)
}

// Kind selects how Accuracy compares predictions with targets.
type Kind string

// The kinds of accuracy.
const (
	// Auto is decided from the loss at compile time, as Keras does for
	// "accuracy": Binary for binary cross-entropy (and for one-output
	// models), SparseCategorical for sparse categorical cross-entropy,
	// Categorical otherwise.
	Auto Kind = "auto"
	// Binary thresholds each output and compares with the 0/1 target.
	Binary Kind = "binary"
	// SparseCategorical compares each row's argmax with a class index.
	SparseCategorical Kind = "sparse_categorical"
	// Categorical compares each row's argmax with the target's argmax.
	Categorical Kind = "categorical"
)

// Accuracy is the fraction of correct predictions.
type Accuracy struct {
	key            string
	kind           Kind
	threshold      float64
	correct, total float64
}

// NewAccuracy returns Keras's "accuracy", whose kind and threshold are
// resolved against the loss when the model is compiled: binary accuracy
// thresholds probabilities at 0.5 and logits at 0.
func NewAccuracy() *Accuracy { return &Accuracy{key: "accuracy", kind: Auto, threshold: 0.5} }

// NewBinaryAccuracy returns Keras's binary_accuracy with the given
// threshold (an output above it predicts 1).
func NewBinaryAccuracy(threshold float64) *Accuracy {
	return &Accuracy{key: "binary_accuracy", kind: Binary, threshold: threshold}
}

// NewSparseCategoricalAccuracy returns Keras's sparse_categorical_accuracy.
func NewSparseCategoricalAccuracy() *Accuracy {
	return &Accuracy{key: "sparse_categorical_accuracy", kind: SparseCategorical}
}

// NewCategoricalAccuracy returns Keras's categorical_accuracy.
func NewCategoricalAccuracy() *Accuracy {
	return &Accuracy{key: "categorical_accuracy", kind: Categorical}
}

// Named sets the key the metric is reported under, such as "acc" (the
// Keras 2.0-era spelling) instead of "accuracy", and returns a.
func (a *Accuracy) Named(key string) *Accuracy { a.key = key; return a }

// Kind returns the accuracy's kind (Auto until resolved).
func (a *Accuracy) Kind() Kind { return a.kind }

// Threshold returns the binary threshold.
func (a *Accuracy) Threshold() float64 { return a.threshold }

// Name implements Metric.
func (a *Accuracy) Name() string { return a.key }

// Resolve implements Resolver; it only changes an Auto accuracy.
func (a *Accuracy) Resolve(loss losses.Loss, logits bool) {
	if a.kind != Auto {
		return
	}
	switch loss.Name() {
	case "sparse_categorical_crossentropy":
		a.kind = SparseCategorical
	case "categorical_crossentropy":
		a.kind = Categorical
	default:
		a.kind = Binary
		a.threshold = 0.5
		if logits {
			a.threshold = 0
		}
	}
}

// Reset implements Metric.
func (a *Accuracy) Reset() { a.correct, a.total = 0, 0 }

// Result implements Metric; it is 0 before any update.
func (a *Accuracy) Result() float64 {
	if a.total == 0 {
		return 0
	}
	return a.correct / a.total
}

// Config implements Metric.
func (a *Accuracy) Config() map[string]any {
	return map[string]any{"class": "Accuracy", "name": a.key, "kind": string(a.kind), "threshold": a.threshold}
}

// Update implements Metric.
func (a *Accuracy) Update(pred, target *tensor.Tensor) error {
	kind := a.kind
	if kind == Auto {
		kind = Binary
	}
	switch kind {
	case Binary:
		if len(pred.Data) != len(target.Data) {
			return fmt.Errorf("metrics: %s: prediction shape %v does not match target shape %v", a.key, pred.Shape, target.Shape)
		}
		for i, p := range pred.Data {
			if (float64(p) > a.threshold) == (target.Data[i] > 0.5) {
				a.correct++
			}
		}
		a.total += float64(len(pred.Data))
	case SparseCategorical, Categorical:
		if len(pred.Shape) == 0 || len(pred.Data) == 0 {
			return fmt.Errorf("metrics: %s: empty prediction", a.key)
		}
		k := pred.Shape[len(pred.Shape)-1]
		rows := len(pred.Data) / k
		want := rows
		if kind == Categorical {
			want = rows * k
		}
		if len(target.Data) != want {
			return fmt.Errorf("metrics: %s: target shape %v does not match prediction shape %v", a.key, target.Shape, pred.Shape)
		}
		for r := range rows {
			p := argmax(pred.Data[r*k : (r+1)*k])
			var y int
			if kind == Categorical {
				y = argmax(target.Data[r*k : (r+1)*k])
			} else {
				y = int(target.Data[r])
			}
			if p == y {
				a.correct++
			}
		}
		a.total += float64(rows)
	}
	return nil
}

// argmax returns the index of the first largest value.
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// MeanError is the mean absolute (Keras "mae") or squared ("mse") error
// over every element seen since Reset.
type MeanError struct {
	key        string
	squared    bool
	sum, count float64
}

// NewMAE returns Keras's "mae" metric.
func NewMAE() *MeanError { return &MeanError{key: "mae"} }

// NewMSE returns Keras's "mse" metric.
func NewMSE() *MeanError { return &MeanError{key: "mse", squared: true} }

// Name implements Metric.
func (m *MeanError) Name() string { return m.key }

// Reset implements Metric.
func (m *MeanError) Reset() { m.sum, m.count = 0, 0 }

// Result implements Metric; it is 0 before any update.
func (m *MeanError) Result() float64 {
	if m.count == 0 {
		return 0
	}
	return m.sum / m.count
}

// Config implements Metric.
func (m *MeanError) Config() map[string]any {
	return map[string]any{"class": "MeanError", "name": m.key, "squared": m.squared}
}

// Update implements Metric.
func (m *MeanError) Update(pred, target *tensor.Tensor) error {
	if len(pred.Data) != len(target.Data) {
		return fmt.Errorf("metrics: %s: prediction shape %v does not match target shape %v", m.key, pred.Shape, target.Shape)
	}
	for i, p := range pred.Data {
		d := float64(p) - float64(target.Data[i])
		if m.squared {
			m.sum += d * d
		} else if d < 0 {
			m.sum -= d
		} else {
			m.sum += d
		}
	}
	m.count += float64(len(pred.Data))
	return nil
}
