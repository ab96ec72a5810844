package layers

// Helpers shared by the layers with a kernel and an optional bias (Dense,
// Conv1D).

// kernelBiasParams returns kernel and, when there is one, bias.
func kernelBiasParams(kernel, bias *Param) []*Param {
	if bias == nil {
		return []*Param{kernel}
	}
	return []*Param{kernel, bias}
}

// clearGrads zeroes the gradients of ps (the backward pass of an empty
// batch).
func clearGrads(ps []*Param) {
	for _, p := range ps {
		clear(p.Grad.Data)
	}
}

// setKernelBiasConfig adds to a Keras config the activation, use_bias,
// the default initializers (Glorot uniform kernel, zero bias) and the
// regularizers and constraints, which seqconv does not have.
func setKernelBiasConfig(c map[string]any, activation string, useBias bool) {
	c["activation"] = activation
	c["use_bias"] = useBias
	c["kernel_initializer"] = map[string]any{"class_name": "GlorotUniform", "config": map[string]any{"seed": nil}}
	c["bias_initializer"] = map[string]any{"class_name": "Zeros", "config": map[string]any{}}
	for _, k := range []string{"kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"} {
		c[k] = nil
	}
}

// activationBiasConfig reads activation (default linear) and use_bias
// (default true) from a Keras config as options.
func activationBiasConfig(cfg map[string]any) ([]Option, error) {
	a, err := cfgString(cfg, "activation", "linear")
	if err != nil {
		return nil, err
	}
	ub, err := cfgBool(cfg, "use_bias", true)
	if err != nil {
		return nil, err
	}
	return []Option{WithActivation(a), WithUseBias(ub)}, nil
}
