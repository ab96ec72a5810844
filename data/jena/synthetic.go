package jena

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// ReferenceHeader is the header line of jena_climate_2009_2016.csv.
const ReferenceHeader = `"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)","VPmax (mbar)","VPact (mbar)","VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)","rho (g/m**3)","wv (m/s)","max. wv (m/s)","wd (deg)"`

// Synthetic returns a CSV file in the layout of jena_climate_2009_2016.csv
// (quoted header, "dd.mm.yyyy hh:mm:ss" timestamps at 10-minute steps from
// 01.01.2009 00:10:00, 14 values with two decimals, about 102 bytes a row)
// with rows rows of plausible station values, deterministic. The original
// file is not shipped; parsing speed depends only on the layout and the
// digits, so benchmarks use this (Synthetic(ReferenceRows) is 43 MB).
func Synthetic(rows int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, rows*104+len(ReferenceHeader)+1)
	b = append(b, ReferenceHeader...)
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
