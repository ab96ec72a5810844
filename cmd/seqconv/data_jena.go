package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seqconv/seqconv/data/jena"
	"github.com/seqconv/seqconv/datasets"
)

// jenaFlags are the options of "seqconv data jena".
type jenaFlags struct {
	file     string
	missing  string
	lookback int
	delay    int
	step     int
	batch    int
}

func newDataJenaCmd() *cobra.Command {
	var f jenaFlags
	cmd := &cobra.Command{
		Use:   "jena",
		Short: "Summarize a Jena climate CSV and its common-sense forecasting baseline",
		Long: `Loads a Jena weather CSV (the shipped 2024 file by default, or --file, e.g. the full
jena_climate_2009_2016.csv) and prints its rows, columns, time range, missing values
(-9999 sentinel), the train/validation/test split and the common-sense baseline MAE
("temperature in 24 h = last observed temperature") on validation and test.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDataJena(cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.file, "file", "", "Jena CSV file to load (default: the shipped "+datasets.JenaRoof2024Name+")")
	fl.StringVar(&f.missing, "missing", jena.FillLinear.String(), "what to do with -9999 values: fill-linear, fill-previous or reject")
	def := jena.DefaultConfig()
	fl.IntVar(&f.lookback, "lookback", def.Lookback, "rows of history per sample")
	fl.IntVar(&f.delay, "delay", def.Delay, "rows between the reference row and the target")
	fl.IntVar(&f.step, "step", def.Step, "sampling period inside a window, in rows")
	fl.IntVar(&f.batch, "batch", def.BatchSize, "batch size")
	return cmd
}

func init() {
	dataCmd.AddCommand(newDataJenaCmd())
}

func runDataJena(w io.Writer, f jenaFlags) error {
	policy, err := jena.ParseMissingPolicy(f.missing)
	if err != nil {
		return err
	}
	opts := jena.Options{Missing: policy}
	var d *jena.Data
	name := f.file
	start := time.Now()
	if name == "" {
		name = "datasets/jena/" + datasets.JenaRoof2024Name + " (shipped)"
		d, err = jena.Shipped(opts)
	} else {
		d, err = jena.Load(name, opts)
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	cfg := jena.Config{Lookback: f.lookback, Delay: f.delay, Step: f.step, BatchSize: f.batch}

	const tf = "02.01.2006 15:04:05"
	ts := jena.SummarizeTimes(d.Times)
	fmt.Fprintf(w, "file:     %s (loaded in %v)\n", name, elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "rows:     %d\n", d.Rows)
	fmt.Fprintf(w, "columns:  %d: %s\n", d.Features(), strings.Join(d.Columns, ", "))
	fmt.Fprintf(w, "time:     %s – %s, step %v\n", ts.First.Format(tf), ts.Last.Format(tf), ts.Step)
	fmt.Fprintf(w, "gaps:     %d (%d missing steps, largest %v), %d irregular steps, %d rows not after the previous one\n",
		ts.Gaps, ts.MissingSteps, ts.LargestGap, ts.Irregular, ts.Backward)
	if d.TotalMissing() == 0 {
		fmt.Fprintf(w, "missing:  none (no -9999 values)\n")
	} else {
		fmt.Fprintf(w, "missing:  %d values of -9999, filled (%s):\n", d.TotalMissing(), policy)
		for c, n := range d.Missing {
			if n > 0 {
				fmt.Fprintf(w, "            %-16s %d (first at line %d)\n", d.Columns[c], n, d.FirstMissingLine[c])
			}
		}
	}
	split, note := jena.SplitFor(d.Rows)
	fmt.Fprintf(w, "split:    %s\n", note)
	b, err := jena.CommonSenseBaseline(d, split, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "baseline: last observed temperature (lookback %d, delay %d, step %d, batch %d)\n",
		cfg.Lookback, cfg.Delay, cfg.Step, cfg.BatchSize)
	fmt.Fprintf(w, "  val:    MAE %.4f (standardized) = %.3f °C over %d batches\n", b.ValMAE, b.ValMAEC, b.ValSteps)
	fmt.Fprintf(w, "  test:   MAE %.4f (standardized) = %.3f °C over %d batches\n", b.TestMAE, b.TestMAEC, b.TestSteps)
	return nil
}
