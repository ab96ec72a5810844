package timeseries_test

import (
	"fmt"

	"github.com/seqconv/seqconv/data/timeseries"
	"github.com/seqconv/seqconv/tensor"
)

// Windows of 10 timesteps, every second row, starting every third row, as
// in the Keras documentation's first example.
func ExampleDatasetFromArray() {
	data := tensor.New(99)
	for i := range data.Data {
		data.Data[i] = float32(i)
	}
	ds, err := timeseries.DatasetFromArray(data, nil, 10, timeseries.DatasetOptions{SamplingRate: 2, SequenceStride: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, _, _ := ds.Next()
	fmt.Println("windows:", ds.Len(), "batch shape:", x.Shape)
	fmt.Println("first:", x.Row(0))
	fmt.Println("last: ", x.Row(26))
	// Output:
	// windows: 27 batch shape: [27 10]
	// first: [0 2 4 6 8 10 12 14 16 18]
	// last:  [78 80 82 84 86 88 90 92 94 96]
}

// The reference generator: 10 days of hourly samples predict the
// temperature 24 hours later.
func ExampleNewGenerator() {
	data := tensor.New(5000, 14) // standardized [rows, features]
	g, err := timeseries.NewGenerator(data, timeseries.GeneratorConfig{
		Lookback: 1440, Step: 6, Delay: 144, MinIndex: 0, MaxIndex: 3000,
		BatchSize: 128, Shuffle: true, TargetColumn: 1, Seed: 1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, y, _ := g.Next()
	fmt.Println(x.Shape, y.Shape)
	// Output: [128 240 14] [128 1]
}

// Validation batches of the reference split of the 420,551-row file.
func ExampleSteps() {
	val, _ := timeseries.Steps(200001, 300000, 1440, 128)
	test, _ := timeseries.Steps(300001, 420551, 1440, 128)
	fmt.Println(val, test)
	// Output: 769 930
}
