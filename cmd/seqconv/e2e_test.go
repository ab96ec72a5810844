package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/seqconv/seqconv/data/jena"
	"github.com/seqconv/seqconv/datasets"
	"github.com/seqconv/seqconv/model"
)

// seqconv runs the command line in process with args and returns what it
// printed. Flag values persist between executions of one command tree,
// so the flags of the command run are reset to their defaults first.
func seqconv(t *testing.T, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	if sub, _, err := rootCmd.Find(args); err == nil {
		// cobra keeps a subcommand's context from an earlier execution.
		sub.SetContext(ctx)
		for c := sub; c != nil; c = c.Parent() {
			c.Flags().VisitAll(func(f *pflag.Flag) {
				if f.Value.Type() == "stringSlice" || f.Value.Type() == "stringArray" {
					return
				}
				_ = f.Value.Set(f.DefValue)
				f.Changed = false
			})
		}
	}
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(args)
	defer rootCmd.SetArgs(nil)
	err := rootCmd.ExecuteContext(ctx)
	return out.String(), err
}

// readHistory parses a history CSV into columns by name.
func readHistory(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: %d lines, want a header and rows", path, len(recs))
	}
	cols := map[string][]float64{}
	for _, r := range recs[1:] {
		for i, k := range recs[0] {
			v, err := strconv.ParseFloat(r[i], 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", path, r[i], err)
			}
			cols[k] = append(cols[k], v)
		}
	}
	return cols
}

// near compares a value with its 8-digit rendering in a CSV file.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-7*math.Max(1, math.Abs(a)) }

func readInfo(t *testing.T, path string) *runInfo {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r runInfo
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &r
}

func checkPNG(t *testing.T, path string, minW int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if w := img.Bounds().Dx(); w < minW {
		t.Errorf("%s: %d pixels wide, want ≥ %d", path, w, minW)
	}
}

