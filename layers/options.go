package layers

import "fmt"

// Option sets one optional Keras argument of a layer, such as
// WithActivation("relu"). A layer given an option it does not take reports
// it as an error from Build.
type Option func(*options)

// options is the union of every layer's optional arguments; set records
// which were given so that layers can reject the ones they do not take.
type options struct {
	set map[string]bool

	name             string
	activation       string
	strides          int
	padding          string
	dilationRate     int
	useBias          bool
	inputShape       []int
	inputLength      int
	dropout          float64
	recurrentDropout float64
	returnSequences  bool
	resetAfter       bool
	mergeMode        string
	seed             uint64
	// recurrent layers (recurrent.go)
	recurrentActivation string
	goBackwards         bool
}

func (o *options) mark(key string) {
	if o.set == nil {
		o.set = map[string]bool{}
	}
	o.set[key] = true
}

// collect applies opts over Keras's defaults.
func collect(opts []Option) options {
	o := options{activation: "linear", strides: -1, padding: "valid", dilationRate: 1, useBias: true, resetAfter: true, mergeMode: "concat", recurrentActivation: "sigmoid"}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// check returns an error naming the first option given to class that is not
// in allowed ("name" and "input_shape" are always allowed).
func (o *options) check(class string, allowed ...string) error {
	ok := map[string]bool{"name": true, "input_shape": true}
	for _, a := range allowed {
		ok[a] = true
	}
	for k := range o.set {
		if !ok[k] {
			return fmt.Errorf("%s does not take the argument %s", class, k)
		}
	}
	return nil
}

// WithName sets the layer's name (Keras name=).
func WithName(name string) Option { return func(o *options) { o.name = name; o.mark("name") } }

// WithActivation sets the activation applied to the output: "linear" (the
// default), "relu", "sigmoid", "tanh" or "softmax" (Keras activation=).
func WithActivation(a string) Option {
	return func(o *options) { o.activation = a; o.mark("activation") }
}

// WithStrides sets the stride of a convolution or pooling (Keras strides=).
func WithStrides(s int) Option { return func(o *options) { o.strides = s; o.mark("strides") } }

// WithPadding sets "valid" (the default), "same" or, for Conv1D, "causal"
// (Keras padding=).
func WithPadding(p string) Option { return func(o *options) { o.padding = p; o.mark("padding") } }

// WithDilationRate sets a Conv1D's dilation (Keras dilation_rate=).
func WithDilationRate(d int) Option {
	return func(o *options) { o.dilationRate = d; o.mark("dilation_rate") }
}

// WithUseBias sets whether the layer has a bias (Keras use_bias=, default true).
func WithUseBias(b bool) Option { return func(o *options) { o.useBias = b; o.mark("use_bias") } }

// WithInputShape declares the input shape of a model's first layer, batch
// axis omitted, -1 for a variable axis: WithInputShape(-1, 14) is Keras's
// input_shape=(None, 14).
func WithInputShape(shape ...int) Option {
	return func(o *options) { o.inputShape = append([]int(nil), shape...); o.mark("input_shape") }
}

// WithInputLength sets an Embedding's sequence length (Keras input_length=).
func WithInputLength(n int) Option {
	return func(o *options) { o.inputLength = n; o.mark("input_length") }
}

// WithDropout sets a recurrent layer's input dropout rate (Keras dropout=).
func WithDropout(rate float64) Option {
	return func(o *options) { o.dropout = rate; o.mark("dropout") }
}

// WithRecurrentDropout sets a recurrent layer's dropout on the recurrent
// state (Keras recurrent_dropout=).
func WithRecurrentDropout(rate float64) Option {
	return func(o *options) { o.recurrentDropout = rate; o.mark("recurrent_dropout") }
}

// WithReturnSequences makes a recurrent layer return its whole output
// sequence instead of the last step (Keras return_sequences=).
func WithReturnSequences(b bool) Option {
	return func(o *options) { o.returnSequences = b; o.mark("return_sequences") }
}

// WithResetAfter selects a GRU's reset-gate placement; true (the default, as
// in Keras 2 and 3) applies it after the recurrent matmul (Keras reset_after=).
func WithResetAfter(b bool) Option {
	return func(o *options) { o.resetAfter = b; o.mark("reset_after") }
}

// WithMergeMode sets how Bidirectional combines its two directions:
// "concat" (the default), "sum", "mul" or "ave" (Keras merge_mode=).
func WithMergeMode(m string) Option {
	return func(o *options) { o.mergeMode = m; o.mark("merge_mode") }
}

// WithSeed fixes the dropout seed of a Dropout or recurrent layer (Keras
// seed=); without it the layer draws from the model's generator.
func WithSeed(s uint64) Option { return func(o *options) { o.seed = s; o.mark("seed") } }
