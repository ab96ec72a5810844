package bench

import (
	"fmt"

	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/model"
	"github.com/seqconv/seqconv/optimizers"
)

// Reference shapes and parameter counts.
const (
	Batch      = 128     // batch size of every case
	IMDBVocab  = 10000   // IMDB vocabulary (num_words)
	IMDBLen    = 500     // IMDB tokens per review (maxlen)
	IMDBEpoch  = 20000   // IMDB training samples per epoch (25,000 less a 0.2 validation split)
	JenaSteps  = 480     // Jena timesteps per sample
	JenaFeats  = 14      // Jena features per timestep
	IMDBParams = 1315937 // parameters of the IMDB reference model
	JenaParams = 13793   // parameters of the Jena reference model
)

// IMDBModel returns the reference IMDB model (model.IMDBConvNet, the one
// the command line trains), built and compiled as in the Keras example:
// RMSprop with Keras's defaults and binary cross-entropy on the Dense
// layer's logits. (model.Sequential runs its Embedding and first Conv1D as
// one fused layer; nothing here asks for it.)
func IMDBModel(seed uint64) (*model.Sequential, error) {
	m := model.IMDBConvNet(IMDBVocab, IMDBLen)
	return compile(m, seed, losses.BinaryCrossentropy{FromLogits: true}, IMDBParams, IMDBLen)
}

// JenaModel returns the reference Jena model (model.JenaConvGRU: input
// 480 × 14, GRU with dropout 0.1 and recurrent dropout 0.5) compiled with
// RMSprop and mean absolute error.
func JenaModel(seed uint64) (*model.Sequential, error) {
	m := model.JenaConvGRU(JenaSteps, JenaFeats)
	return compile(m, seed, losses.MeanAbsoluteError{}, JenaParams, JenaSteps, JenaFeats)
}

// compile seeds, builds (for inputs of shape in) and compiles m and checks
// its parameter count.
func compile(m *model.Sequential, seed uint64, loss losses.Loss, params int, in ...int) (*model.Sequential, error) {
	m.SetSeed(seed)
	if err := m.Build(in...); err != nil {
		return nil, err
	}
	if err := m.Compile(optimizers.NewRMSprop(optimizers.RMSpropConfig{}), loss); err != nil {
		return nil, err
	}
	if n := m.CountParams(); n != params {
		return nil, fmt.Errorf("bench: model has %d parameters, want %d", n, params)
	}
	return m, nil
}
