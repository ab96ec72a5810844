package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seqconv/seqconv/internal/curves"
	"github.com/seqconv/seqconv/model"
)

// File names inside the output directory of a training run, for a run
// named name ("imdb" or "jena"):
//
//	name.model             the model with the weights of the best epoch
//	name.model.json        what the model was trained on and how, and results
//	name.checkpoint        the state after the last finished epoch (resume)
//	name.checkpoint.json   the run state that goes with it
//	name_history.csv       one row per epoch
//	name_curves.png        training and validation curves
const (
	modelExt      = ".model"
	checkpointExt = ".checkpoint"
	metaExt       = ".json"
)

// runInfo is what a training run records beside a model file: enough to
// evaluate the model on the right data, to predict with it (the IMDB
// encoding, the Jena standardization), to resume the run, and its results.
type runInfo struct {
	// Dataset is "imdb" or "jena"; Arch names the architecture.
	Dataset string `json:"dataset"`
	Arch    string `json:"architecture"`

	IMDB *imdbInfo `json:"imdb,omitempty"`
	Jena *jenaInfo `json:"jena,omitempty"`

	Train trainInfo `json:"training"`

	// EpochsDone counts the finished epochs; BestEpoch (1-based, 0 for
	// none yet) is the one whose weights are in the .model file.
	EpochsDone int     `json:"epochs_done"`
	Monitor    string  `json:"monitor"`
	BestEpoch  int     `json:"best_epoch"`
	BestValue  float64 `json:"best_value"`
	// Initial holds the losses of the untrained model ("val_loss"), so
	// that the curves start from epoch 0.
	Initial map[string]float64 `json:"initial,omitempty"`
	History historyInfo        `json:"history"`
	// Results holds the final evaluation (test_accuracy, test_mae_c, …)
	// and wall times in seconds.
	Results map[string]float64 `json:"results,omitempty"`
	Written string             `json:"written"`
}

// trainInfo holds the training hyperparameters of a run.
type trainInfo struct {
	Epochs          int     `json:"epochs"`
	BatchSize       int     `json:"batch_size"`
	LearningRate    float64 `json:"learning_rate"`
	ValidationSplit float64 `json:"validation_split,omitempty"`
	StepsPerEpoch   int     `json:"steps_per_epoch,omitempty"`
	EvalSteps       int     `json:"eval_steps,omitempty"`
	Seed            uint64  `json:"seed"`
}

// historyInfo is the per-epoch log of a run (1-based epoch numbers).
type historyInfo struct {
	Epochs []int                `json:"epochs"`
	Keys   []string             `json:"keys"`
	Values map[string][]float64 `json:"values"`
}

func (h *historyInfo) add(epoch int, logs map[string]float64, order []string) {
	if h.Values == nil {
		h.Values = map[string][]float64{}
	}
	// Keep Keras's order for known keys, then any other key sorted.
	for _, k := range order {
		if _, ok := logs[k]; ok && !slices.Contains(h.Keys, k) {
			h.Keys = append(h.Keys, k)
		}
	}
	for k := range logs {
		if !slices.Contains(h.Keys, k) {
			h.Keys = append(h.Keys, k)
		}
	}
	h.Epochs = append(h.Epochs, epoch)
	for _, k := range h.Keys {
		v, ok := logs[k]
		if !ok {
			v = math.NaN()
		}
		h.Values[k] = append(h.Values[k], v)
	}
}

// writeJSONFile writes v as indented JSON to path through a temporary file,
// so that an interrupted write never leaves half a file.
func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// sanitize drops or zeroes NaN and infinite values, which encoding/json
// cannot write.
func (r *runInfo) sanitize() {
	clean := func(m map[string]float64) {
		for k, v := range m {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				delete(m, k)
			}
		}
	}
	clean(r.Initial)
	clean(r.Results)
	if math.IsNaN(r.BestValue) || math.IsInf(r.BestValue, 0) {
		r.BestValue = 0
	}
	for k, vs := range r.History.Values {
		for i, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				r.History.Values[k][i] = 0
			}
		}
	}
}

