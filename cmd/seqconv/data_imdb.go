package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seqconv/seqconv/data/imdb"
)

func init() {
	var (
		numWords int
		split    string
		index    int
		path     string
	)
	cmd := &cobra.Command{
		Use:   "imdb",
		Short: "Show the IMDB reviews dataset as Keras's imdb.load_data gives it",
		Long: `Loads the IMDB sentiment dataset exactly as keras.datasets.imdb.load_data
does (seed 113, start id 1, out-of-vocabulary id 2, words from id 3), prints
the size, label balance and review lengths of both splits, then one review:
its ids, its label and its text decoded back from the ids.`,
		Example: `  seqconv data imdb
  seqconv data imdb --num-words 10000 --split test --index 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if numWords < 0 {
				return fmt.Errorf("--num-words %d: must be 0 (every word) or more", numWords)
			}
			if split != "train" && split != "test" {
				return fmt.Errorf("--split %q: want train or test", split)
			}
			train, test, err := imdb.LoadData(imdb.Options{NumWords: numWords, Path: path})
			if err != nil {
				return err
			}
			s := train
			if split == "test" {
				s = test
			}
			if index < 0 || index >= s.Len() {
				return fmt.Errorf("--index %d: out of range for the %s split (0..%d)", index, split, s.Len()-1)
			}
			vocab, err := imdb.DefaultVocab()
			if err != nil {
				return err
			}
			return printIMDB(cmd.OutOrStdout(), train, test, split, index, vocab)
		},
	}
	f := cmd.Flags()
	f.IntVar(&numWords, "num-words", 10000, "keep ids below this (Keras num_words); 0 keeps every word")
	f.StringVar(&split, "split", "train", "which split the shown review comes from: train or test")
	f.IntVar(&index, "index", 0, "which review of the split to show")
	f.StringVar(&path, "path", "", "read a Keras imdb.npz (or an aclImdb .tar.gz) instead of the shipped data")
	dataCmd.AddCommand(cmd)
}

func printIMDB(w io.Writer, train, test imdb.Split, split string, index int, vocab *imdb.Vocab) error {
	fmt.Fprintf(w, "%-6s %7s %8s %8s %6s %6s %8s %6s %6s\n", "split", "reviews", "positive", "negative", "min", "median", "mean", "max", "≤500")
	for _, s := range []struct {
		name string
		data imdb.Split
	}{{"train", train}, {"test", test}} {
		st := lengthStats(s.data)
		fmt.Fprintf(w, "%-6s %7d %8d %8d %6d %6d %8.1f %6d %5.1f%%\n",
			s.name, s.data.Len(), st.pos, s.data.Len()-st.pos, st.min, st.median, st.mean, st.max, st.within500)
	}
	s := train
	if split == "test" {
		s = test
	}
	ids := s.X[index]
	label := "negative"
	if s.Y[index] == 1 {
		label = "positive"
	}
	fmt.Fprintf(w, "\n%s[%d]: label %d (%s), %d ids\n", split, index, s.Y[index], label, len(ids))
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	fmt.Fprintf(w, "ids:  [%s]\n", strings.Join(parts, " "))
	_, err := fmt.Fprintf(w, "text: %s\n", vocab.Decode(ids))
	return err
}

type stats struct {
	pos, min, median, max int
	mean, within500       float64
}

func lengthStats(s imdb.Split) stats {
	var st stats
	if s.Len() == 0 {
		return st
	}
	lens := make([]int, s.Len())
	total, within := 0, 0
	for i, x := range s.X {
		lens[i] = len(x)
		total += len(x)
		if len(x) <= 500 {
			within++
		}
		st.pos += int(s.Y[i])
	}
	slices.Sort(lens)
	st.min, st.max, st.median = lens[0], lens[len(lens)-1], lens[len(lens)/2]
	st.mean = float64(total) / float64(len(lens))
	st.within500 = 100 * float64(within) / float64(len(lens))
	return st
}
