package main

import (
	"context"
	"strings"
	"testing"
)

func TestSummaryReferenceModels(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"summary", "imdb"}, []string{"embedding (Embedding)        (None, 500, 128)          1280000", "Total params: 1,315,937"}},
		{[]string{"summary", "imdb", "--max-len", "100", "--max-features", "2000"}, []string{"(None, 100, 128)          256000", "Total params: 291,937"}},
		{[]string{"summary", "jena"}, []string{"conv1d (Conv1D)              (None, 476, 32)           2272", "gru (GRU)                    (None, 32)                6336", "Total params: 13,793"}},
		{[]string{"summary", "jena", "--model", "conv"}, []string{"(None, 236, 32)", "global_max_pooling1d", "Total params: 12,609"}},
		{[]string{"summary", "jena", "--model", "gru"}, []string{"gru (GRU)                    (None, 32)                4608", "Total params: 4,641"}},
		{[]string{"summary", "jena", "--model", "dense"}, []string{"flatten (Flatten)            (None, 3360)", "Total params: 107,585"}},
	} {
		out, err := seqconv(t, ctx, c.args...)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
	}
	if _, err := seqconv(t, ctx, "summary", "jena", "--model", "lstm"); err == nil || !strings.Contains(err.Error(), `--model "lstm"`) {
		t.Errorf("unknown architecture: %v", err)
	}
}
