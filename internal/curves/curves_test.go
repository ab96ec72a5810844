package curves

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"
)

func TestPNGSizeAndContent(t *testing.T) {
	ep := []float64{1, 2, 3, 4}
	b, err := PNG(400, 300,
		Panel{Title: "loss", XLabel: "epoch", Series: []Series{
			{Name: "train", X: ep, Y: []float64{0.7, 0.5, 0.4, 0.3}},
			{Name: "val", X: ep, Y: []float64{0.65, 0.5, math.NaN(), 0.45}, Dashed: true},
		}, HLines: []HLine{{Name: "baseline", Y: 0.6}}, Marker: 3, MarkerName: "kept"},
		Panel{Title: "accuracy", Series: []Series{{Name: "train", X: ep, Y: []float64{0.5, 0.7, 0.8, 0.9}}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got.X != 800 || got.Y != 300 {
		t.Errorf("image size %v, want 800×300", got)
	}
	// Something other than the white background must have been drawn in
	// each half.
	for half := range 2 {
		dark := 0
		for y := 0; y < 300; y += 2 {
			for x := half * 400; x < (half+1)*400; x += 2 {
				r, g, bl, _ := img.At(x, y).RGBA()
				if r+g+bl < 3*0xffff/2 {
					dark++
				}
			}
		}
		if dark < 100 {
			t.Errorf("panel %d: only %d dark pixels", half, dark)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := PNG(100, 100); err == nil {
		t.Error("no panel: no error")
	}
	if _, err := PNG(0, 100, Panel{}); err == nil {
		t.Error("zero width: no error")
	}
	_, err := PNG(100, 100, Panel{Series: []Series{{Name: "bad", X: []float64{1}, Y: []float64{1, 2}}}})
	if err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("mismatched series: %v", err)
	}
	if err := WritePNG("/nonexistent-dir/x.png", 10, 10, Panel{}); err == nil {
		t.Error("unwritable path: no error")
	}
}
