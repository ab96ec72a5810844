// Package jena reads the Jena weather-station CSV files (the format of the
// Keras jena_climate_2009_2016.csv) and prepares them for the classic
// temperature-forecasting experiment: column selection, the station's -9999
// missing-value sentinel, the reference train/validation/test split, and the
// common-sense baseline.
//
// The loader is hand-written for speed: it reads the whole file and parses
// numbers and dates straight from the bytes, without encoding/csv and
// without strconv on the common path.
package jena

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/seqconv/seqconv/datasets"
	"github.com/seqconv/seqconv/tensor"
)

// TimeColumn is the name of the timestamp column in the Jena files.
const TimeColumn = "Date Time"

// Sentinel is the value the station writes for a missing measurement.
// Any spelling whose float32 value is -9999 (-9999, -9999.0, -9999.00)
// counts.
const Sentinel = -9999

// MissingPolicy says what Load does with sentinel values.
type MissingPolicy int

const (
	// Reject makes Load fail on the first sentinel value, naming its line
	// and column. It is the zero value: data is never changed silently.
	Reject MissingPolicy = iota
	// FillLinear replaces each run of sentinel values in a column by linear
	// interpolation (by row index, the file being at a fixed 10-minute step)
	// between the valid values around it. A run at the start of the file
	// takes the first valid value, a run at the end the last one.
	FillLinear
	// FillPrevious replaces each sentinel by the previous valid value of the
	// same column (the next valid one for a run at the start of the file).
	FillPrevious
)

// String returns the policy's name as used on the command line.
func (p MissingPolicy) String() string {
	switch p {
	case Reject:
		return "reject"
	case FillLinear:
		return "fill-linear"
	case FillPrevious:
		return "fill-previous"
	}
	return fmt.Sprintf("MissingPolicy(%d)", int(p))
}

// ParseMissingPolicy maps "reject", "fill-linear" or "fill-previous" to a
// policy.
func ParseMissingPolicy(s string) (MissingPolicy, error) {
	for _, p := range []MissingPolicy{Reject, FillLinear, FillPrevious} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("jena: unknown missing-value policy %q (want reject, fill-linear or fill-previous)", s)
}

// Options controls Load and Parse.
type Options struct {
	// Columns lists the numeric columns to keep, by header name, in the
	// order wanted. Empty means every column but "Date Time", in file order
	// (the 14 features of the reference experiment).
	Columns []string
	// Missing says how to treat the -9999 sentinel.
	Missing MissingPolicy
}

// Data is a loaded file: one timestamp per row and a row-major float32
// matrix of Rows × len(Columns) values.
type Data struct {
	// File is the name the data was loaded from (used in messages).
	File string
	// Columns are the selected column names, in Values' column order.
	Columns []string
	// Times holds each row's timestamp. The file carries no zone; the wall
	// clock is kept as written, in time.UTC.
	Times []time.Time
	// Values is the row-major matrix, Values[r*len(Columns)+c].
	Values []float32
	// Rows is the number of data rows.
	Rows int
	// Missing counts the sentinel values found in each selected column
	// (before any filling).
	Missing []int
	// FirstMissingLine is the 1-based file line of the first sentinel value
	// in each selected column, 0 if there is none.
	FirstMissingLine []int
}

// Features returns the number of selected columns.
func (d *Data) Features() int { return len(d.Columns) }

// Column returns the index of the named column in Values, or -1.
func (d *Data) Column(name string) int {
	for i, c := range d.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// TotalMissing returns the number of sentinel values over all columns.
func (d *Data) TotalMissing() int {
	n := 0
	for _, m := range d.Missing {
		n += m
	}
	return n
}

// Tensor returns the values as a [Rows, Features] tensor sharing d.Values.
func (d *Data) Tensor() *tensor.Tensor {
	return &tensor.Tensor{Shape: []int{d.Rows, d.Features()}, Data: d.Values}
}

// Shipped parses the 2024 Jena file embedded in the datasets package, the
// default data of the experiment.
func Shipped(opts Options) (*Data, error) {
	return Parse(datasets.JenaRoof2024Name, datasets.JenaRoof2024(), opts)
}

// Load reads and parses a Jena CSV file.
func Load(path string, opts Options) (*Data, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jena: %w", err)
	}
	return Parse(path, b, opts)
}

