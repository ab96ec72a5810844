package model

import "github.com/seqconv/seqconv/layers"

// IMDBConvNet returns the reference IMDB sentiment convnet, uncompiled:
//
//	Embedding(numWords, 128) → Conv1D(32, 7, relu) → MaxPooling1D(5)
//	→ Conv1D(32, 7, relu) → GlobalMaxPooling1D → Dense(1)
//
// for reviews of maxLen word ids below numWords. The output is a logit:
// train it with losses.BinaryCrossentropy{FromLogits: true}. With the
// reference numWords 10000 and maxLen 500 it has 1,315,937 parameters.
func IMDBConvNet(numWords, maxLen int) *Sequential {
	return NewSequential(
		layers.Embedding(numWords, 128, layers.WithInputLength(maxLen)),
		layers.Conv1D(32, 7, layers.WithActivation("relu")),
		layers.MaxPooling1D(5),
		layers.Conv1D(32, 7, layers.WithActivation("relu")),
		layers.GlobalMaxPooling1D(),
		layers.Dense(1),
	)
}

// JenaConvGRU returns the reference Jena temperature forecaster,
// uncompiled, for windows of timesteps × features (timesteps -1 for any
// length):
//
//	Conv1D(32, 5, relu) → MaxPooling1D(3) → Conv1D(32, 5, relu)
//	→ GRU(32, dropout 0.1, recurrent dropout 0.5) → Dense(1)
//
// The reference windows are 480 × 14, for 13,793 parameters; it is trained
// with losses.MeanAbsoluteError.
func JenaConvGRU(timesteps, features int) *Sequential {
	return NewSequential(
		layers.Conv1D(32, 5, layers.WithActivation("relu"), layers.WithInputShape(timesteps, features)),
		layers.MaxPooling1D(3),
		layers.Conv1D(32, 5, layers.WithActivation("relu")),
		layers.GRU(32, layers.WithDropout(0.1), layers.WithRecurrentDropout(0.5)),
		layers.Dense(1),
	)
}
