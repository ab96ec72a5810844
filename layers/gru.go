package layers

import (
	"math/rand/v2"

	"github.com/seqconv/seqconv/internal/kernels"
	"github.com/seqconv/seqconv/tensor"
)

// GRULayer is Keras's GRU: a gated recurrent unit over (batch, timesteps,
// features) inputs.
//
// Weights, in Keras's layout and gate order z (update), r (reset), h
// (candidate): kernel (features, 3·units), recurrent_kernel (units,
// 3·units) and, with use_bias, bias (2, 3·units) when reset_after (row 0
// is added to the input projection, row 1 to the recurrent one) or
// (3·units) otherwise. One step, with σ the recurrent activation and φ the
// activation:
//
//	z = σ(x·Wz + bz + h·Uz [+ b′z])
//	r = σ(x·Wr + br + h·Ur [+ b′r])
//	h̃ = φ(x·Wh + bh + r ⊙ (h·Uh + b′h))   reset_after (the default)
//	h̃ = φ(x·Wh + bh + (r ⊙ h)·Uh)        reset_after = false
//	h ← z ⊙ h + (1 − z) ⊙ h̃
//
// Dropout masks follow Keras 3 (see recurrent.go): with recurrent_dropout
// each gate gets its own input and state masks, otherwise one input mask
// serves all three gates.
type GRULayer struct {
	rnnBase
	resetAfter bool
	biasRec    []float32     // reset_after: bias row 1, or zeros without bias
	biasSum    []float32     // reset_after: the bias added to the input projection
	rh         tensor.Tensor // reset_after: (T, B, u) h·Uh + b′h of every step
	dRh        tensor.Tensor // reset_after: (T, B, u) ∂loss/∂(h·Uh + b′h)
}

// GRU returns a GRU layer with the given number of units. It takes
// WithActivation (default "tanh"), WithRecurrentActivation (default
// "sigmoid"), WithUseBias, WithDropout, WithRecurrentDropout,
// WithReturnSequences, WithGoBackwards, WithResetAfter (default true),
// WithSeed, WithName and WithInputShape.
func GRU(units int, opts ...Option) *GRULayer {
	l := &GRULayer{rnnBase: newRNNBase("GRU", units, 3, opts)}
	l.bind(l.forwardRows, l.backwardRows)
	return l
}

func init() {
	register("GRU", func(cfg map[string]any) (Layer, error) {
		units, opts, err := rnnOptsFromConfig(cfg, true)
		if err != nil {
			return nil, err
		}
		ra, err := cfgBool(cfg, "reset_after", true)
		if err != nil {
			return nil, err
		}
		return GRU(units, append(opts, WithResetAfter(ra))...), nil
	})
}

// Build checks the arguments and creates the weights for inputs of shape
// (timesteps, features); timesteps may be -1 (variable).
func (l *GRULayer) Build(in []int, rng *rand.Rand) error {
	if err := l.setup("recurrent_activation", "reset_after"); err != nil {
		return err
	}
	l.resetAfter = l.opts.resetAfter
	if err := l.buildWeights(in, rng); err != nil {
		return err
	}
	u := l.units
	l.biasRec = make([]float32, 3*u)
	if l.useBias {
		if l.resetAfter {
			l.bias = NewParam("bias", 2, 3*u)
			l.biasIn = l.bias.Value.Data[:3*u]
			l.biasRec = l.bias.Value.Data[3*u:]
		} else {
			l.bias = NewParam("bias", 3*u)
			l.biasIn = l.bias.Value.Data
		}
	}
	return nil
}

// Config returns the Keras config of the layer.
func (l *GRULayer) Config() map[string]any {
	cfg := l.configBase()
	cfg["reset_after"] = l.opts.resetAfter
	return cfg
}

// Forward runs the GRU over the batch x of shape (batch, timesteps,
// features) from a zero initial state and returns (batch, units), or
// (batch, timesteps, units) with return_sequences.
func (l *GRULayer) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	if l.resetAfter && l.useBias {
		// The input projection carries both bias rows of z and r (their
		// sum is all that matters) and the input bias of h; the recurrent
		// bias of h stays inside r ⊙ (…).
		u := l.units
		b := l.bias.Value.Data
		l.biasSum = append(l.biasSum[:0], b[:3*u]...)
		for j := 0; j < 2*u; j++ {
			l.biasSum[j] += b[3*u+j]
		}
		l.biasIn = l.biasSum
	}
	if err := l.beginForward(x, training, 3); err != nil {
		return nil, err
	}
	// Without recurrent masks z and r share the operand h_{t−1}; block 1
	// then holds r ⊙ h_{t−1} (reset_after = false).
	if !l.resetAfter && l.nmh == 0 {
		l.setBlocks([]int{0, 0, 1})
	}
	if l.resetAfter {
		l.rh.Resize(l.steps, l.batch, l.units)
	}
	l.forEachRows(l.fwdRows)
	return l.finishForward(), nil
}

