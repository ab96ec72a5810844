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
			_, _ = a.Tensor()
		}
	})
}

// FuzzReadNPZ does the same for whole .npz archives, read whole and as
// positional tensors.
func FuzzReadNPZ(f *testing.F) {
	addFixtures(f, filepath.Join("..", "..", "data", "imdb", "testdata", "*.npz"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadTensors(bytes.NewReader(data), int64(len(data)))
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

// FuzzUnpickle feeds the pickle part of object arrays straight to the
// unpickler: arbitrary bytes give elements or an error, never a panic.
func FuzzUnpickle(f *testing.F) {
	for _, name := range []string{"object_lists.npy", "object_lists_proto2.npy", "object_lists_proto5.npy", "object_strings.npy"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		// Version 1 headers: 10 fixed bytes, then the header text.
		f.Add(b[10+(int(b[8])|int(b[9])<<8):])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, shape, err := unpickleArray(bytes.NewReader(data))
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if len(objs) != n {
			t.Fatalf("%d objects for shape %v", len(objs), shape)
		}
	})
}
