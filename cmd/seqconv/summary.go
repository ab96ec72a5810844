package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

func newSummaryCmd() *cobra.Command {
	var (
		arch                string
		maxFeatures, maxLen int
	)
	cmd := &cobra.Command{
		Use:   "summary imdb|jena|MODELFILE",
		Short: "Print the Keras-style summary of a reference model or of a saved model",
		Long: `Prints Keras's model summary table: of the reference IMDB convnet ("imdb"), of a
Jena forecaster ("jena", --model chooses which), or of a model file saved by
seqconv — then, for a saved model, how it was compiled and, when the run
description written beside it exists, what it was trained on and its results.`,
		Example: `  seqconv summary imdb
  seqconv summary jena --model gru
  seqconv summary runs/imdb.model`,
		Args: cobra.ExactArgs(1),
		RunE: guard(func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			switch args[0] {
			case "imdb":
				if maxFeatures < 4 || maxLen < 1 {
					return fmt.Errorf("--max-features %d, --max-len %d: need at least 4 and 1", maxFeatures, maxLen)
				}
				return buildIMDBModel(maxFeatures, maxLen, 0).Summary(w)
			case "jena":
				step := jenaDefaultStep(arch)
				m, err := buildJenaModel(arch, 1440/step, 14, 0)
				if err != nil {
					return err
				}
				return m.Summary(w)
			}
			return summarizeFile(w, args[0])
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&arch, "model", "conv-gru", "Jena architecture: "+strings.Join(jenaArchs, ", "))
	fl.IntVar(&maxFeatures, "max-features", imdbDefaultWords, "IMDB vocabulary size")
	fl.IntVar(&maxLen, "max-len", imdbDefaultMaxLen, "IMDB review length")
	return cmd
}

func init() {
	rootCmd.AddCommand(newSummaryCmd())
}

func summarizeFile(w io.Writer, path string) error {
	s, err := openModel(path, "")
	if err != nil {
		return err
	}
	if err := s.m.Summary(w); err != nil {
		return err
	}
	if opt := s.m.Optimizer(); opt != nil {
		it, _ := opt.State()
		fmt.Fprintf(w, "compiled: %s %s, %d updates applied", opt.Name(), fmtConfig(opt.Config()), it)
		if s.m.OutputsAreLogits() {
			fmt.Fprint(w, "; outputs are logits")
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "not compiled (weights only)")
	}
	if s.inferred {
		fmt.Fprintf(w, "no run description (%s): looks like a %s model\n", path+metaExt, s.info.Dataset)
		return nil
	}
	i := s.info
	switch i.Dataset {
	case "imdb":
		fmt.Fprintf(w, "data: IMDB, ids < %d, length %d", i.IMDB.NumWords, i.IMDB.MaxLen)
		if i.IMDB.Samples > 0 {
			fmt.Fprintf(w, ", first %d reviews only", i.IMDB.Samples)
		}
		fmt.Fprintln(w)
	case "jena":
		file := i.Jena.File
		if file == "" {
			file = "the shipped 2024 file"
		}
		fmt.Fprintf(w, "data: Jena (%s), lookback %d, step %d, delay %d; %s\n", file, i.Jena.Lookback, i.Jena.Step, i.Jena.Delay, i.Jena.Split)
	}
	fmt.Fprintf(w, "training: %s, %d epochs done of %d, batch %d, learning rate %g; weights of epoch %d (%s %.4f)\n",
		i.Arch, i.EpochsDone, i.Train.Epochs, i.Train.BatchSize, i.Train.LearningRate, i.BestEpoch, i.Monitor, i.BestValue)
	if len(i.Results) > 0 {
		fmt.Fprintf(w, "results: %s\n", fmtConfig(i.Results))
	}
	return nil
}

// fmtConfig prints a map as "k=v, …" in key order.
func fmtConfig[V any](c map[string]V) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := any(c[k])
		if f, ok := v.(float64); ok {
			parts[i] = fmt.Sprintf("%s=%.5g", k, f)
		} else {
			parts[i] = fmt.Sprintf("%s=%v", k, v)
		}
	}
	return strings.Join(parts, ", ")
}
