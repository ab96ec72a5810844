package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/datasets"
)

func TestDataJenaShipped(t *testing.T) {
	var out bytes.Buffer
	f := jenaFlags{missing: "fill-linear", lookback: 1440, delay: 144, step: 6, batch: 128}
	if err := runDataJena(&out, f); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"rows:     19132", "columns:  14: p (mbar), T (degC)", "09.06.2024 11:40:00 – 20.10.2024 08:10:00, step 10m0s",
		"missing:  none", "proportional split", "val [9099, 13647)",
		"val:    MAE 0.6778 (standardized) = 3.162 °C over 24 batches",
		"test:   MAE 0.5733 (standardized) = 2.674 °C over 31 batches",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDataJenaFileAndErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "j.csv")
	// The first 19 original rows are too short for the reference windows:
	// the command must fail with one clear line.
	if err := os.WriteFile(p, datasets.JenaFirst19Rows(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	f := jenaFlags{file: p, missing: "reject", lookback: 1440, delay: 144, step: 6, batch: 128}
	err := runDataJena(&out, f)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "validation") {
		t.Fatalf("short file: %v", err)
	}
	if !strings.Contains(out.String(), "rows:     19\n") {
		t.Fatalf("summary before the error:\n%s", out.String())
	}
	// Small windows fit.
	out.Reset()
	f = jenaFlags{file: p, missing: "reject", lookback: 2, delay: 1, step: 1, batch: 1}
	if err := runDataJena(&out, f); err != nil {
		t.Fatalf("small windows: %v\n%s", err, out.String())
	}
	f.missing = "zero"
	if err := runDataJena(&out, f); err == nil || !strings.Contains(err.Error(), "fill-linear") {
		t.Fatalf("bad policy: %v", err)
	}
	f.missing, f.file = "reject", filepath.Join(dir, "none.csv")
	if err := runDataJena(&out, f); err == nil || !strings.Contains(err.Error(), "none.csv") {
		t.Fatalf("missing file: %v", err)
	}
}
