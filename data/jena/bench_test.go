package jena

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// referenceHeader is the header line of jena_climate_2009_2016.csv.
const referenceHeader = `"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)","VPmax (mbar)","VPact (mbar)","VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)","rho (g/m**3)","wv (m/s)","max. wv (m/s)","wd (deg)"`

// synthJena returns a file in the original format with the given number of
// rows at 10-minute steps from 01.01.2009 00:10:00, with values of the
// station's magnitudes (about 102 bytes a row, as in the real file).
func synthJena(rows int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, rows*104+len(referenceHeader)+1)
	b = append(b, referenceHeader...)
	b = append(b, '\n')
	t := time.Date(2009, 1, 1, 0, 10, 0, 0, time.UTC)
	two := func(n int) { b = append(b, byte('0'+n/10), byte('0'+n%10)) }
	for r := range rows {
		two(t.Day())
		b = append(b, '.')
		two(int(t.Month()))
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(t.Year()), 10)
		b = append(b, ' ')
		two(t.Hour())
		b = append(b, ':')
		two(t.Minute())
		b = append(b, ':')
		two(t.Second())
		day := 2 * math.Pi * float64(r%144) / 144
		year := 2 * math.Pi * float64(r%52560) / 52560
		temp := 9 - 10*math.Cos(year) - 4*math.Cos(day) + rng.NormFloat64()
		vals := [14]float64{
			989 + 8*math.Sin(year/3) + rng.Float64(), temp, temp + 273.15 + 10*rng.Float64(), temp - 5*rng.Float64(),
			40 + 60*rng.Float64(), 5 + 20*rng.Float64(), 3 + 10*rng.Float64(), 10 * rng.Float64(), 2 + 8*rng.Float64(),
			3 + 12*rng.Float64(), 1150 + 150*rng.Float64(), 5 * rng.Float64(), 8 * rng.Float64(), 360 * rng.Float64(),
		}
		for _, v := range vals {
			b = append(b, ',')
			b = strconv.AppendFloat(b, v, 'f', 2, 64)
		}
		b = append(b, '\n')
		t = t.Add(10 * time.Minute)
	}
	return b
}

func TestSynthJenaRoundTrip(t *testing.T) {
	in := synthJena(1000)
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
	in := synthJena(ReferenceRows)
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
	in := synthJena(ReferenceRows)
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
