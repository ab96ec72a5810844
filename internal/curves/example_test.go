package curves_test

import (
	"bytes"
	"fmt"
	"image/png"

	"github.com/seqconv/seqconv/internal/curves"
)

// Two charts side by side: the loss of a training run and its accuracy,
// with the epoch whose weights were kept marked.
func ExamplePNG() {
	epochs := []float64{1, 2, 3}
	b, err := curves.PNG(320, 240,
		curves.Panel{Title: "loss", XLabel: "epoch", Series: []curves.Series{
			{Name: "training", X: epochs, Y: []float64{0.60, 0.35, 0.26}},
			{Name: "validation", X: epochs, Y: []float64{0.51, 0.33, 0.31}, Dashed: true},
		}, Marker: 3, MarkerName: "kept epoch"},
		curves.Panel{Title: "accuracy", XLabel: "epoch", LegendBottom: true, Series: []curves.Series{
			{Name: "validation", X: epochs, Y: []float64{0.74, 0.86, 0.87}, Dashed: true},
		}},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Bounds().Dx(), "×", img.Bounds().Dy())
	// Output: 640 × 240
}
