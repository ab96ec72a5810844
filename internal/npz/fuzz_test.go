package npz

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func addFixtures(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files for %s", pattern)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzReadNPY checks that arbitrary bytes give an array or an error, never
// a panic or a runaway allocation, and that what is read converts cleanly.
func FuzzReadNPY(f *testing.F) {
	addFixtures(f, filepath.Join("testdata", "*.npy"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ReadNPY(bytes.NewReader(data))
		if err != nil {
			return
		}
		if a.IsObject() {
			_, _ = a.IntLists()
		} else {
			_, _ = a.Ints()
		}
	})
}

// FuzzReadNPZ does the same for whole .npz archives.
func FuzzReadNPZ(f *testing.F) {
	addFixtures(f, filepath.Join("..", "..", "data", "imdb", "testdata", "*.npz"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadNPZ(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, a := range m {
			_, _ = a.IntLists()
			_, _ = a.Ints()
		}
	})
}