func (r *runInfo) write(path string) error {
	r.sanitize()
	r.Written = time.Now().UTC().Format(time.RFC3339)
	if err := writeJSONFile(path, r); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// readRunInfo reads the JSON written beside a model file.
func readRunInfo(path string) (*runInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r runInfo
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a seqconv run description: %v", path, err)
	}
	if r.Dataset != "imdb" && r.Dataset != "jena" {
		return nil, fmt.Errorf("%s: unknown dataset %q (want imdb or jena)", path, r.Dataset)
	}
	return &r, nil
}

// writeHistoryCSV writes one row per epoch: epoch, then each log key.
func writeHistoryCSV(path string, h historyInfo) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.Write(append([]string{"epoch"}, h.Keys...)); err != nil {
		return err
	}
	for i, e := range h.Epochs {
		row := []string{strconv.Itoa(e)}
		for _, k := range h.Keys {
			row = append(row, strconv.FormatFloat(h.Values[k][i], 'g', 8, 64))
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := writeFileAtomic(path, []byte(b.String())); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// series returns the curve of key over the epochs, starting at epoch 0
// with the untrained model's value when known.
func series(name string, h historyInfo, initial map[string]float64, key string, dashed bool) curves.Series {
	s := curves.Series{Name: name, Dashed: dashed}
	if v, ok := initial[key]; ok {
		s.X, s.Y = append(s.X, 0), append(s.Y, v)
	}
	for i, e := range h.Epochs {
		s.X = append(s.X, float64(e))
		s.Y = append(s.Y, h.Values[key][i])
	}
	return s
}

// tracker is the callback of a training run: after every epoch it records
// the logs, saves the best model so far, then a resumable checkpoint with
// its run state, the history CSV and the curves, so that an interrupted run
// loses at most the epoch in progress.
type tracker struct {
	model.BaseCallback
	info      *runInfo
	out, name string
	maximise  bool
	order     []string
	plot      func() error
	m         *model.Sequential
}

// testHookBatch, when set by a test, is called after every training batch.
var testHookBatch func(epoch, batch int)

func (t *tracker) paths() (modelPath, checkpoint string) {
	return filepath.Join(t.out, t.name+modelExt), filepath.Join(t.out, t.name+checkpointExt)
}

func (t *tracker) OnTrainBegin(m *model.Sequential) error { t.m = m; return nil }

func (t *tracker) OnBatchEnd(epoch, batch int) error {
	if testHookBatch != nil {
		testHookBatch(epoch, batch)
	}
	return nil
}

func (t *tracker) OnEpochEnd(epoch int, logs map[string]float64) error {
	t.info.History.add(epoch+1, logs, t.order)
	t.info.EpochsDone = epoch + 1
	v, ok := logs[t.info.Monitor]
	if !ok {
		return fmt.Errorf("the epoch logs have no %q", t.info.Monitor)
	}
	better := t.info.BestEpoch == 0 || (t.maximise && v > t.info.BestValue) || (!t.maximise && v < t.info.BestValue)
	modelPath, cp := t.paths()
	if better {
		t.info.BestEpoch, t.info.BestValue = epoch+1, v
		if err := t.m.Save(modelPath); err != nil {
			return err
		}
		if err := t.info.write(modelPath + metaExt); err != nil {
			return err
		}
	}
	if err := t.m.Save(cp); err != nil {
		return err
	}
	if err := t.info.write(cp + metaExt); err != nil {
		return err
	}
	if err := writeHistoryCSV(filepath.Join(t.out, t.name+"_history.csv"), t.info.History); err != nil {
		return err
	}
	return t.plot()
}

// restoreBest loads the weights of the best epoch (saved by the tracker)
// into m.
func restoreBest(m *model.Sequential, path string) error {
	best, err := model.Load(path)
	if err != nil {
		return err
	}
	return m.SetWeights(best.Weights())
}

// prepareOut creates the output directory.
func prepareOut(dir string) error {
	if dir == "" {
		return errors.New("--out: empty output directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// interrupted turns a training error caused by Ctrl-C into the message
// saying where the checkpoint is.
func interrupted(ctx context.Context, err error, info *runInfo, checkpoint, resumeHint string) error {
	if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
		return err
	}
	if info.EpochsDone == 0 {
		return fmt.Errorf("interrupted during epoch 1, before any checkpoint: nothing saved")
	}
	return fmt.Errorf("interrupted during epoch %d: the checkpoint after epoch %d is in %s; continue with %s",
		info.EpochsDone+1, info.EpochsDone, checkpoint, resumeHint)
}

// guard runs a command body and turns a panic inside the library into an
// ordinary one-line error, so that the user never sees a stack trace; the
// trace is printed only when SEQCONV_DEBUG is set.
func guard(run func(cmd *cobra.Command, args []string) error) func(cmd *cobra.Command, args []string) error {
	return func(cmd *cobra.Command, args []string) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if os.Getenv("SEQCONV_DEBUG") != "" {
					fmt.Fprintf(os.Stderr, "panic: %v\n%s", r, debug.Stack())
				}
				err = fmt.Errorf("internal error: %v (set SEQCONV_DEBUG=1 for details)", r)
			}
		}()
		err = run(cmd, args)
		if err != nil && errors.Is(err, context.Canceled) && !strings.HasPrefix(err.Error(), "interrupted") {
			err = fmt.Errorf("interrupted: %w", err)
		}
		return err
	}
}

// resumeCheck returns an error when a flag the user set explicitly
// differs from the value recorded in the checkpoint being resumed.
func resumeCheck(cmd *cobra.Command, name string, flagVal, saved any) error {
	if cmd.Flags().Changed(name) && fmt.Sprint(flagVal) != fmt.Sprint(saved) {
		return fmt.Errorf("--%s %v differs from the checkpoint's %v; drop the flag to resume, or start a new run without --resume", name, flagVal, saved)
	}
	return nil
}

// fmtDuration prints a wall time rounded for people.
func fmtDuration(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// flagCheck pairs a flag with the value a checkpoint recorded for it.
type flagCheck struct {
	flag      string
	val, save any
}

// trainRun holds what the training commands share for one run: the output
// files, the run state and the model.
type trainRun struct {
	name, out               string
	modelPath, cpPath       string
	historyPath, curvesPath string
	epochs                  int
	info                    *runInfo
	m                       *model.Sequential
}

// openRun creates the output directory f.out and either loads the
// checkpoint of the run named name (with --resume) or starts a new run
// with fresh, which may leave the model nil for the caller to build later.
// label names the dataset in the error for a checkpoint of another
// dataset ("an IMDB"); checks lists the flags that must agree with the
// checkpoint. Unless --epochs is set, a resumed run finishes as planned.
func openRun(cmd *cobra.Command, f runFlags, name, label string,
	checks func(*runInfo) []flagCheck, fresh func() (*runInfo, *model.Sequential, error)) (*trainRun, error) {
	out := f.out
	if err := prepareOut(out); err != nil {
		return nil, err
	}
	r := &trainRun{
		name: name, out: out,
		modelPath:   filepath.Join(out, name+modelExt),
		cpPath:      filepath.Join(out, name+checkpointExt),
		historyPath: filepath.Join(out, name+"_history.csv"),
		curvesPath:  filepath.Join(out, name+"_curves.png"),
		epochs:      f.epochs,
	}
	var err error
	if f.resume {
		if r.info, r.m, err = loadCheckpoint(cmd, out, r.cpPath, name, label, checks); err != nil {
			return nil, err
		}
		if !cmd.Flags().Changed("epochs") {
			// Finish the run as planned unless told otherwise.
			r.epochs = r.info.Train.Epochs
		}
	} else if r.info, r.m, err = fresh(); err != nil {
		return nil, err
	}
	r.info.Train.Epochs = r.epochs
	return r, nil
}

// loadCheckpoint loads the checkpoint of an interrupted run of dataset.
func loadCheckpoint(cmd *cobra.Command, out, cpPath, dataset, label string, checks func(*runInfo) []flagCheck) (*runInfo, *model.Sequential, error) {
	info, err := readRunInfo(cpPath + metaExt)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, fmt.Errorf("--resume: no checkpoint in %s (%s not found)", out, cpPath+metaExt)
		}
		return nil, nil, err
	}
	if info.Dataset != dataset || (dataset == "imdb" && info.IMDB == nil) || (dataset == "jena" && info.Jena == nil) {
		return nil, nil, fmt.Errorf("--resume: %s is a %s run, not %s one", cpPath+metaExt, info.Dataset, label)
	}
	for _, c := range checks(info) {
		if err := resumeCheck(cmd, c.flag, c.val, c.save); err != nil {
			return nil, nil, err
		}
	}
	m, err := model.Load(cpPath)
	if err != nil {
		return nil, nil, err
	}
	if m.Optimizer() == nil {
		return nil, nil, fmt.Errorf("--resume: %s has no optimizer state", cpPath)
	}
	return info, m, nil
}

