package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"

	"github.com/seqconv/seqconv/data/jena"
	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/model"
	"github.com/seqconv/seqconv/optimizers"
)

// savedModel is a model file with what is known about the data it was
// trained on: the run description written beside it by "seqconv imdb" or
// "seqconv jena" or, for a model saved by other means, what its layers say.
type savedModel struct {
	path string
	m    *model.Sequential
	info *runInfo
	// inferred is true when info was guessed from the layers because no
	// run description was found.
	inferred bool
}

// openModel loads a model file and its run description. dataset ("",
// "imdb" or "jena") overrides what the model looks like.
func openModel(path, dataset string) (*savedModel, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	s := &savedModel{path: path, m: m}
	info, err := readRunInfo(path + metaExt)
	switch {
	case err == nil:
		s.info = info
	case errors.Is(err, fs.ErrNotExist):
		if s.info, err = inferInfo(m, dataset); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s.inferred = true
	default:
		return nil, err
	}
	if dataset != "" && dataset != s.info.Dataset {
		return nil, fmt.Errorf("--data %s: %s was trained on %s (see %s)", dataset, path, s.info.Dataset, path+metaExt)
	}
	return s, nil
}

// inferInfo guesses the data of a model that has no run description:
// a model starting with an Embedding reads IMDB reviews (its input_dim is
// the vocabulary, its input length the review length), a model reading
// 14 features per timestep reads Jena windows of the reference lookback.
func inferInfo(m *model.Sequential, dataset string) (*runInfo, error) {
	ls := m.Layers()
	in := m.InputShape()
	if len(ls) == 0 || len(in) == 0 {
		return nil, errors.New("the model has no layers or no input shape")
	}
	if dataset == "" {
		switch {
		case ls[0].ClassName() == "Embedding":
			dataset = "imdb"
		case len(in) == 2 && in[1] == 14:
			dataset = "jena"
		default:
			return nil, fmt.Errorf("cannot tell the dataset from input shape %v; pass --data imdb or --data jena", in)
		}
	}
	switch dataset {
	case "imdb":
		if ls[0].ClassName() != "Embedding" || len(in) != 1 {
			return nil, fmt.Errorf("--data imdb needs a model that starts with an Embedding over (batch, length) ids; this one takes %v", in)
		}
		words, _ := ls[0].Config()["input_dim"].(int)
		if words <= 0 {
			if f, ok := ls[0].Config()["input_dim"].(float64); ok {
				words = int(f)
			}
		}
		maxLen := in[0]
		if maxLen <= 0 {
			maxLen = imdbDefaultMaxLen
		}
		return &runInfo{Dataset: "imdb", Arch: "unknown", IMDB: &imdbInfo{NumWords: words, MaxLen: maxLen},
			Train: trainInfo{BatchSize: imdbDefaultBatch}}, nil
	case "jena":
		if len(in) != 2 {
			return nil, fmt.Errorf("--data jena needs a model over (batch, timesteps, features) windows; this one takes %v", in)
		}
		def := jena.DefaultConfig()
		step := def.Step
		if t := in[0]; t > 0 {
			if def.Lookback%t != 0 {
				return nil, fmt.Errorf("the model reads %d timesteps, which do not divide the %d-row lookback", t, def.Lookback)
			}
			step = def.Lookback / t
		}
		return &runInfo{Dataset: "jena", Arch: "unknown",
			Jena:  &jenaInfo{Missing: jena.FillLinear.String(), Lookback: def.Lookback, Step: step, Delay: def.Delay},
			Train: trainInfo{BatchSize: def.BatchSize}}, nil
	}
	return nil, fmt.Errorf("--data %q: want imdb or jena", dataset)
}

// ensureCompiled compiles a model saved without a compile configuration
// with the loss of its dataset, so that Evaluate can report it.
func (s *savedModel) ensureCompiled() error {
	if s.m.Optimizer() != nil {
		return nil
	}
	if s.info.Dataset == "imdb" {
		return s.m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.BinaryCrossentropy{}, metrics.NewAccuracy())
	}
	return s.m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), losses.MeanAbsoluteError{})
}

// outputsAreLogits reports whether the model's output needs a sigmoid to
// be a probability: it does when compiled so, or when its last layer has
// no sigmoid.
func (s *savedModel) outputsAreLogits() bool {
	if s.m.Optimizer() != nil {
		return s.m.OutputsAreLogits()
	}
	ls := s.m.Layers()
	act, _ := ls[len(ls)-1].Config()["activation"].(string)
	return act != "sigmoid"
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
