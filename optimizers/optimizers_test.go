package optimizers

import (
	"math"
	"testing"

	"github.com/seqconv/seqconv/layers"
)

// run applies o to a single scalar weight starting at w0 with the given
// gradient sequence and returns the weight after each step.
func run(t *testing.T, o Optimizer, w0 float32, grads ...float32) []float64 {
	t.Helper()
	p := layers.NewParam("kernel", 1)
	p.Value.Data[0] = w0
	var out []float64
	for _, g := range grads {
		p.Grad.Data[0] = g
		if err := o.Apply([]*layers.Param{p}); err != nil {
			t.Fatal(err)
		}
		out = append(out, float64(p.Value.Data[0]))
	}
	return out
}

func near(t *testing.T, name string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-6*math.Max(1, math.Abs(want[i])) {
			t.Errorf("%s step %d: w = %.9g, want %.9g", name, i+1, got[i], want[i])
		}
	}
}

func TestRMSprop(t *testing.T) {
	// Keras defaults, steps with g = 0.5 then −0.2 from w = 1:
	// v1 = 0.1·0.25 = 0.025          w1 = 1 − 1e-3·0.5/√(0.025+1e-7)
	// v2 = 0.9·0.025 + 0.1·0.04 = 0.0265  w2 = w1 + 1e-3·0.2/√(0.0265+1e-7)
	w1 := 1 - 1e-3*0.5/math.Sqrt(0.025+1e-7)
	w2 := w1 + 1e-3*0.2/math.Sqrt(0.0265+1e-7)
	near(t, "RMSprop", run(t, NewRMSprop(RMSpropConfig{}), 1, 0.5, -0.2), []float64{w1, w2})

	// Epsilon placement: with ε = 0.01 and g = 0.1, √(v+ε) = √0.011 differs
	// from √v+ε = 0.0416 by a factor 2.5.
	near(t, "RMSprop ε", run(t, NewRMSprop(RMSpropConfig{LearningRate: 0.1, Epsilon: 0.01}), 0, 0.1),
		[]float64{-0.1 * 0.1 / math.Sqrt(0.001+0.01)})

	// Momentum 0.5: m1 = Δ1, w1 = −Δ1; m2 = 0.5·m1 + Δ2.
	d1 := 1e-3 * 0.5 / math.Sqrt(0.025+1e-7)
	d2 := 1e-3 * -0.2 / math.Sqrt(0.0265+1e-7)
	near(t, "RMSprop momentum", run(t, NewRMSprop(RMSpropConfig{Momentum: 0.5}), 0, 0.5, -0.2),
		[]float64{-d1, -d1 - (0.5*d1 + d2)})

	// Centered: ḡ1 = 0.05, d = 0.025 − 0.0025 + 1e-7.
	near(t, "RMSprop centered", run(t, NewRMSprop(RMSpropConfig{Centered: true}), 0, 0.5),
		[]float64{-1e-3 * 0.5 / math.Sqrt(0.025-0.0025+1e-7)})
}

func TestAdam(t *testing.T) {
	// g = 0.5 then −0.2 from w = 1, Keras defaults.
	// t=1: m = 0.05, v = 0.00025, α = 1e-3·√0.001/0.1
	// t=2: m = 0.045 − 0.02 = 0.025, v = 0.00024975 + 0.00004 = 0.00028975,
	//      α = 1e-3·√(1−0.998001)/(1−0.81)
	a1 := 1e-3 * math.Sqrt(0.001) / 0.1
	w1 := 1 - a1*0.05/(math.Sqrt(0.00025)+1e-7)
	a2 := 1e-3 * math.Sqrt(1-0.998001) / (1 - 0.81)
	w2 := w1 - a2*0.025/(math.Sqrt(0.00028975)+1e-7)
	near(t, "Adam", run(t, NewAdam(AdamConfig{}), 1, 0.5, -0.2), []float64{w1, w2})
	// The first Adam step is ≈ lr·sign(g) whatever |g|.
	if got := run(t, NewAdam(AdamConfig{}), 0, 123)[0]; math.Abs(got+1e-3) > 1e-8 {
		t.Errorf("first Adam step = %v, want ≈ −1e-3", got)
	}
}

func TestSGD(t *testing.T) {
	near(t, "SGD", run(t, NewSGD(SGDConfig{}), 1, 0.5, -0.2), []float64{1 - 0.005, 1 - 0.005 + 0.002})
	// Momentum 0.9, lr 0.1: v1 = −0.05, w1 = 0.95; v2 = −0.045 + 0.02 = −0.025, w2 = 0.925;
	// v3 = −0.0225 − 0.01 = −0.0325, w3 = 0.8925.
	near(t, "SGD momentum", run(t, NewSGD(SGDConfig{LearningRate: 0.1, Momentum: 0.9}), 1, 0.5, -0.2, 0.1),
		[]float64{0.95, 0.925, 0.8925})
	// Nesterov: w += 0.9·v − lr·g: w1 = 1 − 0.045 − 0.05 = 0.905;
	// w2 = 0.905 + 0.9·(−0.025) + 0.02 = 0.9025.
	near(t, "SGD nesterov", run(t, NewSGD(SGDConfig{LearningRate: 0.1, Momentum: 0.9, Nesterov: true}), 1, 0.5, -0.2),
		[]float64{0.905, 0.9025})
}

func TestStateRoundTrip(t *testing.T) {
	for _, name := range []string{"RMSprop", "Adam", "SGD"} {
		cfg := map[string]any{"momentum": 0.5}
		a, err := FromConfig(name, cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := FromConfig(name, a.Config())
		straight := run(t, a, 1, 0.5, -0.2, 0.3)
		c, _ := FromConfig(name, cfg)
		run(t, c, 1, 0.5)
		it, s := c.State()
		if it != 1 {
			t.Errorf("%s: iterations %d after one step", name, it)
		}
		if err := b.SetState(it, s); err != nil {
			t.Fatal(err)
		}
		resumed := run(t, b, float32(straight[0]), -0.2, 0.3)
		for i := range resumed {
			if resumed[i] != straight[i+1] {
				t.Errorf("%s: resumed step %d = %v, straight %v", name, i+2, resumed[i], straight[i+1])
			}
		}
	}
	if _, err := FromConfig("Adagrad", nil); err == nil {
		t.Error("unknown optimizer accepted")
	}
}