// tracker returns the epoch callback of the run.
func (r *trainRun) tracker(maximise bool, order []string, plot func() error) *tracker {
	return &tracker{info: r.info, out: r.out, name: r.name, maximise: maximise, order: order, plot: plot}
}

// fit trains the epochs still to do with fit, after printing announce,
// and returns the wall time spent; Ctrl-C becomes the error saying how
// to resume.
func (r *trainRun) fit(ctx context.Context, w io.Writer, announce string, fit func() error) (time.Duration, error) {
	start := time.Now()
	if r.info.EpochsDone >= r.epochs {
		fmt.Fprintf(w, "the checkpoint has %d epochs already (--epochs %d): nothing to train\n", r.info.EpochsDone, r.epochs)
	} else {
		fmt.Fprintln(w, announce)
		if err := fit(); err != nil {
			return 0, interrupted(ctx, err, r.info, r.cpPath, "seqconv "+r.name+" --resume --out "+r.out)
		}
	}
	return time.Since(start), nil
}

// keepWeights leaves the model with the weights the run keeps: those of
// the best epoch, or with noRestore those of the last one, which then
// replace the best in the model file.
func (r *trainRun) keepWeights(w io.Writer, noRestore bool) error {
	info := r.info
	if noRestore {
		info.BestEpoch = info.EpochsDone
		if v := info.History.Values[info.Monitor]; len(v) > 0 {
			info.BestValue = v[len(v)-1]
		}
		if err := r.m.Save(r.modelPath); err != nil {
			return err
		}
		fmt.Fprintf(w, "kept the weights of the last epoch, %d (--no-restore-best)\n", info.EpochsDone)
		return nil
	}
	if err := restoreBest(r.m, r.modelPath); err != nil {
		return err
	}
	fmt.Fprintf(w, "restored the weights of epoch %d (%s %.4f), the best of %d epochs\n",
		info.BestEpoch, info.Monitor, info.BestValue, info.EpochsDone)
	return nil
}