// ParseError describes a malformed input line.
type ParseError struct {
	File   string // file name as given
	Line   int    // 1-based line number
	Col    int    // 1-based byte column of the offending field, 0 if none
	Field  string // column name, if known
	Reason string
}

// Error formats the error as "jena: file:line:col: column \"name\": reason".
func (e *ParseError) Error() string {
	name := e.File
	pos := fmt.Sprintf("%s:%d", name, e.Line)
	if e.Col > 0 {
		pos += fmt.Sprintf(":%d", e.Col)
	}
	if e.Field != "" {
		return fmt.Sprintf("jena: %s: column %q: %s", pos, e.Field, e.Reason)
	}
	return fmt.Sprintf("jena: %s: %s", pos, e.Reason)
}

// Parse parses the bytes of a Jena CSV file; name is used in messages. The
// header line selects the columns; a UTF-8 BOM, quoted header fields, CRLF
// line ends, blank lines and a missing final newline are accepted. Every
// data row must have as many fields as the header. Unselected numeric
// columns are skipped without being checked.
func Parse(name string, b []byte, opts Options) (*Data, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	// Header.
	line := 0
	var header []string
	for len(b) > 0 && header == nil {
		var l []byte
		l, b = nextLine(b)
		line++
		if len(l) == 0 {
			continue
		}
		h, err := splitHeader(l)
		if err != nil {
			return nil, &ParseError{File: name, Line: line, Reason: err.Error()}
		}
		header = h
	}
	if header == nil {
		return nil, &ParseError{File: name, Line: max(line, 1), Reason: "no header line (empty file)"}
	}
	timeIdx := -1
	for i, h := range header {
		if h == TimeColumn {
			if timeIdx >= 0 {
				return nil, &ParseError{File: name, Line: line, Reason: fmt.Sprintf("header has %q twice", TimeColumn)}
			}
			timeIdx = i
		}
	}
	if timeIdx < 0 {
		return nil, &ParseError{File: name, Line: line, Reason: fmt.Sprintf("header has no %q column", TimeColumn)}
	}
	// slot[i] is the output column of field i, -1 if it is not kept.
	slot := make([]int, len(header))
	var cols []string
	if len(opts.Columns) == 0 {
		for i, h := range header {
			slot[i] = -1
			if i != timeIdx {
				slot[i] = len(cols)
				cols = append(cols, h)
			}
		}
	} else {
		for i := range slot {
			slot[i] = -1
		}
		for j, c := range opts.Columns {
			found := false
			for i, h := range header {
				if h == c {
					if i == timeIdx {
						return nil, fmt.Errorf("jena: %s: %q is the timestamp, not a numeric column", name, c)
					}
					if slot[i] >= 0 {
						return nil, fmt.Errorf("jena: %s: column %q selected twice", name, c)
					}
					slot[i] = j
					found = true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("jena: %s: no column %q in the header (have %q)", name, c, header)
			}
		}
		cols = append([]string(nil), opts.Columns...)
	}
	nf := len(cols)

	// Rough row estimate from the size of the first data line keeps the
	// slices from growing many times on big files.
	est := 16
	if i := bytes.IndexByte(b, '\n'); i > 0 {
		// 10% headroom: lines vary in length.
		est = len(b)/(i+1)*11/10 + 16
	}
	// A row takes at least one byte and a separator per field: never
	// reserve more than the input can hold (a short first line would
	// otherwise make the estimate huge).
	est = min(est, len(b)/(2*len(header))+1)
	d := &Data{
		File:             name,
		Columns:          cols,
		Times:            make([]time.Time, 0, est),
		Values:           make([]float32, 0, est*nf),
		Missing:          make([]int, nf),
		FirstMissingLine: make([]int, nf),
	}
	row := make([]float32, nf)
	for len(b) > 0 {
		var l []byte
		l, b = nextLine(b)
		line++
		if len(l) == 0 {
			continue
		}
		var ts time.Time
		field := 0
		pos := 0 // byte offset of the current field in l
		for {
			if field >= len(header) {
				return nil, &ParseError{File: name, Line: line, Col: pos + 1,
					Reason: fmt.Sprintf("too many fields: want %d", len(header))}
			}
			// Fast paths parse the field in place and find its end as
			// they go; anything unusual (quotes, bad bytes) falls back
			// to locating the comma first and parsing the whole field.
			s := slot[field]
			end := -1
			if s >= 0 {
				if v, e, ok := scanNumber(l, pos); ok {
					end = e
					row[s] = float32(v)
					if float32(v) == Sentinel {
						if err := d.sentinel(opts.Missing, name, line, pos, header[field], s, l[pos:e]); err != nil {
							return nil, err
						}
					}
				}
			} else if field == timeIdx && pos+19 <= len(l) && (pos+19 == len(l) || l[pos+19] == ',') {
				if t, ok := parseTime(l[pos : pos+19]); ok {
					ts, end = t, pos+19
				}
			}
			if end < 0 {
				end = bytes.IndexByte(l[pos:], ',')
				if end < 0 {
					end = len(l)
				} else {
					end += pos
				}
				f := l[pos:end]
				if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
					f = f[1 : len(f)-1]
				}
				if field == timeIdx {
					t, ok := parseTime(f)
					if !ok {
						return nil, &ParseError{File: name, Line: line, Col: pos + 1, Field: header[field],
							Reason: fmt.Sprintf("bad date %q: want dd.mm.yyyy hh:mm:ss", trunc(f))}
					}
					ts = t
				} else if s >= 0 {
					v, ok := parseNumber(f)
					if !ok {
						what := "bad number"
						if len(f) == 0 {
							what = "empty field"
						}
						return nil, &ParseError{File: name, Line: line, Col: pos + 1, Field: header[field],
							Reason: fmt.Sprintf("%s %q", what, trunc(f))}
					}
					row[s] = float32(v)
					if float32(v) == Sentinel {
						if err := d.sentinel(opts.Missing, name, line, pos, header[field], s, f); err != nil {
							return nil, err
						}
					}
				}
			}
			field++
			if end == len(l) {
				break
			}
			pos = end + 1
		}
		if field != len(header) {
			return nil, &ParseError{File: name, Line: line,
				Reason: fmt.Sprintf("%d fields, want %d (as in the header)", field, len(header))}
		}
		d.Times = append(d.Times, ts)
		d.Values = append(d.Values, row...)
	}
	d.Rows = len(d.Times)
	if d.Rows == 0 {
		return nil, &ParseError{File: name, Line: line, Reason: "no data rows after the header"}
	}
	if d.TotalMissing() > 0 {
		if err := fillMissing(d, opts.Missing); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// sentinel records a missing value found at line, byte pos, of column s,
// or returns the Reject policy's error.
func (d *Data) sentinel(p MissingPolicy, name string, line, pos int, field string, s int, f []byte) error {
	if p == Reject {
		return &ParseError{File: name, Line: line, Col: pos + 1, Field: field,
			Reason: fmt.Sprintf("missing value %q (station sentinel -9999); choose a fill policy to accept it", trunc(f))}
	}
	if d.Missing[s] == 0 {
		d.FirstMissingLine[s] = line
	}
	d.Missing[s]++
	return nil
}

// scanNumber parses a plain decimal starting at l[pos] that ends at a comma
// or at the end of l, returning its value and end offset. It reports false
// for anything else (the caller then takes the general path), and only
// accepts numbers whose value it computes exactly rounded (see
// parseNumber).
func scanNumber(l []byte, pos int) (float64, int, bool) {
	i := pos
	neg := false
	if i < len(l) && l[i] == '-' {
		neg = true
		i++
	}
	var mant uint64
	digits, frac, dot := 0, 0, -1
	begin := i
	for ; i < len(l); i++ {
		c := l[i]
		if c-'0' <= 9 {
			mant = mant*10 + uint64(c-'0')
			if mant != 0 {
				digits++
			}
			continue
		}
		if c == '.' && dot < 0 {
			dot = i
			continue
		}
		if c != ',' {
			return 0, 0, false
		}
		break
	}
	n := i - begin
	if dot >= 0 {
		frac = i - dot - 1
		n--
	}
	if n == 0 || digits > 15 || frac >= len(pow10) {
		return 0, 0, false
	}
	v := float64(mant)
	if frac > 0 {
		v /= pow10[frac]
	}
	if neg {
		v = -v
	}
	return v, i, true
}

// nextLine splits off the first line of b, without its LF or CRLF.
func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		line, rest = b, nil
	} else {
		line, rest = b[:i], b[i+1:]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// splitHeader splits the header line, honouring double quotes ("" inside a
// quoted field is a literal quote, and a quoted field may contain commas).
func splitHeader(l []byte) ([]string, error) {
	var out []string
	i := 0
	for {
		var f []byte
		if i < len(l) && l[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(l[i:], '"')
				if j < 0 {
					return nil, fmt.Errorf("header: unterminated quote")
				}
				f = append(f, l[i:i+j]...)
				i += j + 1
				if i < len(l) && l[i] == '"' {
					f = append(f, '"')
					i++
					continue
				}
				break
			}
			if i < len(l) && l[i] != ',' {
				return nil, fmt.Errorf("header: text after closing quote at byte %d", i+1)
			}
		} else {
			j := bytes.IndexByte(l[i:], ',')
			if j < 0 {
				j = len(l) - i
			}
			f = l[i : i+j]
			i += j
		}
		out = append(out, string(f))
		if i >= len(l) {
			break
		}
		i++ // comma
		if i == len(l) {
			out = append(out, "")
			break
		}
	}
	seen := make(map[string]bool, len(out))
	for _, h := range out {
		if h == "" {
			return nil, fmt.Errorf("header: empty column name")
		}
		if seen[h] {
			return nil, fmt.Errorf("header: column %q appears twice", h)
		}
		seen[h] = true
	}
	return out, nil
}

func trunc(f []byte) string {
	if len(f) > 40 {
		return string(f[:40]) + "…"
	}
	return string(f)
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses a decimal like -12.34. For up to 15 significant digits
// and 22 fraction digits the mantissa and the power of ten are exact in
// float64, so one division gives the correctly rounded result, the same as
// strconv.ParseFloat; anything else (exponents, longer numbers, inf/nan
// spellings) goes to strconv. Values are then rounded to float32, as when a
// float64 array is cast with astype(float32).
func parseNumber(f []byte) (float64, bool) {
	i := 0
	neg := false
	if i < len(f) && (f[i] == '-' || f[i] == '+') {
		neg = f[i] == '-'
		i++
	}
	var mant uint64
	digits, frac := 0, 0
	sawDot := false
	start := i
	for ; i < len(f); i++ {
		c := f[i]
		if c >= '0' && c <= '9' {
			if digits > 0 || c != '0' {
				digits++
			}
			mant = mant*10 + uint64(c-'0')
			if sawDot {
				frac++
			}
			continue
		}
		if c == '.' && !sawDot {
			sawDot = true
			continue
		}
		break
	}
	if i != len(f) || digits > 15 || frac >= len(pow10) || i-start == 0 || (sawDot && i-start == 1) {
		return slowNumber(f)
	}
	v := float64(mant)
	if frac > 0 {
		v /= pow10[frac]
	}
	if neg {
		v = -v
	}
	return v, true
}

func slowNumber(f []byte) (float64, bool) {
	if len(f) == 0 || len(f) > 64 {
		return 0, false
	}
	// strconv accepts underscores and hex only with a base prefix, which a
	// data file should not contain; keep the accepted set to plain decimals.
	for _, c := range f {
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(string(f), 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// parseTime parses "dd.mm.yyyy hh:mm:ss" exactly, checking each range.
func parseTime(f []byte) (time.Time, bool) {
	if len(f) != 19 || f[2] != '.' || f[5] != '.' || f[10] != ' ' || f[13] != ':' || f[16] != ':' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for _, c := range f[a:b] {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	day, ok1 := num(0, 2)
	mon, ok2 := num(3, 5)
	year, ok3 := num(6, 10)
	hh, ok4 := num(11, 13)
	mm, ok5 := num(14, 16)
	ss, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	if mon < 1 || mon > 12 || day < 1 || day > daysIn(mon, year) || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	secs := daysFromCivil(year, mon, day)*86400 + int64(hh*3600+mm*60+ss)
	return time.Unix(secs, 0).UTC(), true
}

func daysIn(mon, year int) int {
	switch mon {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days from 1970-01-01 to the given
// proleptic Gregorian date; it is cheaper than time.Date per row.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 { // year 0000 in January or February
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097+doe) - 719468
}