// mix sets h = z ⊙ hp + (1 − z) ⊙ h̃ for one row of gate values g.
func (l *GRULayer) mix(g, hp, h []float32) {
	u := l.units
	z, hh := g[:u], g[2*u:3*u]
	hp, h = hp[:u], h[:u]
	for j, zj := range z {
		h[j] = zj*hp[j] + (1-zj)*hh[j]
	}
}

// mixOperands is mix followed by writing row i of step t+1's recurrent
// operands, h ⊙ mask_k for the three gates k, in the same pass.
func (l *GRULayer) mixOperands(g, hp, h []float32, t, i int) {
	u, B := l.units, l.batch
	z, hh := g[:u], g[2*u:3*u]
	hp, h, hh = hp[:len(z)], h[:len(z)], hh[:len(z)]
	o := ((t+1)*B + i) * 3 * u
	o0, o1, o2 := l.hm.Data[o:o+u], l.hm.Data[o+u:o+2*u], l.hm.Data[o+2*u:o+3*u]
	m0 := l.mh.Data[i*u : (i+1)*u]
	m1 := l.mh.Data[(B+i)*u : (B+i+1)*u]
	m2 := l.mh.Data[(2*B+i)*u : (2*B+i+1)*u]
	o0, o1, o2, m0, m1, m2 = o0[:len(z)], o1[:len(z)], o2[:len(z)], m0[:len(z)], m1[:len(z)], m2[:len(z)]
	for j, zj := range z {
		v := zj*hp[j] + (1-zj)*hh[j]
		h[j] = v
		o0[j], o1[j], o2[j] = v*m0[j], v*m1[j], v*m2[j]
	}
}

// Backward back-propagates through all time steps, storing the gradients
// of kernel, recurrent_kernel and bias, and returns ∂loss/∂x when needDx.
func (l *GRULayer) Backward(dy *tensor.Tensor, needDx bool) (*tensor.Tensor, error) {
	if err := l.beginBackward(dy); err != nil {
		return nil, err
	}
	B, T, u := l.batch, l.steps, l.units
	l.lastRG = nil
	if l.resetAfter {
		// The candidate's recurrent-side gradient is r ⊙ its input-side one.
		l.dRh.Resize(T, B, u)
		l.lastRG = &l.dRh
	}
	l.dy = dy
	l.forEachRows(l.bwdRows)
	var dbIn []float32
	if l.useBias {
		db := l.bias.Grad.Data
		dbIn = db[:3*u]
		if l.resetAfter {
			// Row 1: z and r as row 0 (computed by finishBackward), the
			// candidate from dRh.
			l.biasSums.sum(db[3*u+2*u:3*u+3*u], l.dRh.Data, B*T, u)
		}
	}
	dx := l.finishBackward(needDx, dbIn)
	if l.useBias && l.resetAfter {
		copy(l.bias.Grad.Data[3*u:5*u], dbIn[:2*u])
	}
	return dx, nil
}

