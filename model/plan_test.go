package model_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/tensor"
)

// The IMDB model runs Embedding and the first Conv1D as one fused layer;
// its predictions must match the two layers run one after the other.
func TestFusedPlanMatchesLayers(t *testing.T) {
	m := imdbModel()
	if err := m.Build(500); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.New(8, 500)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(10000))
	}
	got, err := m.Predict(t.Context(), x, 8)
	if err != nil {
		t.Fatal(err)
	}
	// Run the public layers in order, unfused.
	h := x
	for _, l := range m.Layers() {
		if h, err = l.Forward(h, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := m.Layers()[0].(layers.Fuser); !ok {
		t.Fatal("Embedding no longer offers fusion; this test guards the fused plan")
	}
	var worst float64
	for i, v := range got.Data {
		worst = math.Max(worst, math.Abs(float64(v-h.Data[i])))
	}
	if worst > 1e-5 {
		t.Fatalf("fused plan differs from the layers by %g", worst)
	}
	// The model really runs the fused layer: its errors name the pair.
	x.Data[3] = 10000
	if _, err := m.Predict(t.Context(), x, 8); err == nil || !strings.Contains(err.Error(), "embedding+conv1d") {
		t.Fatalf("out-of-range id: error %v, want one from the fused embedding+conv1d layer", err)
	}
}
