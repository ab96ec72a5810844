package layers

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestInitOrthogonal(t *testing.T) {
	for _, sh := range [][2]int{{32, 96}, {96, 32}, {8, 8}, {1, 5}, {5, 1}} {
		rows, cols := sh[0], sh[1]
		w := make([]float32, rows*cols)
		initOrthogonal(rand.New(rand.NewPCG(1, 2)), rows, cols, w)
		// The short side's vectors must be orthonormal: WᵀW = I when
		// rows ≥ cols, W·Wᵀ = I otherwise.
		n := min(rows, cols)
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				var d float64
				for k := 0; k < max(rows, cols); k++ {
					if rows >= cols {
						d += float64(w[k*cols+a]) * float64(w[k*cols+b])
					} else {
						d += float64(w[a*cols+k]) * float64(w[b*cols+k])
					}
				}
				want := 0.0
				if a == b {
					want = 1
				}
				if math.Abs(d-want) > 1e-5 {
					t.Fatalf("%dx%d: <v%d,v%d> = %v, want %v", rows, cols, a, b, d, want)
				}
			}
		}
	}
	// Deterministic for a fixed seed, different for another.
	a, b, c := make([]float32, 12), make([]float32, 12), make([]float32, 12)
	initOrthogonal(rand.New(rand.NewPCG(3, 4)), 3, 4, a)
	initOrthogonal(rand.New(rand.NewPCG(3, 4)), 3, 4, b)
	initOrthogonal(rand.New(rand.NewPCG(5, 6)), 3, 4, c)
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed gave different values at %d", i)
		}
		same = same && a[i] == c[i]
	}
	if same {
		t.Fatal("different seeds gave identical matrices")
	}
}

func TestInitGlorotUniformAndUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	w := make([]float32, 7*128*32)
	initGlorotUniform(rng, 7*128, 7*32, w)
	limit := math.Sqrt(6.0 / (7*128 + 7*32))
	var s, s2 float64
	for _, v := range w {
		if math.Abs(float64(v)) > limit {
			t.Fatalf("value %v outside ±%v", v, limit)
		}
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	n := float64(len(w))
	mean, vr := s/n, s2/n-(s/n)*(s/n)
	// Uniform(-l, l) has variance l²/3.
	if math.Abs(mean) > 0.01*limit || math.Abs(vr/(limit*limit/3)-1) > 0.03 {
		t.Fatalf("mean %v var %v, want 0 and %v", mean, vr, limit*limit/3)
	}
	u := make([]float32, 10000)
	initUniform(rng, -0.05, 0.05, u)
	lo, hi := float32(1), float32(-1)
	for _, v := range u {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo < -0.05 || hi >= 0.05 || lo > -0.049 || hi < 0.049 {
		t.Fatalf("uniform range [%v, %v], want ≈[-0.05, 0.05)", lo, hi)
	}
	ones := make([]float32, 3)
	initConstant(1, ones)
	if ones[0] != 1 || ones[2] != 1 {
		t.Fatalf("ones: %v", ones)
	}
}
