package main

import (
	"bytes"
	"strings"
	"testing"
)

// runIMDB runs "seqconv data imdb" with all flags given explicitly, since
// cobra keeps flag values between executions in one process.
func runIMDB(t *testing.T, numWords, split, index string, path ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetArgs([]string{"data", "imdb", "--num-words", numWords, "--split", split, "--index", index, "--path", strings.Join(path, "")})
	err := rootCmd.Execute()
	return out.String(), err
}

func TestDataIMDBFromNPZ(t *testing.T) {
	out, err := runIMDB(t, "20", "test", "2", "../../data/imdb/testdata/imdb_tiny.npz")
	if err != nil {
		t.Fatal(err)
	}
	// Values from data/imdb's tiny fixture (see its TestTinyNPZ).
	for _, want := range []string{"train        4        2        2", "test[2]: label 1 (positive), 5 ids", "ids:  [1 2 2 2 2]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runIMDB(t, "20", "test", "0", "nope.csv"); err == nil || !strings.Contains(err.Error(), "nope.csv") {
		t.Errorf("bad --path: err = %v", err)
	}
}

func TestDataIMDB(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the full dataset")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // keep the cache out of the user's folder
	out, err := runIMDB(t, "10000", "train", "0")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"train    25000    12500    12500",
		"test     25000    12500    12500",
		"train[0]: label 1 (positive), 218 ids",
		"ids:  [1 14 22 16 43 530 973 1622",
		"text: ? this film was just brilliant casting",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, c := range []struct{ numWords, split, index, want string }{
		{"10000", "test", "25000", "--index 25000: out of range for the test split (0..24999)"},
		{"10000", "train", "-1", "--index -1: out of range"},
		{"10000", "dev", "0", `--split "dev": want train or test`},
		{"-5", "train", "0", "--num-words -5"},
	} {
		_, err := runIMDB(t, c.numWords, c.split, c.index)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err = %v, want one line with %q", c, err, c.want)
		}
	}
}