// finish writes the run description with the results beside the model,
// draws the final curves with plot and lists the files written.
func (r *trainRun) finish(w io.Writer, start time.Time, plot func() error) error {
	if err := r.info.write(r.modelPath + metaExt); err != nil {
		return err
	}
	if err := plot(); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s (+%s), %s, %s, %s (total %s)\n", r.modelPath, metaExt, r.cpPath,
		r.historyPath, r.curvesPath, fmtDuration(time.Since(start)))
	return nil
}

// runFlags are the options of a training command whose meaning does not
// depend on the dataset.
type runFlags struct {
	epochs, batch     int
	out               string
	resume, noRestore bool
}

// check validates the options every training command has, and its
// learning rate.
func (f *runFlags) check(lr float64) error {
	switch {
	case f.epochs < 1:
		return fmt.Errorf("--epochs %d: must be at least 1", f.epochs)
	case f.batch < 1:
		return fmt.Errorf("--batch-size %d: must be at least 1", f.batch)
	case !(lr > 0) || lr > 10:
		return fmt.Errorf("--learning-rate %g: must be in (0, 10]", lr)
	}
	return nil
}

// quickDefault sets *p to v unless the flag name was given: --quick
// shortens only what the user left to the defaults.
func quickDefault(cmd *cobra.Command, name string, p *int, v int) {
	if !cmd.Flags().Changed(name) {
		*p = v
	}
}

// defaultOutDir is where the training commands write by default.
const defaultOutDir = "runs"

// addRunFlags defines the runFlags options on cmd, with the command's
// default epochs and batch size.
func addRunFlags(cmd *cobra.Command, f *runFlags, epochs, batch int) {
	fl := cmd.Flags()
	fl.IntVar(&f.epochs, "epochs", epochs, "number of epochs")
	fl.IntVar(&f.batch, "batch-size", batch, "batch size")
	fl.StringVar(&f.out, "out", defaultOutDir, "output directory")
	fl.BoolVar(&f.resume, "resume", false, "continue the run whose checkpoint is in --out")
	fl.BoolVar(&f.noRestore, "no-restore-best", false, "keep the last epoch's weights instead of the best validation epoch's")
}
