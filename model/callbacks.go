package model

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/seqconv/seqconv/tensor"
)

// Callback is called by Fit at the points of training Keras's callbacks
// are. A non-nil error stops training and is returned by Fit. Embed
// BaseCallback to implement only some methods.
type Callback interface {
	// OnTrainBegin is called once with the model being trained.
	OnTrainBegin(m *Sequential) error
	// OnEpochBegin is called before each epoch (0-based index).
	OnEpochBegin(epoch int) error
	// OnBatchEnd is called after each training batch (0-based indices).
	OnBatchEnd(epoch, batch int) error
	// OnEpochEnd is called after each epoch with its logs ("loss",
	// metrics, "val_…"); the map must not be kept.
	OnEpochEnd(epoch int, logs map[string]float64) error
	// OnTrainEnd is called when training ends without an error.
	OnTrainEnd() error
}

// BaseCallback implements Callback with methods that do nothing.
type BaseCallback struct{}

// OnTrainBegin implements Callback.
func (BaseCallback) OnTrainBegin(*Sequential) error { return nil }

// OnEpochBegin implements Callback.
func (BaseCallback) OnEpochBegin(int) error { return nil }

// OnBatchEnd implements Callback.
func (BaseCallback) OnBatchEnd(int, int) error { return nil }

// OnEpochEnd implements Callback.
func (BaseCallback) OnEpochEnd(int, map[string]float64) error { return nil }

// OnTrainEnd implements Callback.
func (BaseCallback) OnTrainEnd() error { return nil }

// monitorValue reads key from logs, with an error listing the keys.
func monitorValue(who, key string, logs map[string]float64) (float64, error) {
	v, ok := logs[key]
	if !ok {
		var have []string
		for k := range logs {
			have = append(have, k)
		}
		sort.Strings(have)
		return 0, fmt.Errorf("model: %s monitors %q, which is not in the logs (%s)", who, key, strings.Join(have, ", "))
	}
	return v, nil
}

// maximise decides the direction of a monitored quantity for mode "auto"
// as Keras does: accuracies (and AUC-like keys) increase.
func maximise(mode, key string) (bool, error) {
	switch mode {
	case "min":
		return false, nil
	case "max":
		return true, nil
	case "", "auto":
		return strings.Contains(key, "acc") || strings.HasPrefix(key, "fmeasure") || strings.Contains(key, "auc"), nil
	}
	return false, fmt.Errorf("model: mode %q is not min, max or auto", mode)
}

// EarlyStopping stops training when a monitored quantity has stopped
// improving, as Keras's EarlyStopping.
type EarlyStopping struct {
	BaseCallback
	// Monitor is the log key to watch; default "val_loss".
	Monitor string
	// MinDelta is the smallest change that counts as an improvement.
	MinDelta float64
	// Patience is the number of epochs without improvement after which
	// training stops.
	Patience int
	// Mode is "min", "max" or "auto" (default: max for accuracies).
	Mode string
	// RestoreBestWeights restores the weights of the best epoch when
	// training stops early.
	RestoreBestWeights bool

	// StoppedEpoch is the 0-based epoch after which training was stopped,
	// or -1 if it was not.
	StoppedEpoch int
	// BestEpoch and Best are the best epoch seen and its value.
	BestEpoch int
	Best      float64

	m    *Sequential
	max  bool
	wait int
	best []*tensor.Tensor
}

// OnTrainBegin implements Callback.
func (e *EarlyStopping) OnTrainBegin(m *Sequential) error {
	if e.Monitor == "" {
		e.Monitor = "val_loss"
	}
	var err error
	if e.max, err = maximise(e.Mode, e.Monitor); err != nil {
		return err
	}
	e.m, e.wait, e.best, e.StoppedEpoch, e.BestEpoch = m, 0, nil, -1, -1
	e.Best = math.Inf(1)
	if e.max {
		e.Best = math.Inf(-1)
	}
	return nil
}

// OnEpochEnd implements Callback.
func (e *EarlyStopping) OnEpochEnd(epoch int, logs map[string]float64) error {
	v, err := monitorValue("EarlyStopping", e.Monitor, logs)
	if err != nil {
		return err
	}
	d := math.Abs(e.MinDelta)
	better := v+d < e.Best
	if e.max {
		better = v-d > e.Best
	}
	if better {
		e.Best, e.BestEpoch, e.wait = v, epoch, 0
		if e.RestoreBestWeights {
			e.snapshot()
		}
		return nil
	}
	e.wait++
	if e.wait >= e.Patience {
		e.StoppedEpoch = epoch
		e.m.StopTraining()
		if e.RestoreBestWeights && e.best != nil {
			return e.m.SetWeights(e.best)
		}
	}
	return nil
}

// snapshot copies the weights into e.best, reusing its tensors.
func (e *EarlyStopping) snapshot() {
	ps := e.m.Params()
	if len(e.best) != len(ps) {
		e.best = e.m.Weights()
		return
	}
	for i, p := range ps {
		copy(e.best[i].Data, p.Value.Data)
	}
}

// ModelCheckpoint saves the model (with Save) after epochs, as Keras's
// ModelCheckpoint.
type ModelCheckpoint struct {
	BaseCallback
	// Path is the file to write; "{epoch}" or Keras's "{epoch:02d}" in it
	// is replaced by the 1-based epoch number, zero-padded to two digits.
	Path string
	// Monitor is the log key compared when SaveBestOnly; default "val_loss".
	Monitor string
	// Mode is "min", "max" or "auto", as for EarlyStopping.
	Mode string
	// SaveBestOnly writes only when the monitored value improves.
	SaveBestOnly bool

	// Best is the best monitored value seen.
	Best float64

	m   *Sequential
	max bool
}

// OnTrainBegin implements Callback.
func (c *ModelCheckpoint) OnTrainBegin(m *Sequential) error {
	if c.Path == "" {
		return fmt.Errorf("model: ModelCheckpoint needs a Path")
	}
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	var err error
	if c.max, err = maximise(c.Mode, c.Monitor); err != nil {
		return err
	}
	c.m = m
	c.Best = math.Inf(1)
	if c.max {
		c.Best = math.Inf(-1)
	}
	return nil
}

// OnEpochEnd implements Callback.
func (c *ModelCheckpoint) OnEpochEnd(epoch int, logs map[string]float64) error {
	if c.SaveBestOnly {
		v, err := monitorValue("ModelCheckpoint", c.Monitor, logs)
		if err != nil {
			return err
		}
		if (c.max && !(v > c.Best)) || (!c.max && !(v < c.Best)) {
			return nil
		}
		c.Best = v
	}
	n := fmt.Sprintf("%02d", epoch+1)
	path := strings.ReplaceAll(strings.ReplaceAll(c.Path, "{epoch:02d}", n), "{epoch}", n)
	return c.m.Save(path)
}