// TestIMDBQuickEndToEnd trains the IMDB model on 600 shipped reviews for
// two epochs, checks every output, then interrupts the same run after its
// first epoch, resumes it and checks that the resumed run ends exactly
// where the uninterrupted one did.
func TestIMDBQuickEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out, err := seqconv(t, ctx, "imdb", "--quick", "--epochs", "2", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"600 training reviews (480 to train on, the last 120 to validate), 600 test reviews",
		"Total params: 1,315,937", "Epoch 2/2", "restored the weights of epoch", "test: loss "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	h := readHistory(t, filepath.Join(dir, "imdb_history.csv"))
	if got := h["epoch"]; len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("history epochs %v", got)
	}
	if l := h["loss"]; !(l[1] < l[0]) || !(l[0] < 0.75) {
		t.Errorf("training loss %v: want it to fall from about ln 2", l)
	}
	info := readInfo(t, filepath.Join(dir, "imdb.model.json"))
	acc := info.Results["test_accuracy"]
	if info.Dataset != "imdb" || info.IMDB.NumWords != 10000 || info.IMDB.MaxLen != 500 || info.EpochsDone != 2 ||
		info.BestEpoch < 1 || info.BestEpoch > 2 || !(acc > 0 && acc < 1) || info.Initial["val_loss"] < 0.68 {
		t.Errorf("run description: %+v", info)
	}
	if vl := h["val_loss"]; info.Monitor != "val_loss" || !near(vl[info.BestEpoch-1], info.BestValue) || vl[info.BestEpoch-1] > vl[2-info.BestEpoch] {
		t.Errorf("best epoch %d (%s %v) is not the best of %v", info.BestEpoch, info.Monitor, info.BestValue, vl)
	}
	checkPNG(t, filepath.Join(dir, "imdb_curves.png"), 1000)

	// The saved model loads back and classifies free text.
	m, err := model.Load(filepath.Join(dir, "imdb.model"))
	if err != nil || m.CountParams() != 1315937 {
		t.Fatalf("model.Load: %v", err)
	}
	out, err = seqconv(t, ctx, "predict", filepath.Join(dir, "imdb.model"), "A moving, funny and wonderful film; the best acting this year.")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(out, "probability of a positive review ")
	if i < 0 {
		t.Fatalf("predict output %q", out)
	}
	p, err := strconv.ParseFloat(strings.Fields(out[i+len("probability of a positive review "):])[0], 64)
	if err != nil || !(p > 0 && p < 1) {
		t.Errorf("probability %v (%v) in %q", p, err, out)
	}
	// Several reviews are scored in one batch, each exactly as it is
	// alone, numbered by argument or, with --lines, by input line.
	single := out
	reviews := filepath.Join(dir, "reviews.txt")
	os.WriteFile(reviews, []byte("Dull and far too long.\n\nqqzx\nA moving, funny and wonderful film; the best acting this year."), 0o644)
	many, err := seqconv(t, ctx, "predict", filepath.Join(dir, "imdb.model"), "--lines", "--text-file", reviews)
	lines := strings.Split(strings.TrimSuffix(many, "\n"), "\n")
	if err != nil || len(lines) != 4 || lines[3] != "4\t"+strings.TrimSuffix(single, "\n") ||
		lines[1] != "2\tno prediction: none of its 0 words is in the IMDB vocabulary" ||
		lines[2] != "3\tno prediction: none of its 1 words is in the IMDB vocabulary" || !strings.HasPrefix(lines[0], "1\t") {
		t.Errorf("predict --lines (%v):\n%s\nsingle review:\n%s", err, many, single)
	}
	if args, err := seqconv(t, ctx, "predict", filepath.Join(dir, "imdb.model"), "Dull and far too long.", "qqzx"); err != nil ||
		args != lines[0]+"\n"+"2\tno prediction: none of its 1 words is in the IMDB vocabulary\n" {
		t.Errorf("predict with two reviews (%v): %q, want %q", err, args, lines[0])
	}
	for _, bad := range [][]string{{"--lines", "a", "b"}, {"--text-file", reviews, "a"}} {
		if _, err := seqconv(t, ctx, append([]string{"predict", filepath.Join(dir, "imdb.model")}, bad...)...); err == nil {
			t.Errorf("predict %v: no error", bad)
		}
	}
	if out, err = seqconv(t, ctx, "evaluate", filepath.Join(dir, "imdb.model")); err != nil ||
		!strings.Contains(out, "accuracy "+strconv.FormatFloat(acc, 'f', 4, 64)+" (600 reviews") {
		t.Errorf("evaluate (%v) does not repeat the test accuracy %.4f: %q", err, acc, out)
	}
	if out, err = seqconv(t, ctx, "summary", filepath.Join(dir, "imdb.model")); err != nil ||
		!strings.Contains(out, "Total params: 1,315,937") || !strings.Contains(out, "weights of epoch") {
		t.Errorf("summary (%v): %q", err, out)
	}

	// Interrupt a second run during its second epoch, as Ctrl-C would.
	dir2 := t.TempDir()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	testHookBatch = func(epoch, batch int) {
		if epoch == 1 && batch == 0 {
			cancel()
		}
	}
	out, err = seqconv(t, cctx, "imdb", "--quick", "--epochs", "2", "--out", dir2)
	testHookBatch = nil
	if err == nil || !strings.Contains(err.Error(), "interrupted during epoch 2") || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("interrupted run: %v\n%s", err, out)
	}
	if cp := readInfo(t, filepath.Join(dir2, "imdb.checkpoint.json")); cp.EpochsDone != 1 {
		t.Fatalf("checkpoint after %d epochs, want 1", cp.EpochsDone)
	}
	if _, err := seqconv(t, ctx, "imdb", "--resume", "--max-len", "100", "--out", dir2); err == nil || !strings.Contains(err.Error(), "--max-len 100 differs") {
		t.Errorf("resume with another --max-len: %v", err)
	}
	out, err = seqconv(t, ctx, "imdb", "--resume", "--quick", "--epochs", "2", "--out", dir2)
	if err != nil || !strings.Contains(out, "epochs 2–2") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	h2 := readHistory(t, filepath.Join(dir2, "imdb_history.csv"))
	for k, v := range h {
		if len(h2[k]) != len(v) {
			t.Fatalf("resumed history %v, want %v", h2, h)
		}
		for i := range v {
			if h2[k][i] != v[i] {
				t.Errorf("%s[%d] = %v after resuming, %v uninterrupted", k, i, h2[k][i], v[i])
			}
		}
	}
	if acc2 := readInfo(t, filepath.Join(dir2, "imdb.model.json")).Results["test_accuracy"]; acc2 != acc {
		t.Errorf("test accuracy %v after resuming, %v uninterrupted", acc2, acc)
	}
}

