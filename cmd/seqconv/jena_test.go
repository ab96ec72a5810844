package main

import (
	"strings"
	"testing"
	"time"

	"github.com/seqconv/seqconv/data/jena"
)

// The season note appears only when the training rows span less than a
// year.
func TestSeasonHint(t *testing.T) {
	setup := func(rows int, every time.Duration) *jenaSetup {
		d := &jena.Data{Columns: []string{"T (degC)"}, Rows: rows, Values: make([]float32, rows)}
		t0 := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)
		for r := range rows {
			d.Times = append(d.Times, t0.Add(time.Duration(r)*every))
			d.Values[r] = float32(r % 10)
		}
		sp, _ := jena.SplitFor(rows)
		return &jenaSetup{data: d, split: sp}
	}
	// 1,000 daily rows: training rows 0–474 span 475 days.
	if h := seasonHint(setup(1000, 24*time.Hour)); h != "" {
		t.Errorf("several years of training rows: hint %q, want none", h)
	}
	h := seasonHint(setup(1000, time.Hour)) // 475 hours
	for _, want := range []string{"less than a year", "1 Jan 2009 – 20 Jan 2009 (mean 4.5 °C)", "--file jena_climate_2009_2016.csv"} {
		if !strings.Contains(h, want) {
			t.Errorf("hint %q lacks %q", h, want)
		}
	}
	// No timestamps: nothing to say.
	s := setup(1000, time.Hour)
	s.data.Times = nil
	if h := seasonHint(s); h != "" {
		t.Errorf("without times: hint %q, want none", h)
	}
}
