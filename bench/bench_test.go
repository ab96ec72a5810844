package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seqconv/seqconv/data/imdb"
	"github.com/seqconv/seqconv/data/jena"
)

func TestModelParams(t *testing.T) {
	im, err := IMDBModel(1)
	if err != nil {
		t.Fatal(err)
	}
	jm, err := JenaModel(1)
	if err != nil {
		t.Fatal(err)
	}
	if im.CountParams() != 1315937 || jm.CountParams() != 13793 {
		t.Fatalf("parameters %d and %d, want 1315937 and 13793", im.CountParams(), jm.CountParams())
	}
}

func TestFLOPs(t *testing.T) {
	// Hand counts: IMDB conv1 2·128·494·896·32, conv2 2·128·92·224·32,
	// dense 2·128·32.
	imdbFwd := 2.0*128*494*896*32 + 2.0*128*92*224*32 + 2.0*128*32
	// Jena conv1 2·128·476·70·32, conv2 2·128·154·160·32, GRU 2 × 2·128·154·32·96.
	jc1, jrest := 2.0*128*476*70*32, 2.0*128*154*160*32+2*2.0*128*154*32*96+2.0*128*32
	for _, c := range []struct {
		name string
		want float64
	}{
		{IMDBInference, imdbFwd},
		{IMDBTrainStep, 3 * imdbFwd},
		{IMDBEpochCase, 3 * imdbFwd * 20000 / 128},
		{JenaInference, jc1 + jrest},
		{JenaTrainStep, 2*jc1 + 3*jrest},
		{"nope", 0},
	} {
		if got := FLOPs(c.name); math.Abs(got-c.want) > 1e-6*c.want {
			t.Errorf("FLOPs(%s) = %g, want %g", c.name, got, c.want)
		}
	}
	// The figure for the IMDB train step is ≈ 11.4 GFLOP.
	if g := FLOPs(IMDBTrainStep) / 1e9; g < 11.3 || g > 11.5 {
		t.Errorf("IMDB train step %.3f GFLOP, want ≈ 11.4", g)
	}
}

func TestDataAndCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both models and runs every case once")
	}
	d := NewData(3)
	for i, v := range d.IMDBX[:5000] {
		if v < 0 || v >= IMDBVocab {
			t.Fatalf("id %d at %d out of range", v, i)
		}
	}
	dir := t.TempDir()
	if err := d.WriteRaw(dir); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int64{RawIMDBX: 4 * IMDBEpoch * IMDBLen, RawIMDBY: 4 * IMDBEpoch,
		RawJenaX: 4 * Batch * JenaSteps * JenaFeats, RawJenaY: 4 * Batch} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Size() != size {
			t.Fatalf("%s: %v, size %v want %d", name, err, st, size)
		}
	}
	cs, err := NewCases(d, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.List) != len(CaseNames) || cs.Get("nope") != nil {
		t.Fatalf("cases %d", len(cs.List))
	}
	for _, name := range CaseNames[:4] {
		if err := cs.Get(name).Run(context.Background()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	out, err := cs.IMDB.Predict(context.Background(), nil, Batch)
	if err == nil {
		t.Fatalf("Predict(nil) gave %v, want an error", out)
	}
}

func TestSynthJenaCSV(t *testing.T) {
	b := SynthJenaCSV(300)
	if !strings.HasPrefix(string(b), jena.ReferenceHeader+"\n01.01.2009 00:10:00,") {
		t.Fatalf("starts %q", b[:200])
	}
	d, err := jena.Parse("synth.csv", b, jena.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := jena.SummarizeTimes(d.Times)
	if d.Rows != 300 || d.Features() != 14 || s.Step != 10*time.Minute || s.Gaps != 0 {
		t.Fatalf("rows %d features %d summary %+v", d.Rows, d.Features(), s)
	}
	// About 102 bytes a row, as the original file (43 MB for 420,551 rows).
	if per := float64(len(b)) / 300; per < 95 || per > 110 {
		t.Errorf("%.1f bytes a row", per)
	}
}

// TestPeerServer starts the PyTorch side and checks its parameter counts
// and one timed case; it skips where Debian's torch is not installed.
func TestPeerServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python")
	}
	const py = "/usr/bin/python3"
	if exec.Command(py, "-c", "import torch, numpy").Run() != nil {
		t.Skip("no python3-torch")
	}
	dir := t.TempDir()
	if err := NewData(1).WriteRaw(dir); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "peers.py")
	in, _ := cmd.StdinPipe()
	outp, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer in.Close()
	sc := bufio.NewScanner(outp)
	call := func(req string) map[string]any {
		t.Helper()
		fmt.Fprintln(in, req)
		if !sc.Scan() {
			t.Fatalf("no answer to %s", req)
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	info := call(fmt.Sprintf(`{"op": "init", "threads": 1, "data": %q}`, dir))
	if info["imdb_params"] != float64(IMDBParams) || info["jena_params"] != float64(JenaParams) {
		t.Fatalf("PyTorch parameters %v", info)
	}
	if e, _ := info["gemm_err"].(float64); e > 1e-3 {
		t.Fatalf("GEMM error %g", e)
	}
	r := call(`{"op": "run", "case": "jena_inference", "n": 2}`)
	if ms, _ := r["ms"].([]any); len(ms) != 2 || !(ms[0].(float64) > 0) {
		t.Fatalf("run: %v", r)
	}
	if r := call(`{"op": "run", "case": "nope", "n": 1}`); r["error"] == nil {
		t.Fatalf("unknown case answered %v", r)
	}
	fmt.Fprintln(in, `{"op": "quit"}`)
}

// benchData returns the benchmark data: synthetic, with the first 20,000
// real IMDB training reviews when real is set (loaded through the user's
// cache: the first run tokenizes the shipped archive).
func benchData(b *testing.B, real bool) *Data {
	d := NewData(1)
	if real {
		train, _, err := imdb.LoadData(imdb.Options{NumWords: IMDBVocab})
		if err != nil {
			b.Fatal(err)
		}
		if err := d.UseIMDB(train); err != nil {
			b.Fatal(err)
		}
	}
	return d
}

func benchCase(b *testing.B, name string, real bool) {
	cs, err := NewCases(benchData(b, real), 1)
	if err != nil {
		b.Fatal(err)
	}
	k := cs.Get(name)
	ctx := context.Background()
	if name != IMDBEpochCase {
		if err := k.Run(ctx); err != nil { // warm-up: buffers
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := k.Run(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(k.FLOPs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkIMDBTrainStep is one RMSprop step of the IMDB model, batch
// 128 × 500: the first 128 real training reviews.
func BenchmarkIMDBTrainStep(b *testing.B) { benchCase(b, IMDBTrainStep, true) }

// BenchmarkIMDBTrainStepUniform is the step on uniform random ids, the
// fused Embedding+Conv1D path's worst case (nearly every id in the batch).
func BenchmarkIMDBTrainStepUniform(b *testing.B) { benchCase(b, IMDBTrainStep, false) }

// BenchmarkIMDBInference is Predict on the first 128 real reviews.
func BenchmarkIMDBInference(b *testing.B) { benchCase(b, IMDBInference, true) }

// BenchmarkJenaTrainStep is one RMSprop step of the Jena model, batch 128 × 480 × 14.
func BenchmarkJenaTrainStep(b *testing.B) { benchCase(b, JenaTrainStep, false) }

// BenchmarkJenaInference is Predict on one Jena batch of 128 × 480 × 14.
func BenchmarkJenaInference(b *testing.B) { benchCase(b, JenaInference, false) }

// BenchmarkIMDBEpoch is one Fit epoch over the first 20,000 real reviews.
func BenchmarkIMDBEpoch(b *testing.B) { benchCase(b, IMDBEpochCase, true) }
