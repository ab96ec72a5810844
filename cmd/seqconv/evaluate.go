package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newEvaluateCmd() *cobra.Command {
	var (
		dataset, file string
		samples       int
		batch         int
	)
	cmd := &cobra.Command{
		Use:   "evaluate MODELFILE",
		Short: "Evaluate a saved model on the IMDB test reviews or the Jena validation and test ranges",
		Long: `Evaluates a model saved by "seqconv imdb" or "seqconv jena" on the data it was
trained for, as described in MODELFILE.json (written beside the model):
IMDB models on the test reviews (loss and accuracy), Jena forecasters on the
validation and test ranges (MAE in standardized units and °C, beside the
common-sense baseline). Without that file the dataset is guessed from the
model's input (an Embedding reads IMDB ids; 14 features per step are Jena
windows) or given with --data.`,
		Example: `  seqconv evaluate runs/imdb.model
  seqconv evaluate runs/jena.model --file jena_climate_2009_2016.csv`,
		Args: cobra.ExactArgs(1),
		RunE: guard(func(cmd *cobra.Command, args []string) error {
			if dataset != "" && dataset != "imdb" && dataset != "jena" {
				return fmt.Errorf("--data %q: want imdb or jena", dataset)
			}
			if samples < 0 || batch < 0 {
				return fmt.Errorf("--samples %d, --batch-size %d: must not be negative", samples, batch)
			}
			s, err := openModel(args[0], dataset)
			if err != nil {
				return err
			}
			if err := s.ensureCompiled(); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			ctx := cmd.Context()
			if batch == 0 {
				batch = max(s.info.Train.BatchSize, 1)
			}
			start := time.Now()
			if s.info.Dataset == "imdb" {
				if file != "" {
					return fmt.Errorf("--file is for Jena CSV files; IMDB data comes from the shipped reviews (or the path in %s)", args[0]+metaExt)
				}
				info := *s.info.IMDB
				if cmd.Flags().Changed("samples") {
					info.Samples = samples
				}
				_, test, err := loadIMDB(&info)
				if err != nil {
					return err
				}
				res, err := s.m.Evaluate(ctx, test.x, test.y, batch)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(w, "IMDB test: loss %.4f, accuracy %.4f (%d reviews, ids < %d, length %d; %s)\n",
					res["loss"], res["accuracy"], test.n, info.NumWords, info.MaxLen, fmtDuration(time.Since(start)))
				return err
			}
			if cmd.Flags().Changed("samples") {
				return fmt.Errorf("--samples is for IMDB; Jena validation and test cover their whole ranges")
			}
			info := *s.info.Jena
			if file != "" {
				info.File = file
			}
			setup, err := loadJena(&info, batch, 0, true, 0)
			if err != nil {
				return err
			}
			if in := s.m.InputShape(); in[len(in)-1] != setup.data.Features() {
				return fmt.Errorf("%s reads %d features per step, %s has %d", args[0], in[len(in)-1], setup.data.File, setup.data.Features())
			}
			sc, err := evalJena(ctx, s.m, setup)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "Jena: %s, %d rows; %s\n", setup.data.File, setup.data.Rows, setup.note)
			printJenaTable(w, setup, s.info.Arch, sc)
			_, err = fmt.Fprintf(w, "(%s)\n", fmtDuration(time.Since(start)))
			return err
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&dataset, "data", "", "imdb or jena, when MODELFILE.json is missing and the model's input does not tell")
	fl.StringVar(&file, "file", "", "Jena: evaluate on this CSV instead of the file the model was trained on")
	fl.IntVar(&samples, "samples", 0, "IMDB: use only the first N test reviews, 0 for all (default: as many as the training run used)")
	fl.IntVar(&batch, "batch-size", 0, "batch size (0: the training batch size)")
	return cmd
}

func init() {
	rootCmd.AddCommand(newEvaluateCmd())
}