// forwardRows runs the time loop for batch rows [lo, hi).
func (l *GRULayer) forwardRows(lo, hi int) {
	B, T, u := l.batch, l.steps, l.units
	special := -1
	if !l.resetAfter {
		special = l.blk[2]
	}
	bh := l.biasRec[2*u:]
	G := 3 * u
	// With recurrent masks and reset_after, the loop that mixes h_t also
	// writes the next step's masked operands, saving a pass over h.
	ops := l.resetAfter && l.nmh == 3 && l.nb == 3
	// Keras's default activations: one vector kernel per row does the
	// gates, the candidate, h_t and the next operands.
	fusedFwd := l.resetAfter && l.recAct == raSigmoid && l.act == raTanh
	for t := 0; t < T; t++ {
		if !ops || t == 0 {
			l.fillOperands(t, special, lo, hi)
		}
		hp, ldh := l.hprev(t)
		pre := l.pre.Data[t*B*G : (t+1)*B*G]
		// z and r: the recurrent products accumulate into pre, whose bias
		// (Forward) already holds both of their bias rows.
		l.recGemm(t, 0, 2, lo, hi, pre, G, 1)
		if l.resetAfter {
			l.recGemm(t, 2, 3, lo, hi, l.rh.Data[t*B*u:(t+1)*B*u], u, 0)
		}
		if fusedFwd && ldh == u { // contiguous row blocks: one call
			var op, m []float32
			if ops && t < T-1 {
				op, m = l.hm.Data[((t+1)*B+lo)*G:], l.mh.Data[lo*u:]
			}
			kernels.GRUForwardRows(hi-lo, pre[lo*G:], l.rh.Data[(t*B+lo)*u:], bh[:u], hp[lo*u:],
				l.hs.Data[(t*B+lo)*u:(t*B+hi)*u], op, m, u, B*u)
			continue
		}
		for i := lo; i < hi; i++ {
			g := pre[i*G : (i+1)*G]
			if fusedFwd {
				h := l.hs.Data[(t*B+i)*u : (t*B+i+1)*u]
				rh := l.rh.Data[(t*B+i)*u : (t*B+i+1)*u]
				var op, m []float32
				if ops && t < T-1 {
					o := ((t+1)*B + i) * G
					op, m = l.hm.Data[o:o+G], l.mh.Data[i*u:]
				}
				kernels.GRUForwardStep(g, rh, bh[:u], hp[i*ldh:i*ldh+u], h, op, m, u, B*u)
				continue
			}
			l.recAct.apply(g[:2*u])
			if !l.resetAfter {
				continue
			}
			r, hh := g[u:2*u], g[2*u:]
			rh := l.rh.Data[(t*B+i)*u : (t*B+i+1)*u]
			r, rh, bh := r[:len(hh)], rh[:len(hh)], bh[:len(hh)]
			for j := range hh {
				v := rh[j] + bh[j]
				rh[j] = v
				hh[j] += r[j] * v
			}
			l.act.apply(hh)
			h := l.hs.Data[(t*B+i)*u : (t*B+i+1)*u]
			if !ops || t == T-1 {
				l.mix(g, hp[i*ldh:i*ldh+u], h)
				continue
			}
			l.mixOperands(g, hp[i*ldh:i*ldh+u], h, t, i)
		}
		if l.resetAfter {
			continue
		}
		// reset_after = false: the candidate multiplies r ⊙ h (masked).
		for i := lo; i < hi; i++ {
			r := pre[i*G+u : i*G+2*u]
			op, h := l.operand(i, t, special), hp[i*ldh:i*ldh+u]
			if l.nmh == 0 {
				for j, v := range h {
					op[j] = r[j] * v
				}
			} else {
				m := l.mh.Data[(2*B+i)*u : (2*B+i+1)*u]
				for j, v := range h {
					op[j] = r[j] * v * m[j]
				}
			}
		}
		l.recGemm(t, 2, 3, lo, hi, pre[2*u:], G, 1)
		for i := lo; i < hi; i++ {
			g := pre[i*G : (i+1)*G]
			l.act.apply(g[2*u:])
			l.mix(g, hp[i*ldh:i*ldh+u], l.hs.Data[(t*B+i)*u:(t*B+i+1)*u])
		}
	}
}

