package jena

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seqconv/seqconv/datasets"
)

const hdr = `"Date Time","p (mbar)","T (degC)","wv (m/s)"` + "\n"

func TestParseFirst19Rows(t *testing.T) {
	d, err := Parse(datasets.JenaFirst19RowsName, datasets.JenaFirst19Rows(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows != 19 || d.Features() != 14 {
		t.Fatalf("rows %d features %d, want 19 and 14", d.Rows, d.Features())
	}
	if d.Columns[0] != "p (mbar)" || d.Columns[1] != "T (degC)" || d.Columns[13] != "wd (deg)" {
		t.Fatalf("columns %q", d.Columns)
	}
	cell := func(r int, col string) float32 { return d.Values[r*14+d.Column(col)] }
	for _, c := range []struct {
		row  int
		col  string
		want float32
	}{
		{0, "p (mbar)", 996.52}, {0, "T (degC)", -8.02}, {0, "wd (deg)", 152.30},
		{0, "rho (g/m**3)", 1307.75}, {8, "T (degC)", -7.91}, {8, "max. wv (m/s)", 0.75},
		{18, "T (degC)", -8.84}, {18, "wv (m/s)", 0.07}, {18, "wd (deg)", 129.30},
	} {
		if got := cell(c.row, c.col); got != c.want {
			t.Errorf("row %d %s = %v, want %v", c.row, c.col, got, c.want)
		}
	}
	if want := time.Date(2009, 1, 1, 0, 10, 0, 0, time.UTC); !d.Times[0].Equal(want) {
		t.Errorf("first time %v, want %v", d.Times[0], want)
	}
	if want := time.Date(2009, 1, 1, 3, 10, 0, 0, time.UTC); !d.Times[18].Equal(want) {
		t.Errorf("last time %v, want %v", d.Times[18], want)
	}
	s := SummarizeTimes(d.Times)
	if s.Step != 10*time.Minute || s.Gaps != 0 || s.Backward != 0 {
		t.Errorf("time summary %+v", s)
	}
	if d.TotalMissing() != 0 {
		t.Errorf("missing %v", d.Missing)
	}
}

func TestParseShipped2024(t *testing.T) {
	d, err := Parse(datasets.JenaRoof2024Name, datasets.JenaRoof2024(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows != 19132 {
		t.Fatalf("rows %d, want 19132", d.Rows)
	}
	s := SummarizeTimes(d.Times)
	if !s.First.Equal(time.Date(2024, 6, 9, 11, 40, 0, 0, time.UTC)) || !s.Last.Equal(time.Date(2024, 10, 20, 8, 10, 0, 0, time.UTC)) ||
		s.Step != 10*time.Minute || s.Gaps != 0 || s.Irregular != 0 || s.Backward != 0 {
		t.Fatalf("time summary %+v", s)
	}
	// Last line: 20.10.2024 08:10:00,996.59,11.25,...
	if got := d.Values[(d.Rows-1)*14+1]; got != 11.25 {
		t.Fatalf("last T = %v, want 11.25", got)
	}
}

func TestParseSelectColumnsAndFormats(t *testing.T) {
	in := "\xef\xbb\xbf" + strings.ReplaceAll(hdr, "\n", "\r\n") +
		"01.01.2009 00:10:00,996.52,-8.02,1.03\r\n" +
		"\r\n" + // blank lines are skipped
		"01.01.2009 00:20:00,996.57,-8.41,0.72" // no final newline
	d, err := Parse("x.csv", []byte(in), Options{Columns: []string{"T (degC)", "p (mbar)"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{-8.02, 996.52, -8.41, 996.57}
	if d.Rows != 2 || len(d.Values) != 4 {
		t.Fatalf("rows %d values %v", d.Rows, d.Values)
	}
	for i, w := range want {
		if d.Values[i] != w {
			t.Fatalf("values %v, want %v", d.Values, want)
		}
	}
	if d.Times[1].Minute() != 20 {
		t.Fatalf("time %v", d.Times[1])
	}
	if _, err := Parse("x.csv", []byte(hdr+"01.01.2009 00:10:00,1,2,3\n"), Options{Columns: []string{"rh (%)"}}); err == nil ||
		!strings.Contains(err.Error(), `no column "rh (%)"`) {
		t.Fatalf("unknown column: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	row := "01.01.2009 00:10:00,996.52,-8.02,1.03\n"
	for _, c := range []struct {
		name, in string
		want     []string // substrings of the message
	}{
		{"too few fields", hdr + row + "01.01.2009 00:20:00,996.57,-8.41\n", []string{"x.csv:3:", "3 fields, want 4"}},
		{"too many fields", hdr + row + "01.01.2009 00:20:00,1,2,3,4\n", []string{"x.csv:3:27:", "too many fields"}},
		{"bad number", hdr + row + "01.01.2009 00:20:00,996.57,-8.4x1,0.72\n", []string{"x.csv:3:28:", `column "T (degC)"`, `bad number "-8.4x1"`}},
		{"empty number", hdr + "01.01.2009 00:10:00,,1,2\n", []string{"x.csv:2:21:", `column "p (mbar)"`, "empty field"}},
		{"bad date", hdr + row + "31.02.2009 00:20:00,1,2,3\n", []string{"x.csv:3:1:", `column "Date Time"`, `bad date "31.02.2009 00:20:00"`}},
		{"bad date format", hdr + "2009-01-01 00:10:00,1,2,3\n", []string{"x.csv:2:1:", "dd.mm.yyyy hh:mm:ss"}},
		{"no header", "", []string{"x.csv:1:", "no header"}},
		{"no rows", hdr, []string{"no data rows"}},
		{"no time column", `"a","b"` + "\n1,2\n", []string{`no "Date Time" column`}},
		{"unterminated quote", `"Date Time,"a"` + "\n", []string{"x.csv:1:", "quote"}},
	} {
		_, err := Parse("dir/x.csv", []byte(c.in), Options{})
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
	}
	var pe *ParseError
	_, err := Parse("x.csv", []byte(hdr+"01.01.2009 00:10:00,1,zz,3\n"), Options{})
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Col != 23 || pe.Field != "T (degC)" {
		t.Fatalf("ParseError %+v", pe)
	}
}

func TestSentinel(t *testing.T) {
	in := hdr +
		"01.01.2009 00:00:00,-9999,1.0,5\n" + // line 2: leading run
		"01.01.2009 00:10:00,1000,2.0,-9999.0\n" +
		"01.01.2009 00:20:00,1001,3.0,-9999.00\n" +
		"01.01.2009 00:30:00,1002,4.0,-9999\n" +
		"01.01.2009 00:40:00,1003,5.0,13\n" +
		"01.01.2009 00:50:00,1004,6.0,-9999\n" // trailing run
	_, err := Parse("x.csv", []byte(in), Options{})
	if err == nil || !strings.Contains(err.Error(), "x.csv:2:21:") || !strings.Contains(err.Error(), "-9999") {
		t.Fatalf("Reject: %v", err)
	}
	d, err := Parse("x.csv", []byte(in), Options{Missing: FillLinear})
	if err != nil {
		t.Fatal(err)
	}
	if d.Missing[0] != 1 || d.Missing[1] != 0 || d.Missing[2] != 4 || d.TotalMissing() != 5 {
		t.Fatalf("missing counts %v", d.Missing)
	}
	if d.FirstMissingLine[0] != 2 || d.FirstMissingLine[2] != 3 || d.FirstMissingLine[1] != 0 {
		t.Fatalf("first missing lines %v", d.FirstMissingLine)
	}
	col := func(d *Data, c int) []float32 {
		var out []float32
		for r := range d.Rows {
			out = append(out, d.Values[r*3+c])
		}
		return out
	}
	eq := func(got, want []float32) bool {
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5 {
				return false
			}
		}
		return len(got) == len(want)
	}
	if got, want := col(d, 0), []float32{1000, 1000, 1001, 1002, 1003, 1004}; !eq(got, want) {
		t.Errorf("p filled %v, want %v", got, want)
	}
	// 5 → 13 over four steps: 7, 9, 11; then the trailing run keeps 13.
	if got, want := col(d, 2), []float32{5, 7, 9, 11, 13, 13}; !eq(got, want) {
		t.Errorf("wv linear %v, want %v", got, want)
	}
	d, err = Parse("x.csv", []byte(in), Options{Missing: FillPrevious})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := col(d, 2), []float32{5, 5, 5, 5, 13, 13}; !eq(got, want) {
		t.Errorf("wv previous %v, want %v", got, want)
	}
	if _, err := Parse("x.csv", []byte(hdr+"01.01.2009 00:00:00,-9999,1,2\n"), Options{Missing: FillLinear}); err == nil ||
		!strings.Contains(err.Error(), "only missing") {
		t.Errorf("all-missing column: %v", err)
	}
}

func TestParseNumberMatchesStrconv(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.1", "996.52", "-8.02", "1307.75", "-9999.00", "123456789012345",
		"0.000000000000000000001", "1e3", "-2.5E-2", ".5", "5.", "+3.25", "1234567890123456789", "3.14159265358979323846"} {
		got, ok := parseNumber([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		if !ok || err != nil || got != want {
			t.Errorf("parseNumber(%q) = %v %v, want %v %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{"", "-", ".", "1.2.3", "1,5", "0x10", "inf", "NaN", "1_000", "--1", " 1"} {
		if v, ok := parseNumber([]byte(s)); ok {
			t.Errorf("parseNumber(%q) accepted: %v", s, v)
		}
	}
}

func TestParseTime(t *testing.T) {
	for s, want := range map[string]time.Time{
		"29.02.2012 23:59:59": time.Date(2012, 2, 29, 23, 59, 59, 0, time.UTC),
		"01.01.1970 00:00:00": time.Unix(0, 0).UTC(),
		"31.12.2016 00:00:00": time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC),
		"15.01.0000 12:00:00": time.Date(0, 1, 15, 12, 0, 0, 0, time.UTC),
	} {
		got, ok := parseTime([]byte(s))
		if !ok || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v %v, want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"29.02.2013 00:00:00", "01.13.2009 00:00:00", "00.01.2009 00:00:00",
		"01.01.2009 24:00:00", "01.01.2009 00:60:00", "1.1.2009 00:00:00", "01.01.2009T00:00:00", "01.01.2009 00:00"} {
		if got, ok := parseTime([]byte(s)); ok {
			t.Errorf("parseTime(%q) accepted: %v", s, got)
		}
	}
}

func TestLoadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j.csv")
	if err := os.WriteFile(p, datasets.JenaFirst19Rows(), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(p, Options{Columns: []string{"T (degC)"}})
	if err != nil || d.Rows != 19 || d.Values[0] != -8.02 {
		t.Fatalf("Load: %v %+v", err, d)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.csv"), Options{}); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
}

func TestTimeSummaryGaps(t *testing.T) {
	base := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)
	var ts []time.Time
	for _, m := range []int{0, 10, 20, 50, 60, 60, 65, 70} {
		ts = append(ts, base.Add(time.Duration(m)*time.Minute))
	}
	s := SummarizeTimes(ts)
	// diffs: 10 10 30 10 0 5 5
	if s.Step != 10*time.Minute || s.Gaps != 1 || s.MissingSteps != 2 || s.LargestGap != 30*time.Minute ||
		s.Backward != 1 || s.Irregular != 2 {
		t.Fatalf("summary %+v", s)
	}
}

func TestShippedAndTensor(t *testing.T) {
	d, err := Shipped(Options{Columns: []string{"T (degC)", "wd (deg)"}})
	if err != nil {
		t.Fatal(err)
	}
	x := d.Tensor()
	// First line: 09.06.2024 11:40:00,982.81,18.76,…,350.50
	if x.Shape[0] != 19132 || x.Shape[1] != 2 || x.Data[0] != 18.76 || x.Data[1] != 350.50 {
		t.Fatalf("tensor %v %v", x.Shape, x.Data[:2])
	}
}
