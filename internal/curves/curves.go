// Package curves draws training curves (loss and metrics per epoch) as a PNG
// image of side-by-side charts, with gonum/plot.
package curves

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Series is one curve: Y[i] is drawn at X[i].
type Series struct {
	Name string
	X, Y []float64
	// Dashed draws the curve dashed (used for validation curves).
	Dashed bool
}

// HLine is a horizontal reference line, such as a baseline.
type HLine struct {
	Name string
	Y    float64
}

// Panel is one chart.
type Panel struct {
	Title, XLabel, YLabel string
	Series                []Series
	HLines                []HLine
	// Marker, when positive, draws a vertical line at that x (such as the
	// epoch whose weights were kept), labelled MarkerName.
	Marker     float64
	MarkerName string
	// LegendBottom puts the legend in the bottom right corner instead of
	// the top right (for rising curves such as accuracy).
	LegendBottom bool
}

// palette holds distinguishable colours, one per curve of a panel.
var palette = []color.Color{
	color.RGBA{R: 31, G: 119, B: 180, A: 255},
	color.RGBA{R: 255, G: 127, B: 14, A: 255},
	color.RGBA{R: 44, G: 160, B: 44, A: 255},
	color.RGBA{R: 214, G: 39, B: 40, A: 255},
	color.RGBA{R: 148, G: 103, B: 189, A: 255},
}

// PNG renders panels side by side, each width×height pixels, and returns
// the PNG bytes.
func PNG(width, height int, panels ...Panel) ([]byte, error) {
	if len(panels) == 0 {
		return nil, errors.New("curves: no panel to draw")
	}
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("curves: image size %d×%d must be positive", width, height)
	}
	plots := [][]*plot.Plot{make([]*plot.Plot, len(panels))}
	for i, p := range panels {
		pl, err := build(p)
		if err != nil {
			return nil, err
		}
		plots[0][i] = pl
	}
	// 96 dots per inch: one pixel is 0.75 points.
	const dpi = 96
	w := vg.Length(width*len(panels)) * vg.Inch / dpi
	h := vg.Length(height) * vg.Inch / dpi
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 3}
	canvases := plot.Align(plots, tiles, draw.New(img))
	for i, pl := range plots[0] {
		pl.Draw(canvases[0][i])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("curves: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// WritePNG renders panels as PNG and writes them to path.
func WritePNG(path string, width, height int, panels ...Panel) error {
	b, err := PNG(width, height, panels...)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("curves: %w", err)
	}
	return nil
}

func build(p Panel) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = p.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Add(plotter.NewGrid())
	pl.Legend.Top = !p.LegendBottom
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i, s := range p.Series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("curves: series %q has %d x values and %d y values", s.Name, len(s.X), len(s.Y))
		}
		pts := make(plotter.XYs, 0, len(s.X))
		for j := range s.X {
			// A NaN (an epoch without that value) leaves a gap rather
			// than making plotter fail.
			if math.IsNaN(s.Y[j]) || math.IsInf(s.Y[j], 0) {
				continue
			}
			pts = append(pts, plotter.XY{X: s.X[j], Y: s.Y[j]})
			xmin, xmax = math.Min(xmin, s.X[j]), math.Max(xmax, s.X[j])
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("curves: series %q: %w", s.Name, err)
		}
		c := palette[i%len(palette)]
		line.Color, points.Color = c, c
		line.Width = vg.Points(1.5)
		points.Shape = draw.CircleGlyph{}
		points.Radius = vg.Points(2)
		if s.Dashed {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		pl.Add(line, points)
		pl.Legend.Add(s.Name, line, points)
	}
	if math.IsInf(xmin, 1) {
		xmin, xmax = 0, 1
	}
	for i, h := range p.HLines {
		if math.IsNaN(h.Y) || math.IsInf(h.Y, 0) {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: h.Y}, {X: xmax, Y: h.Y}})
		if err != nil {
			return nil, fmt.Errorf("curves: line %q: %w", h.Name, err)
		}
		l.Color = palette[(len(p.Series)+i)%len(palette)]
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		pl.Add(l)
		pl.Legend.Add(h.Name, l)
	}
	if p.Marker > 0 {
		lo, hi := yRange(p)
		l, err := plotter.NewLine(plotter.XYs{{X: p.Marker, Y: lo}, {X: p.Marker, Y: hi}})
		if err != nil {
			return nil, fmt.Errorf("curves: marker: %w", err)
		}
		l.Color = color.Gray{Y: 120}
		l.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
		pl.Add(l)
		if p.MarkerName != "" {
			pl.Legend.Add(p.MarkerName, l)
		}
	}
	// Integer ticks: epochs are whole numbers.
	pl.X.Tick.Marker = epochTicks{}
	return pl, nil
}

// yRange returns the extent of every finite y value of a panel.
func yRange(p Panel) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range p.Series {
		for _, y := range s.Y {
			if !math.IsNaN(y) && !math.IsInf(y, 0) {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	for _, h := range p.HLines {
		if !math.IsNaN(h.Y) && !math.IsInf(h.Y, 0) {
			lo, hi = math.Min(lo, h.Y), math.Max(hi, h.Y)
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 1
	}
	return lo, hi
}

// epochTicks labels whole numbers only, at most about ten of them.
type epochTicks struct{}

// Ticks implements plot.Ticker.
func (epochTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if hi < lo {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	step := math.Max(1, math.Ceil((hi-lo+1)/10))
	var ts []plot.Tick
	for v := lo; v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	return ts
}
