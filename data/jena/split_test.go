package jena

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/seqconv/seqconv/datasets"
)

func TestSplitFor(t *testing.T) {
	s, note := SplitFor(ReferenceRows)
	if s.TrainMin != 0 || s.TrainMax != 200000 || s.ValMin != 200001 || s.ValMax != 300000 || s.TestMin != 300001 ||
		s.Proportional || !strings.Contains(note, "reference") {
		t.Fatalf("reference split %+v %q", s, note)
	}
	val, test, err := s.Steps(DefaultConfig())
	if err != nil || val != 769 || test != 930 {
		t.Fatalf("reference steps %d %d %v, want 769 930", val, test, err)
	}
	s, note = SplitFor(19132)
	// 19132·200000/420551 = 9098.5…, 19132·300000/420551 = 13647.8…
	if s.TrainMax != 9098 || s.ValMin != 9099 || s.ValMax != 13647 || s.TestMin != 13648 || !s.Proportional ||
		!strings.Contains(note, "proportional") {
		t.Fatalf("proportional split %+v %q", s, note)
	}
	val, test, err = s.Steps(DefaultConfig())
	// (13647−9099−1440)/128 = 24, (19132−13648−1440)/128 = 31
	if err != nil || val != 24 || test != 31 {
		t.Fatalf("shipped-file steps %d %d %v, want 24 31", val, test, err)
	}
	s, _ = SplitFor(5000)
	if _, _, err := s.Steps(DefaultConfig()); err == nil || !strings.Contains(err.Error(), "validation") {
		t.Fatalf("5000 rows: %v", err)
	}
}

// synthData returns a Data of n rows with three columns; the temperature
// rises by 0.01 °C a row and the others are noise-free patterns.
func synthData(n int) *Data {
	d := &Data{File: "synth", Columns: []string{"p (mbar)", "T (degC)", "wv (m/s)"}, Rows: n,
		Missing: make([]int, 3), FirstMissingLine: make([]int, 3)}
	t0 := time.Date(2009, 1, 1, 0, 10, 0, 0, time.UTC)
	for r := range n {
		d.Times = append(d.Times, t0.Add(time.Duration(r)*10*time.Minute))
		d.Values = append(d.Values, float32(1000+r%7), float32(r)*0.01, float32(r%3))
	}
	return d
}

func TestStandardizedUsesTrainingRows(t *testing.T) {
	d := synthData(100)
	std, sc, err := Standardized(d, 40)
	if err != nil {
		t.Fatal(err)
	}
	// T over rows 0…39: 0.00 … 0.39, mean 0.195, population std
	// 0.01·sqrt((40²−1)/12).
	wantStd := 0.01 * math.Sqrt((40*40-1)/12.0)
	if math.Abs(sc.Mean[1]-0.195) > 1e-6 || math.Abs(sc.Std[1]-wantStd) > 1e-6 {
		t.Fatalf("T mean %v std %v, want 0.195 %v", sc.Mean[1], sc.Std[1], wantStd)
	}
	// Row 99 is outside the training rows and is standardized with them.
	if got, want := float64(std.Data[99*3+1]), (0.99-0.195)/wantStd; math.Abs(got-want) > 1e-4 {
		t.Fatalf("row 99 T = %v, want %v", got, want)
	}
	if d.Values[99*3+1] != float32(99)*0.01 {
		t.Fatal("Standardized changed the loaded values")
	}
}

func TestCommonSenseBaselineSynthetic(t *testing.T) {
	// T rises 0.01 °C a row: predicting T(r−step) for T(r+delay) errs by
	// exactly 0.01·(step+delay) °C everywhere.
	d := synthData(3000)
	s, _ := SplitFor(d.Rows)
	cfg := Config{Lookback: 120, Delay: 12, Step: 6, BatchSize: 32}
	b, err := CommonSenseBaseline(d, s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.01 * 18
	if math.Abs(b.ValMAEC-want) > 1e-4 || math.Abs(b.TestMAEC-want) > 1e-4 {
		t.Fatalf("baseline °C val %v test %v, want %v", b.ValMAEC, b.TestMAEC, want)
	}
	_, sc, _ := Standardized(d, s.TrainMax)
	if math.Abs(b.ValMAE-want/sc.Std[1]) > 1e-4 {
		t.Fatalf("normalized val %v, want %v", b.ValMAE, want/sc.Std[1])
	}
	d.Columns[1] = "x"
	if _, err := CommonSenseBaseline(d, s, cfg); err == nil || !strings.Contains(err.Error(), "T (degC)") {
		t.Fatalf("no temperature column: %v", err)
	}
}

func TestCommonSenseBaselineShipped(t *testing.T) {
	d, err := Parse(datasets.JenaRoof2024Name, datasets.JenaRoof2024(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := SplitFor(d.Rows)
	b, err := CommonSenseBaseline(d, s, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	// Cross-checked with an independent float64 implementation of the
	// reference experiment's generator and evaluation.
	// (step 3: the window's last sample is 30 minutes before the reference row).
	for _, c := range []struct{ got, want float64 }{
		{b.ValMAE, 0.64509040}, {b.TestMAE, 0.56138469}, {b.ValMAEC, 3.0088965}, {b.TestMAEC, 2.6184677},
	} {
		if math.Abs(c.got-c.want) > 1e-6 {
			t.Errorf("baseline %+v: %v, want %v", b, c.got, c.want)
		}
	}
	if b.ValSteps != 24 || b.TestSteps != 31 {
		t.Errorf("steps %d %d", b.ValSteps, b.TestSteps)
	}
}

func TestGeneratorsShapes(t *testing.T) {
	d := synthData(3000)
	std, _, _ := Standardized(d, 1400)
	s, _ := SplitFor(d.Rows)
	g, err := NewGenerators(std, s, 1, Config{Lookback: 120, Delay: 12, Step: 6, BatchSize: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	x, y, _ := g.Train.Next()
	if x.Shape[0] != 32 || x.Shape[1] != 20 || x.Shape[2] != 3 || y.Shape[1] != 1 {
		t.Fatalf("train batch %v %v", x.Shape, y.Shape)
	}
	if g.Test.MaxIndex() != 3000-12-1 {
		t.Fatalf("test max index %d", g.Test.MaxIndex())
	}
}