// backwardRows back-propagates through time for batch rows [lo, hi).
func (l *GRULayer) backwardRows(lo, hi int) {
	B, T, u := l.batch, l.steps, l.units
	special := -1
	if !l.resetAfter {
		special = l.blk[2]
	}
	fused := l.resetAfter && l.recAct == raSigmoid && l.act == raTanh
	// pending: with recurrent masks and one output gradient, the fused
	// loop itself adds the gradient through the three masked operands
	// of the step after (dhm, left by stateGrad), instead of a separate
	// pass (addOperandGrads) over dhp; same sums, same order.
	pending := false
	ops := fused && l.nmh == 3 && l.nb == 3 && !l.returnSeq
	for t := T - 1; t >= 0; t-- {
		l.stepGrad(l.dy, t, lo, hi)
		hp, ldh := l.hprev(t)
		if pending {
			l.fusedStepPending(t, lo, hi)
			pending = false
			if t > 0 {
				l.recGemmBack(t, 0, 3, lo, hi)
				pending = true
			}
			continue
		}
		for i := lo; i < hi; i++ {
			o := (t*B + i) * 3 * u
			g, dgx := l.pre.Data[o:o+3*u], l.dGx.Data[o:o+3*u]
			z, r, hh := g[:u], g[u:2*u], g[2*u:]
			dhp, h := l.dhp.Data[i*u:(i+1)*u], hp[i*ldh:i*ldh+u]
			dz, dr, dhh := dgx[:u], dgx[u:2*u], dgx[2*u:]
			if fused {
				// Keras's default activations in one pass: σ′ = σ(1−σ),
				// tanh′ = 1 − tanh².
				rh := l.rh.Data[(t*B+i)*u : (t*B+i+1)*u]
				gh := l.dRh.Data[(t*B+i)*u : (t*B+i+1)*u]
				z, r, hh, h, rh := z[:len(dhp)], r[:len(dhp)], hh[:len(dhp)], h[:len(dhp)], rh[:len(dhp)]
				dz, dr, dhh, gh := dz[:len(dhp)], dr[:len(dhp)], dhh[:len(dhp)], gh[:len(dhp)]
				for j, d := range dhp {
					zj, rj, hj := z[j], r[j], hh[j]
					dhp[j] = d * zj
					c := d * (1 - zj) * (1 - hj*hj)
					dz[j] = d * (h[j] - hj) * zj * (1 - zj)
					dr[j] = c * rh[j] * rj * (1 - rj)
					dhh[j] = c
					gh[j] = c * rj
				}
				continue
			}
			for j, d := range dhp {
				dhp[j] = d * z[j]
				dz[j] = d * (h[j] - hh[j])
				dhh[j] = d * (1 - z[j])
			}
			l.recAct.grad(dz, dz, z)
			l.act.grad(dhh, dhh, hh)
			if l.resetAfter {
				rh := l.rh.Data[(t*B+i)*u : (t*B+i+1)*u]
				drh := l.dRh.Data[(t*B+i)*u : (t*B+i+1)*u]
				for j, d := range dhh {
					dr[j] = d * rh[j]
					drh[j] = d * r[j]
				}
				l.recAct.grad(dr, dr, r)
			}
		}
		if l.resetAfter {
			if t > 0 && ops {
				l.recGemmBack(t, 0, 3, lo, hi)
				pending = true
			} else if t > 0 { // h_{−1} is a constant
				l.stateGrad(t, lo, hi, 1)
			}
			continue
		}
		// reset_after = false: q = ∂loss/∂(r ⊙ h) from the candidate's GEMM.
		l.recGemmBack(t, 2, 3, lo, hi)
		nbu := l.nb * u
		for i := lo; i < hi; i++ {
			o := (t*B + i) * 3 * u
			r, dr := l.pre.Data[o+u:o+2*u], l.dGx.Data[o+u:o+2*u]
			q := l.dhm.Data[i*nbu+special*u : i*nbu+(special+1)*u]
			h, dhp := hp[i*ldh:i*ldh+u], l.dhp.Data[i*u:(i+1)*u]
			if l.nmh == 0 {
				for j, v := range q {
					dr[j] = v * h[j]
					dhp[j] += v * r[j]
				}
			} else {
				m := l.mh.Data[(2*B+i)*u : (2*B+i+1)*u]
				for j, v := range q {
					dr[j] = v * h[j] * m[j]
					dhp[j] += v * r[j] * m[j]
				}
			}
			l.recAct.grad(dr, dr, r)
		}
		if t > 0 {
			l.recGemmBack(t, 0, 2, lo, hi)
			l.addOperandGrads(special, lo, hi)
		}
	}
}

// fusedStepPending is the fused reset_after step of backwardRows for rows
// [lo, hi) at step t, with ∂loss/∂h_t = dhp + Σ_k dhm_k ⊙ mask_k (the
// gradient through step t+1's masked operands, flushed as in
// addOperandGrads) formed on the fly, in one vector kernel call.
func (l *GRULayer) fusedStepPending(t, lo, hi int) {
	B, u := l.batch, l.units
	hp, ldh := l.hprev(t)
	if ldh == u { // the rows are contiguous blocks: one call for them all
		o, r := (t*B+lo)*3*u, (t*B+lo)*u
		kernels.GRUBackwardRows(hi-lo, l.dhp.Data[lo*u:hi*u], l.dGx.Data[o:], l.dRh.Data[r:],
			l.pre.Data[o:], hp[lo*u:], l.rh.Data[r:], l.dhm.Data[lo*3*u:], l.mh.Data[lo*u:], u, B*u)
		return
	}
	for i := lo; i < hi; i++ {
		o := (t*B + i) * 3 * u
		r := (t*B + i) * u
		kernels.GRUBackwardStep(l.dhp.Data[i*u:(i+1)*u], l.dGx.Data[o:o+3*u], l.dRh.Data[r:r+u],
			l.pre.Data[o:o+3*u], hp[i*ldh:i*ldh+u], l.rh.Data[r:r+u],
			l.dhm.Data[i*3*u:(i+1)*3*u], l.mh.Data[i*u:], u, B*u)
	}
}
