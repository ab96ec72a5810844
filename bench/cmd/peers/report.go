package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/seqconv/seqconv/bench"
)

// report is the run's result, written by --json.
type report struct {
	Machine    string       `json:"machine"`
	Threads    int          `json:"threads"`
	Cases      []caseResult `json:"cases"`
	DataPath   []dataResult `json:"data_path,omitempty"`
	Date       string       `json:"date"`
	GoVersion  string       `json:"go"`
	Torch      string       `json:"torch"`
	PeakGFLOPS float64      `json:"fma_peak_gflops"`
	LoadBefore string       `json:"loadavg_before"`
	LoadAfter  string       `json:"loadavg_after"`
	Seconds    float64      `json:"seconds"`
	IMDBData   string       `json:"imdb_data"`
}

// caseResult holds one case's figures; ratio = pytorch_ms / seqconv_ms
// (medians).
type caseResult struct {
	Name          string     `json:"name"`
	SeqconvMs     float64    `json:"seqconv_ms"`
	PytorchMs     float64    `json:"pytorch_ms"`
	Ratio         float64    `json:"ratio"`
	Target        float64    `json:"target_ratio"`
	SeqconvIQR    [2]float64 `json:"seqconv_iqr_ms"`
	PytorchIQR    [2]float64 `json:"pytorch_iqr_ms"`
	SeqconvMinMax [2]float64 `json:"seqconv_min_max_ms"`
	PytorchMinMax [2]float64 `json:"pytorch_min_max_ms"`
	Runs          int        `json:"runs"`
	GFLOP         float64    `json:"gflop"`
	SeqconvGFLOPS float64    `json:"seqconv_gflops"`
	PytorchGFLOPS float64    `json:"pytorch_gflops"`
	FloorMs       float64    `json:"floor_ms"`
	PytorchConfig string     `json:"pytorch_setting"`
}

// dataResult is one data-path comparison.
type dataResult struct {
	Name      string  `json:"name"`
	What      string  `json:"what"`
	SeqconvMs float64 `json:"seqconv_ms"`
	PeerMs    float64 `json:"peer_ms"`
	MB        float64 `json:"mb"`
}

func newCaseResult(name string, sq, pt []float64, setting string, peak float64) caseResult {
	f := bench.FLOPs(name)
	r := caseResult{
		Name: name, SeqconvMs: median(sq), PytorchMs: median(pt), Target: targets[name],
		SeqconvIQR:    [2]float64{quantile(sq, .25), quantile(sq, .75)},
		PytorchIQR:    [2]float64{quantile(pt, .25), quantile(pt, .75)},
		SeqconvMinMax: [2]float64{slices.Min(sq), slices.Max(sq)},
		PytorchMinMax: [2]float64{slices.Min(pt), slices.Max(pt)},
		Runs:          len(sq), GFLOP: f / 1e9, PytorchConfig: setting,
	}
	r.Ratio = r.PytorchMs / r.SeqconvMs
	r.SeqconvGFLOPS = f / r.SeqconvMs / 1e6
	r.PytorchGFLOPS = f / r.PytorchMs / 1e6
	if peak > 0 {
		r.FloorMs = f / peak / 1e6
	}
	return r
}

// quantile returns the q-quantile of xs by linear interpolation.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[lo]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}

func median(xs []float64) float64 { return quantile(xs, .5) }

// markdown renders the report as the tables of docs/bench.md.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s on %s, %d threads each (GOMAXPROCS / torch.set_num_threads), %s, %s.\n",
		r.Date, r.Machine, r.Threads, r.GoVersion, r.Torch)
	fmt.Fprintf(&b, "Load average before / after: %s / %s. Measured FMA peak at %d threads: %.0f GFLOP/s.\n",
		r.LoadBefore, r.LoadAfter, r.Threads, r.PeakGFLOPS)
	fmt.Fprintf(&b, "IMDB ids: %s.\n\n", r.IMDBData)
	b.WriteString("| case | seqconv ms (median, IQR) | PyTorch ms (median, IQR) | PyTorch/seqconv | target | GFLOP | seqconv GFLOP/s | PyTorch GFLOP/s | floor ms (GFLOP/peak) | runs | PyTorch setting |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Cases {
		met := "met"
		if c.Ratio < c.Target {
			met = "**missed**"
		}
		fmt.Fprintf(&b, "| %s | %s (%s–%s) | %s (%s–%s) | **%.2f×** | ≥ %.1f× %s | %.2f | %.0f | %.0f | %s | %d | %s |\n",
			c.Name, ms(c.SeqconvMs), ms(c.SeqconvIQR[0]), ms(c.SeqconvIQR[1]),
			ms(c.PytorchMs), ms(c.PytorchIQR[0]), ms(c.PytorchIQR[1]),
			c.Ratio, c.Target, met, c.GFLOP, c.SeqconvGFLOPS, c.PytorchGFLOPS, ms(c.FloorMs), c.Runs, c.PytorchConfig)
	}
	if len(r.DataPath) > 0 {
		b.WriteString("\n| data path | seqconv ms | peer ms | peer/seqconv | seqconv MB/s | peer MB/s |\n|---|---|---|---|---|---|\n")
		for _, d := range r.DataPath {
			fmt.Fprintf(&b, "| %s: %s | %s | %s | %.2f× | %.0f | %.0f |\n", d.Name, d.What, ms(d.SeqconvMs), ms(d.PeerMs),
				d.PeerMs/d.SeqconvMs, d.MB/d.SeqconvMs*1e3, d.MB/d.PeerMs*1e3)
		}
	}
	return b.String()
}

// ms formats milliseconds with three significant digits.
func ms(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// machine returns the CPU model name, as lscpu prints it.
func machine() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return fmt.Sprintf("%s (%d CPUs)", strings.TrimSpace(v), runtimeCPUs())
			}
		}
	}
	return "unknown CPU"
}

// loadavg returns the 1, 5 and 15-minute load averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func runtimeCPUs() int { return runtime.NumCPU() }
