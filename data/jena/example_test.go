package jena_test

import (
	"fmt"

	"github.com/seqconv/seqconv/data/jena"
	"github.com/seqconv/seqconv/datasets"
)

func ExampleParse() {
	d, err := jena.Parse(datasets.JenaFirst19RowsName, datasets.JenaFirst19Rows(),
		jena.Options{Columns: []string{"T (degC)", "p (mbar)"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Rows, d.Columns)
	fmt.Println(d.Times[0].Format("02.01.2006 15:04"), d.Values[:2])
	// Output:
	// 19 [T (degC) p (mbar)]
	// 01.01.2009 00:10 [-8.02 996.52]
}

func ExampleSplitFor() {
	s, note := jena.SplitFor(jena.ReferenceRows)
	val, test, _ := s.Steps(jena.DefaultConfig())
	fmt.Println(note)
	fmt.Println("validation batches:", val, "test batches:", test)
	// Output:
	// reference split (420551 rows ≥ 420551): train [0, 200000), val [200001, 300000), test [300001, 420551)
	// validation batches: 769 test batches: 930
}

func ExampleCommonSenseBaseline() {
	d, err := jena.Parse(datasets.JenaRoof2024Name, datasets.JenaRoof2024(), jena.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := jena.SplitFor(d.Rows)
	b, err := jena.CommonSenseBaseline(d, s, jena.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("validation MAE %.3f = %.2f °C, test MAE %.3f = %.2f °C\n", b.ValMAE, b.ValMAEC, b.TestMAE, b.TestMAEC)
	// Output: validation MAE 0.645 = 3.01 °C, test MAE 0.561 = 2.62 °C
}
