package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seqconv/seqconv/data/imdb"
	"github.com/seqconv/seqconv/data/jena"
	"github.com/seqconv/seqconv/data/sequence"
	"github.com/seqconv/seqconv/tensor"
)

func newPredictCmd() *cobra.Command {
	var dataset, textFile string
	var lines bool
	cmd := &cobra.Command{
		Use:   `predict MODELFILE ("review text"... | WINDOW.csv)`,
		Short: "Predict with a saved model: the sentiment of a review, or the temperature 24 h ahead",
		Long: `For an IMDB model, prints the probability that the review given as text (or
read from --text-file, or from standard input with "-") is positive. The text is
tokenized as Keras does and encoded with the IMDB word index; unknown words are
left out, rare ones become the out-of-vocabulary id. Several reviews, given as
several arguments or with --lines as one review per line of the file or of
standard input, are scored in batches, one output line each, in order.

For a Jena forecaster, reads a CSV in the Jena format whose last rows are the
history (at least the model's lookback: 1440 rows, 10 days, by default) and
prints the predicted temperature in °C at the time the model forecasts (the
delay plus one sampling step after the last row), with the last observed
temperature — the common-sense forecast — beside it.`,
		Example: `  seqconv predict runs/imdb.model "A wonderful film, moving and funny."
  seqconv predict runs/imdb.model --text-file review.txt
  seqconv predict runs/imdb.model "Great fun." "A waste of two hours."
  seqconv predict runs/imdb.model --lines --text-file reviews.txt   # one review per line
  seqconv predict runs/jena.model last_10_days.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: guard(func(cmd *cobra.Command, args []string) error {
			if dataset != "" && dataset != "imdb" && dataset != "jena" {
				return fmt.Errorf("--data %q: want imdb or jena", dataset)
			}
			s, err := openModel(args[0], dataset)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if s.info.Dataset == "imdb" {
				texts, err := reviewTexts(cmd.InOrStdin(), args[1:], textFile, lines)
				if err != nil {
					return err
				}
				return predictReviews(cmd, w, s, texts)
			}
			if lines {
				return fmt.Errorf("--lines is for IMDB models; give a Jena model a CSV window")
			}
			if textFile != "" {
				return fmt.Errorf("--text-file is for IMDB models; give a Jena model a CSV window")
			}
			if len(args) != 2 {
				return fmt.Errorf("a Jena forecaster needs one CSV file of history rows: seqconv predict %s WINDOW.csv", args[0])
			}
			return predictJena(cmd, w, s, args[1])
		}),
	}
	cmd.Flags().StringVar(&dataset, "data", "", "imdb or jena, when MODELFILE.json is missing and the model's input does not tell")
	cmd.Flags().StringVar(&textFile, "text-file", "", "IMDB: read the review from this file")
	cmd.Flags().BoolVar(&lines, "lines", false, "IMDB: one review per line of --text-file or of standard input (\"-\"), numbered by line")
	return cmd
}

func init() {
	rootCmd.AddCommand(newPredictCmd())
}

// reviewTexts returns the reviews given on the command line, in a file or
// on standard input; with lines, each line of the file or input is a
// review (so that output line numbers are input line numbers).
func reviewTexts(stdin io.Reader, args []string, file string, lines bool) ([]string, error) {
	var text string
	switch {
	case file != "" && len(args) > 0:
		return nil, fmt.Errorf("give the reviews either as text or with --text-file, not both")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--text-file: %w", err)
		}
		text = string(b)
	case len(args) == 0:
		return nil, fmt.Errorf("no review: give its text after the model file, \"-\" to read it from standard input, or --text-file")
	case len(args) == 1 && args[0] == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		text = string(b)
	case lines:
		return nil, fmt.Errorf("--lines reads reviews from --text-file or standard input (\"-\"), not from arguments")
	default:
		return args, nil
	}
	if !lines {
		return []string{text}, nil
	}
	var texts []string
	for line := range strings.Lines(text) {
		texts = append(texts, line)
	}
	if len(texts) == 0 {
		return nil, fmt.Errorf("--lines: no review: the input is empty")
	}
	return texts, nil
}

// predictBatch is how many reviews predictReviews scores at once.
const predictBatch = 256

// predictReviews prints, for each text, whether it reads as a positive
// review and how sure the model is. With several texts each line starts
// with the review's number; a review with no known word gets a line saying
// so (an error when it is the only one).
func predictReviews(cmd *cobra.Command, w io.Writer, s *savedModel, texts []string) error {
	vocab, err := imdb.DefaultVocab()
	if err != nil {
		return err
	}
	for lo := 0; lo < len(texts); lo += predictBatch {
		batch := texts[lo:min(lo+predictBatch, len(texts))]
		var seqs [][]int32
		var idx []int // position in batch of each encoded review
		known := make([]int, len(batch))
		for i, text := range batch {
			// The first id is the start mark; the rest are words.
			if ids := vocab.Encode(text, s.info.IMDB.NumWords); len(ids) > 1 {
				seqs = append(seqs, ids)
				idx = append(idx, i)
				known[i] = len(ids) - 1
			}
		}
		if len(texts) == 1 && len(seqs) == 0 {
			return fmt.Errorf("none of the review's words is in the IMDB vocabulary: nothing to classify")
		}
		probs := make([]float64, len(batch))
		if len(seqs) > 0 {
			x, err := sequence.PadSequences(seqs, s.info.IMDB.MaxLen, sequence.PadOptions{})
			if err != nil {
				return err
			}
			out, err := s.m.Predict(cmd.Context(), x.Float(), len(seqs))
			if err != nil {
				return err
			}
			for k, i := range idx {
				p := float64(out.Data[k])
				if s.outputsAreLogits() {
					p = sigmoid(p)
				}
				probs[i] = p
			}
		}
		for i, text := range batch {
			prefix := ""
			if len(texts) > 1 {
				prefix = fmt.Sprintf("%d\t", lo+i+1)
			}
			words := len(imdb.Tokenize(text))
			if known[i] > 0 {
				label := "positive"
				if probs[i] < 0.5 {
					label = "negative"
				}
				_, err = fmt.Fprintf(w, "%s%s: probability of a positive review %.4f (%d of %d words in the vocabulary)\n",
					prefix, label, probs[i], known[i], words)
			} else {
				_, err = fmt.Fprintf(w, "%sno prediction: none of its %d words is in the IMDB vocabulary\n", prefix, words)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// predictJena forecasts the temperature from the last rows of a CSV file.
func predictJena(cmd *cobra.Command, w io.Writer, s *savedModel, path string) error {
	j := s.info.Jena
	if len(j.Mean) == 0 || len(j.Std) == 0 {
		return fmt.Errorf("%s: the model's standardization statistics are unknown (%s, written by seqconv jena, is missing)", s.path, s.path+metaExt)
	}
	policy, err := jena.ParseMissingPolicy(j.Missing)
	if err != nil {
		return err
	}
	steps := j.Lookback / j.Step
	// The window ends at the last row: rows n−1−(steps−1)·step … n−1.
	need := (steps-1)*j.Step + 1
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%q: no such file; a Jena forecaster predicts from a CSV file of at least %d rows of history", path, need)
	}
	d, err := jena.Load(path, jena.Options{Columns: j.Columns, Missing: policy})
	if err != nil {
		return err
	}
	if d.Rows < need {
		return fmt.Errorf("%s: %d rows, but the model reads %d timesteps every %d rows: need at least %d rows", path, d.Rows, steps, j.Step, need)
	}
	if len(j.Mean) != d.Features() || len(j.Std) != d.Features() {
		return fmt.Errorf("%s: the standardization statistics do not match the %d features of %s", s.path+metaExt, d.Features(), path)
	}
	if in := s.m.InputShape(); in[len(in)-1] != d.Features() || (in[0] > 0 && in[0] != steps) {
		return fmt.Errorf("%s reads %v windows, not %d timesteps × %d features", s.path, in, steps, d.Features())
	}
	f := d.Features()
	x := tensor.New(1, steps, f)
	first := d.Rows - need
	for k := range steps {
		r := first + k*j.Step
		for c := range f {
			x.Data[k*f+c] = float32((float64(d.Values[r*f+c]) - j.Mean[c]) / j.Std[c])
		}
	}
	out, err := s.m.Predict(cmd.Context(), x, 1)
	if err != nil {
		return err
	}
	t := j.Target
	pred := float64(out.Data[0])*j.Std[t] + j.Mean[t]
	last := d.Times[d.Rows-1]
	period := jena.SummarizeTimes(d.Times).Step
	if period <= 0 {
		period = 10 * time.Minute
	}
	at := last.Add(time.Duration(j.Delay+j.Step) * period)
	const tf = "02.01.2006 15:04"
	lastT := float64(d.Values[(d.Rows-1)*f+t])
	_, err = fmt.Fprintf(w, "predicted %s at %s (%s after the last row, %s): %.2f °C; last observed %.2f °C\n",
		jena.TemperatureColumn, at.Format(tf), fmtSpan(at.Sub(last)), last.Format(tf), pred, lastT)
	return err
}

// fmtSpan prints a duration as hours and minutes.
func fmtSpan(d time.Duration) string {
	s := d.Round(time.Minute).String()
	return strings.TrimSuffix(s, "0s")
}
