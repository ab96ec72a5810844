package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/export/keras"
	"github.com/seqconv/seqconv/export/onnx"
	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/model"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	for _, f := range []string{"onnx", "keras"} {
		// Flags keep their values between Execute calls in one process.
		fl := exportCmd.Flags().Lookup(f)
		if err := fl.Value.Set("false"); err != nil {
			t.Fatal(err)
		}
		fl.Changed = false
	}
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetArgs(args)
	defer rootCmd.SetArgs(nil)
	err := rootCmd.Execute()
	return out.String(), err
}

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	m := model.NewSequential(
		layers.Conv1D(4, 3, layers.WithActivation("relu")),
		layers.MaxPooling1D(2),
		layers.GRU(3),
		layers.Dense(1),
	)
	if err := m.Build(-1, 14); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "jena.model")
	if err := m.Save(src); err != nil {
		t.Fatal(err)
	}

	dst := filepath.Join(dir, "jena.onnx")
	out, err := runCLI(t, "export", "--onnx", src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `input "input" float32 (None, None, 14), output "output" (None, 1)`) {
		t.Errorf("output %q", out)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	want, err := onnx.MarshalModel(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the CLI wrote %d bytes that differ from MarshalModel's %d", len(got), len(want))
	}

	kdir := filepath.Join(dir, "keras")
	if out, err = runCLI(t, "export", "--keras", src, kdir); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "(7 weight arrays)") {
		t.Errorf("output %q", out)
	}
	back, err := keras.ImportSequential(kdir)
	if err != nil {
		t.Fatal(err)
	}
	bw, mw := back.Weights(), m.Weights()
	for i := range mw {
		for j, v := range mw[i].Data {
			if bw[i].Data[j] != v {
				t.Fatalf("weight %d[%d] = %v after export --keras, want %v", i, j, bw[i].Data[j], v)
			}
		}
	}

	if _, err := runCLI(t, "export", src, dst); err == nil {
		t.Error("export without a format flag succeeded")
	}
	if _, err := runCLI(t, "export", "--onnx", filepath.Join(dir, "missing.model"), dst); err == nil {
		t.Error("export of a missing file succeeded")
	}
}
