package timeseries

import (
	"math"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func TestScalerTrainingRowsOnly(t *testing.T) {
	// Column 0: 1, 2, 3, 4 then huge values after the training rows;
	// column 1 constant over the training rows.
	data, _ := tensor.FromData([]float32{1, 7, 2, 7, 3, 7, 4, 7, 1000, -50, 2000, 60}, 6, 2)
	s, err := FitScaler(data, 4)
	if err != nil {
		t.Fatal(err)
	}
	// Population std (ddof=0) of 1..4 is sqrt(1.25).
	if s.Mean[0] != 2.5 || math.Abs(s.Std[0]-math.Sqrt(1.25)) > 1e-15 || s.Mean[1] != 7 || s.Std[1] != 1 {
		t.Fatalf("mean %v std %v", s.Mean, s.Std)
	}
	if err := s.Transform(data); err != nil {
		t.Fatal(err)
	}
	want := []float32{float32(-1.5 / math.Sqrt(1.25)), 0, float32(-0.5 / math.Sqrt(1.25)), 0,
		float32(0.5 / math.Sqrt(1.25)), 0, float32(1.5 / math.Sqrt(1.25)), 0,
		float32(997.5 / math.Sqrt(1.25)), -57, float32(1997.5 / math.Sqrt(1.25)), 53}
	for i, w := range want {
		if math.Abs(float64(data.Data[i]-w)) > 1e-4 {
			t.Fatalf("transformed %v, want %v", data.Data, want)
		}
	}
	if got := s.Inverse(0, float64(data.Data[0])); math.Abs(got-1) > 1e-6 {
		t.Fatalf("Inverse = %v, want 1", got)
	}
	if got := s.Scale(0, 2); math.Abs(got-2*math.Sqrt(1.25)) > 1e-15 {
		t.Fatalf("Scale = %v", got)
	}
	if _, err := FitScaler(data, 0); err == nil {
		t.Fatal("trainEnd 0 accepted")
	}
	if _, err := FitScaler(data, 7); err == nil {
		t.Fatal("trainEnd past the data accepted")
	}
	if err := s.Transform(tensor.New(3, 3)); err == nil {
		t.Fatal("Transform accepted the wrong number of features")
	}
}
