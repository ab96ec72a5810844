package jena

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSynthJenaRoundTrip(t *testing.T) {
	in := Synthetic(1000)
	d, err := Parse("synth.csv", in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := SummarizeTimes(d.Times)
	if d.Rows != 1000 || d.Features() != 14 || s.Step != 10*time.Minute || s.Gaps != 0 ||
		!s.First.Equal(time.Date(2009, 1, 1, 0, 10, 0, 0, time.UTC)) {
		t.Fatalf("rows %d features %d summary %+v", d.Rows, d.Features(), s)
	}
}

// BenchmarkParseJena43MB parses a synthetic file of the size and layout of
// jena_climate_2009_2016.csv (420,551 rows) from memory; MB/s is reported.
func BenchmarkParseJena43MB(b *testing.B) {
	in := Synthetic(ReferenceRows)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		d, err := Parse("synth.csv", in, Options{})
		if err != nil || d.Rows != ReferenceRows {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadJena43MB is the same through Load, reading the file from a
// temporary directory (from the page cache after the first run).
func BenchmarkLoadJena43MB(b *testing.B) {
	p := filepath.Join(b.TempDir(), "jena_climate_2009_2016.csv")
	in := Synthetic(ReferenceRows)
	if err := os.WriteFile(p, in, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		d, err := Load(p, Options{})
		if err != nil || d.Rows != ReferenceRows {
			b.Fatal(err)
		}
	}
}
