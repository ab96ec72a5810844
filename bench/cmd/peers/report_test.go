package main

import (
	"math"
	"strings"
	"testing"
)

func TestQuantile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	for _, c := range []struct{ q, want float64 }{{0, 1}, {.25, 2}, {.5, 3}, {.75, 4}, {1, 5}} {
		if got := quantile(xs, c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := median([]float64{1, 2, 3, 10}); got != 2.5 {
		t.Errorf("median = %v, want 2.5", got)
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) is not NaN")
	}
	if xs[0] != 5 {
		t.Error("quantile sorted its input")
	}
}

func TestCaseResultAndMarkdown(t *testing.T) {
	r := newCaseResult("imdb_train_step", []float64{100, 110, 90}, []float64{300, 330, 270}, "passive", 200)
	if r.Ratio != 3 || r.SeqconvMs != 100 || r.PytorchMs != 300 || r.Target != 2.5 || r.Runs != 3 {
		t.Fatalf("%+v", r)
	}
	// 11.38 GFLOP in 100 ms is 113.8 GFLOP/s; the floor at 200 GFLOP/s is 56.9 ms.
	if math.Abs(r.SeqconvGFLOPS-113.8) > 0.1 || math.Abs(r.FloorMs-56.9) > 0.1 {
		t.Fatalf("GFLOP/s %v, floor %v", r.SeqconvGFLOPS, r.FloorMs)
	}
	slow := newCaseResult("jena_inference", []float64{10}, []float64{20}, "active", 200)
	rep := &report{Machine: "m", Threads: 2, Cases: []caseResult{r, slow},
		DataPath: []dataResult{{Name: "jena_csv", What: "w", SeqconvMs: 300, PeerMs: 1200, MB: 43}}}
	md := rep.markdown()
	for _, want := range []string{"| imdb_train_step | 100 (95.0–105) | 300 (285–315) | **3.00×** | ≥ 2.5× met |",
		"| jena_inference | 10.0 (10.0–10.0) | 20.0 (20.0–20.0) | **2.00×** | ≥ 3.0× **missed** |",
		"| jena_csv: w | 300 | 1200 | 4.00× | 143 | 36 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
