package jena

import (
	"strings"
	"testing"

	"github.com/seqconv/seqconv/datasets"
)

// FuzzParse checks that no input makes the parser panic and that what it
// accepts is self-consistent. The f.Add seeds and testdata/fuzz/FuzzParse
// run with every plain "go test".
func FuzzParse(f *testing.F) {
	f.Add(datasets.JenaFirst19Rows(), uint8(0))
	f.Add([]byte(hdr+"01.01.2009 00:10:00,996.52,-8.02,1.03\n"), uint8(1))
	f.Add([]byte(hdr+"01.01.2009 00:10:00,-9999,-9999.0,1e3\r\n01.01.2009 00:20:00,\"1\",2,3"), uint8(2))
	f.Add([]byte("\xef\xbb\xbf\"Date Time\",\"a\"\"b\",c\n29.02.2012 00:00:00,.5,-.5\n"), uint8(1))
	f.Add([]byte(hdr+"01.01.2009 00:10:00,,,\n01.01.2009 00:10:00,1,2,3,4\n"), uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		opts := Options{Missing: MissingPolicy(mode % 3)}
		if mode&4 != 0 {
			opts.Columns = []string{"T (degC)"}
		}
		d, err := Parse("fuzz.csv", in, opts)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "jena: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		if d.Rows < 1 || len(d.Times) != d.Rows || len(d.Values) != d.Rows*d.Features() ||
			len(d.Missing) != d.Features() {
			t.Fatalf("inconsistent result: rows %d times %d values %d features %d",
				d.Rows, len(d.Times), len(d.Values), d.Features())
		}
		for _, v := range d.Values {
			if v == Sentinel {
				t.Fatalf("sentinel left in the data with policy %v", opts.Missing)
			}
		}
	})
}
