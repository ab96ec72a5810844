package timeseries

import (
	"strings"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

// ramp returns a [rows, 2] array with row r = (r, 100+r).
func ramp(rows int) *tensor.Tensor {
	t := tensor.New(rows, 2)
	for r := range rows {
		t.Data[2*r], t.Data[2*r+1] = float32(r), float32(100+r)
	}
	return t
}

func TestGeneratorSequential(t *testing.T) {
	g, err := NewGenerator(ramp(20), GeneratorConfig{Lookback: 4, Step: 2, Delay: 3, MinIndex: 0, MaxIndex: 12,
		BatchSize: 3, TargetColumn: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Batch 1: reference rows 4, 5, 6; batch 2: 7, 8, 9; then 10+3 ≥ 12
	// so the walk restarts at 4.
	for bi, rows := range [][]int{{4, 5, 6}, {7, 8, 9}, {4, 5, 6}} {
		x, y, err := g.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !tensor.SameShape(x.Shape, []int{3, 2, 2}) || !tensor.SameShape(y.Shape, []int{3, 1}) {
			t.Fatalf("batch %d shapes %v %v", bi, x.Shape, y.Shape)
		}
		for j, r := range rows {
			// Timesteps are rows r−4 and r−2.
			want := []float32{float32(r - 4), float32(96 + r), float32(r - 2), float32(98 + r)}
			for k, w := range want {
				if got := x.Data[j*4+k]; got != w {
					t.Fatalf("batch %d sample %d: x %v, want %v", bi, j, x.Data[j*4:j*4+4], want)
				}
			}
			if got, want := y.Data[j], float32(100+r+3); got != want {
				t.Fatalf("batch %d sample %d: y %v, want %v", bi, j, got, want)
			}
		}
	}
}

func TestGeneratorNoMaxAndShortBatch(t *testing.T) {
	g, err := NewGenerator(ramp(20), GeneratorConfig{Lookback: 4, Step: 1, Delay: 3, MaxIndex: NoMax, BatchSize: 2, TargetColumn: 1})
	if err != nil {
		t.Fatal(err)
	}
	if g.MaxIndex() != 16 { // len − delay − 1
		t.Fatalf("max index %d, want 16", g.MaxIndex())
	}
	// Only rows 4 and 5 are reference rows below max 6: 4+3 ≥ 6 resets to
	// 4 each time and the batch holds the 2 rows left.
	g, err = NewGenerator(ramp(20), GeneratorConfig{Lookback: 4, Step: 1, MaxIndex: 6, BatchSize: 3, TargetColumn: 0})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		x, y, _ := g.Next()
		if x.Shape[0] != 2 || y.Data[0] != 4 || y.Data[1] != 5 || g.Timesteps() != 4 {
			t.Fatalf("short batch: x %v y %v", x.Shape, y.Data)
		}
	}
}

func TestGeneratorShuffle(t *testing.T) {
	cfg := GeneratorConfig{Lookback: 4, Step: 2, Delay: 3, MinIndex: 2, MaxIndex: 12, BatchSize: 8, Shuffle: true,
		TargetColumn: 1, Seed: 7}
	g1, _ := NewGenerator(ramp(20), cfg)
	g2, _ := NewGenerator(ramp(20), cfg)
	seen := map[int]int{}
	for range 100 {
		x1, y1, _ := g1.Next()
		x2, _, _ := g2.Next()
		for j := range 8 {
			// The last timestep holds row r−2, the target is 100+r+3.
			r := int(x1.Data[j*4+2]) + 2
			if r < 6 || r >= 12 {
				t.Fatalf("reference row %d outside [6, 12)", r)
			}
			if y1.Data[j] != float32(103+r) || x1.Data[j*4] != float32(r-4) {
				t.Fatalf("row %d: x %v y %v", r, x1.Data[j*4:j*4+4], y1.Data[j])
			}
			if x2.Data[j*4+2] != x1.Data[j*4+2] {
				t.Fatal("same seed gave different batches")
			}
			seen[r]++
		}
	}
	if len(seen) != 6 {
		t.Fatalf("rows drawn %v, want all of 6..11", seen)
	}
	g1.Reset()
	again, _, _ := g1.Next()
	g2.Reset()
	b2, _, _ := g2.Next()
	if again.Data[2] != b2.Data[2] {
		t.Fatal("Reset does not replay the sequence")
	}
}

func TestGeneratorNoAllocs(t *testing.T) {
	for _, shuffle := range []bool{false, true} {
		g, err := NewGenerator(ramp(200), GeneratorConfig{Lookback: 12, Step: 3, Delay: 5, MaxIndex: 150,
			BatchSize: 16, Shuffle: shuffle, TargetColumn: 1})
		if err != nil {
			t.Fatal(err)
		}
		g.Next()
		if n := testing.AllocsPerRun(50, func() { g.Next() }); n != 0 {
			t.Fatalf("shuffle=%v: %v allocations per batch", shuffle, n)
		}
	}
}

func TestGeneratorErrors(t *testing.T) {
	ok := GeneratorConfig{Lookback: 4, Step: 2, Delay: 3, MaxIndex: 12, BatchSize: 3, TargetColumn: 1}
	for _, c := range []struct {
		mod  func(*GeneratorConfig)
		want string
	}{
		{func(c *GeneratorConfig) { c.Step = 3 }, "not a multiple of step"},
		{func(c *GeneratorConfig) { c.Lookback = 0 }, "lookback 0"},
		{func(c *GeneratorConfig) { c.BatchSize = 0 }, "batch size 0"},
		{func(c *GeneratorConfig) { c.TargetColumn = 2 }, "target column 2"},
		{func(c *GeneratorConfig) { c.MaxIndex = 18 }, "exceeds the 20 rows"},
		{func(c *GeneratorConfig) { c.MinIndex = 8 }, "no reference rows"},
		{func(c *GeneratorConfig) { c.Delay = -1 }, "delay -1"},
	} {
		cfg := ok
		c.mod(&cfg)
		if _, err := NewGenerator(ramp(20), cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", cfg, err, c.want)
		}
	}
	if _, err := NewGenerator(tensor.New(20), ok); err == nil {
		t.Error("1-D data accepted")
	}
}

func TestSteps(t *testing.T) {
	// The reference split of the 420,551-row file, lookback 1440, batch 128:
	// validation rows [200001, 300000), test rows [300001, 420551).
	for _, c := range []struct{ lo, hi, want int }{{200001, 300000, 769}, {300001, 420551, 930}, {0, 1440 + 128, 1}} {
		got, err := Steps(c.lo, c.hi, 1440, 128)
		if err != nil || got != c.want {
			t.Errorf("Steps(%d, %d) = %d, %v; want %d", c.lo, c.hi, got, err, c.want)
		}
	}
	if _, err := Steps(0, 1440+127, 1440, 128); err == nil || !strings.Contains(err.Error(), "fewer than one batch") {
		t.Errorf("too small a range: %v", err)
	}
}

func TestNaiveMAE(t *testing.T) {
	// Column 1 rises by 0.5 a row: the last observed value (row r−step)
	// misses the target (row r+delay) by exactly 0.5·(step+delay).
	data := tensor.New(300, 2)
	for r := range 300 {
		data.Data[2*r+1] = 0.5 * float32(r)
	}
	g, err := NewGenerator(data, GeneratorConfig{Lookback: 24, Step: 6, Delay: 10, MaxIndex: 250, BatchSize: 16, TargetColumn: 1})
	if err != nil {
		t.Fatal(err)
	}
	mae, err := NaiveMAE(g, 20, 1)
	if err != nil || mae != 8 {
		t.Fatalf("NaiveMAE = %v, %v; want 8", mae, err)
	}
	if _, err := NaiveMAE(g, 0, 1); err == nil {
		t.Fatal("0 steps accepted")
	}
	if _, err := NaiveMAE(g, 1, 5); err == nil {
		t.Fatal("column out of range accepted")
	}
}

// BenchmarkGeneratorJena times one batch of the reference experiment's
// shapes: 128 samples of 240 hourly steps × 14 features.
func BenchmarkGeneratorJena(b *testing.B) {
	data := tensor.New(20000, 14)
	g, err := NewGenerator(data, GeneratorConfig{Lookback: 1440, Step: 6, Delay: 144, MaxIndex: 15000,
		BatchSize: 128, Shuffle: true, TargetColumn: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(128 * 240 * 14 * 4)
	for b.Loop() {
		g.Next()
	}
}