// TestJenaQuickEndToEnd trains the conv-gru model for ten batches on the
// shipped Jena file and checks the outputs, then forecasts from a window.
func TestJenaQuickEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out, err := seqconv(t, ctx, "jena", "--quick", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"19132 rows × 14 features", "(480 timesteps)", "Total params: 13,793",
		"common-sense baseline", "validation (4 batches)",
		"train 9 Jun 2024 – 11 Aug 2024 (mean 19.4 °C); validation 11 Aug 2024 – 12 Sep 2024 (mean 21.1 °C); test 12 Sep 2024 – 20 Oct 2024 (mean 12.5 °C)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Ten batches do not beat the baseline; the run says why.
	if !strings.Contains(out, "does NOT beat the baseline") || !strings.Contains(out, "note: the training rows cover less than a year") {
		t.Errorf("output lacks the verdict or the season note:\n%s", out)
	}
	info := readInfo(t, filepath.Join(dir, "jena.model.json"))
	h := readHistory(t, filepath.Join(dir, "jena_history.csv"))
	if vl := h["val_loss"]; len(vl) != 1 || !(vl[0] < info.Initial["val_loss"]) {
		t.Errorf("validation MAE %v after training, %v untrained: want it lower", vl, info.Initial["val_loss"])
	}
	r := info.Results
	if info.Jena.Step != 3 || info.Jena.Lookback != 1440 || len(info.Jena.Mean) != 14 ||
		!near(r["val_mae"], h["val_loss"][0]) || !(r["test_mae_c"] > 0) || !(r["baseline_val_mae_c"] > 0) {
		t.Errorf("run description: %+v", info)
	}
	// °C values are the standardized ones times the temperature's std.
	std := info.Jena.Std[info.Jena.Target]
	if d := r["test_mae_c"] - r["test_mae"]*std; d > 1e-9 || d < -1e-9 {
		t.Errorf("test MAE %v °C ≠ %v × std %v", r["test_mae_c"], r["test_mae"], std)
	}
	checkPNG(t, filepath.Join(dir, "jena_curves.png"), 700)
	if _, err := model.Load(filepath.Join(dir, "jena.model")); err != nil {
		t.Fatal(err)
	}

	// Without its run description the model is recognized from its input
	// (480 steps of 14 features: Jena windows every 3 rows) and evaluated
	// on the whole ranges of the shipped file; predicting needs the
	// training statistics, so it is refused with a clear message.
	bare := filepath.Join(t.TempDir(), "bare.model")
	b, err := os.ReadFile(filepath.Join(dir, "jena.model"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bare, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = seqconv(t, ctx, "evaluate", bare)
	if err != nil || !strings.Contains(out, "validation (24 batches)  test (31 batches)") {
		t.Errorf("evaluate without .json (%v): %q", err, out)
	}
	if out, err = seqconv(t, ctx, "summary", bare); err != nil || !strings.Contains(out, "looks like a jena model") {
		t.Errorf("summary without .json (%v): %q", err, out)
	}
	if _, err := seqconv(t, ctx, "evaluate", bare, "--data", "imdb"); err == nil || !strings.Contains(err.Error(), "Embedding") {
		t.Errorf("evaluate --data imdb of a Jena model: %v", err)
	}

	// Forecast from the last 1,500 rows of the shipped file.
	lines := strings.SplitAfter(string(datasets.JenaRoof2024()), "\n")
	for lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	win := filepath.Join(dir, "window.csv")
	if err := os.WriteFile(win, []byte(lines[0]+strings.Join(lines[len(lines)-1500:], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = seqconv(t, ctx, "predict", filepath.Join(dir, "jena.model"), win)
	if err != nil || !strings.Contains(out, "at 21.10.2024 08:40 (24h30m after the last row, 20.10.2024 08:10)") || !strings.Contains(out, "°C") {
		t.Errorf("predict (%v): %q", err, out)
	}
	// A window too short for the model is refused.
	if err := os.WriteFile(win, []byte(lines[0]+strings.Join(lines[len(lines)-100:], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := seqconv(t, ctx, "predict", filepath.Join(dir, "jena.model"), win); err == nil || !strings.Contains(err.Error(), "need at least 1438 rows") {
		t.Errorf("short window: %v", err)
	}
	if _, err := seqconv(t, ctx, "predict", filepath.Join(dir, "jena.model"), "great film"); err == nil ||
		err.Error() != `"great film": no such file; a Jena forecaster predicts from a CSV file of at least 1438 rows of history` {
		t.Errorf("predict with text for a forecaster: %v", err)
	}
	if _, err := seqconv(t, ctx, "predict", bare, win); err == nil || !strings.Contains(err.Error(), "standardization statistics") {
		t.Errorf("predict without .json: %v", err)
	}
}

// TestJenaBaselineMatchesLibrary checks that the baseline the command
// prints for whole ranges is the data package's.
func TestJenaBaselineMatchesLibrary(t *testing.T) {
	info := &jenaInfo{Missing: "fill-linear", Lookback: 1440, Step: 6, Delay: 144}
	s, err := loadJena(info, 128, 0, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := jena.Parse(datasets.JenaRoof2024Name, datasets.JenaRoof2024(), jena.Options{Missing: jena.FillLinear})
	if err != nil {
		t.Fatal(err)
	}
	split, _ := jena.SplitFor(d.Rows)
	want, err := jena.CommonSenseBaseline(d, split, jena.Config{Lookback: 1440, Delay: 144, Step: 6, BatchSize: 128})
	if err != nil {
		t.Fatal(err)
	}
	if s.baseline != want {
		t.Errorf("baseline %+v, want %+v", s.baseline, want)
	}
}

// TestErrorsAreOneLine checks that bad flags, bad data files and bad model
// files give one clear line and no panic.
func TestErrorsAreOneLine(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("Date Time,p (mbar),T (degC)\n01.01.2009 00:10:00,996.52,oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.model")
	if err := os.WriteFile(junk, []byte("this is not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"imdb", "--epochs", "0"}, "--epochs 0"},
		{[]string{"imdb", "--learning-rate", "-1"}, "--learning-rate -1"},
		{[]string{"imdb", "--validation-split", "1"}, "--validation-split 1"},
		{[]string{"imdb", "--monitor", "loss"}, `--monitor "loss"`},
		{[]string{"imdb", "--epochs", "ten"}, `invalid argument "ten"`},
		{[]string{"imdb", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"imdb", "--resume", "--out", dir}, "no checkpoint in"},
		{[]string{"jena", "--model", "lstm"}, `--model "lstm"`},
		{[]string{"jena", "--batch-size", "0"}, "--batch-size 0"},
		{[]string{"jena", "--learning-rate", "0"}, "--learning-rate 0"},
		{[]string{"jena", "--quick", "--epochs", "0"}, "--epochs 0"},
		{[]string{"jena", "--lookback", "1000", "--step", "3"}, "multiple of --step"},
		{[]string{"jena", "--file", filepath.Join(dir, "none.csv"), "--out", dir}, "none.csv"},
		{[]string{"jena", "--file", bad, "--out", dir}, "bad.csv"},
		{[]string{"evaluate", filepath.Join(dir, "none.model")}, "none.model"},
		{[]string{"evaluate", junk}, "junk.model"},
		{[]string{"predict", junk, "great film"}, "junk.model"},
		{[]string{"summary", junk}, "junk.model"},
		{[]string{"evaluate", junk, "--data", "mnist"}, `--data "mnist"`},
	} {
		_, err := seqconv(t, ctx, c.args...)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, c.want) || strings.Contains(msg, "goroutine") {
			t.Errorf("%v: error %q, want one line containing %q", c.args, msg, c.want)
		}
	}
}
