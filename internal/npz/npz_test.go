package npz

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The fixtures are written by data/imdb/testdata/make_fixtures.py with
// numpy 1.24.

func readFixture(t *testing.T, name string) *Array {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := ReadNPY(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

func TestNumericArrays(t *testing.T) {
	cases := []struct {
		file  string
		descr string
		shape []int
		want  []int64
	}{
		{"int32_2x3.npy", "<i4", []int{2, 3}, []int64{-2, -1, 0, 1, 2, 3}},
		{"uint8.npy", "|u1", []int{3}, []int64{0, 255, 7}},
		{"int64_be.npy", ">i8", []int{3}, []int64{-1, 1 << 40, 3}},
		{"bool.npy", "|b1", []int{3}, []int64{1, 0, 1}},
	}
	for _, c := range cases {
		a := readFixture(t, c.file)
		if a.Descr != c.descr || !reflect.DeepEqual(a.Shape, c.shape) || a.Fortran {
			t.Errorf("%s: header %q %v %v", c.file, a.Descr, a.Shape, a.Fortran)
		}
		got, err := a.Ints()
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.file, got, c.want)
		}
	}
	if _, err := readFixture(t, "float32.npy").Ints(); err == nil || !strings.Contains(err.Error(), "float") {
		t.Errorf("Ints on float32: err = %v, want a float error", err)
	}
}

func TestObjectArrays(t *testing.T) {
	want := [][]int32{{1, 2, 3}, {}, {-4, 2147483647}}
	for _, name := range []string{"object_lists.npy", "object_lists_proto2.npy", "object_lists_proto5.npy"} {
		a := readFixture(t, name)
		if !a.IsObject() || !reflect.DeepEqual(a.Shape, []int{3}) {
			t.Errorf("%s: header %q %v", name, a.Descr, a.Shape)
		}
		got, err := a.IntLists()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	if _, err := readFixture(t, "object_strings.npy").IntLists(); err == nil || !strings.Contains(err.Error(), "element 0") {
		t.Errorf("IntLists on strings: err = %v, want an element error", err)
	}
	if _, err := readFixture(t, "object_lists.npy").Ints(); err == nil {
		t.Error("Ints on an object array: no error")
	}
}

func TestReadNPZ(t *testing.T) {
	for _, name := range []string{"imdb_tiny.npz", "imdb_tiny_compressed.npz", "imdb_tiny_proto2.npz"} {
		m, err := Open(filepath.Join("..", "..", "data", "imdb", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		x, err := m["x_train"].IntLists()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		y, err := m["y_test"].Ints()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(x[2], []int32{7, 88584, 9, 10, 11}) || len(x) != 4 || !reflect.DeepEqual(y, []int64{0, 1, 1}) {
			t.Errorf("%s: x_train %v, y_test %v", name, x, y)
		}
	}
}

func TestMalformed(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "int32_2x3.npy"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := os.ReadFile(filepath.Join("testdata", "object_lists.npy"))
	if err != nil {
		t.Fatal(err)
	}
	hdr := func(h string) []byte {
		b := []byte("\x93NUMPY\x01\x00")
		b = append(b, byte(len(h)), byte(len(h)>>8))
		return append(b, h...)
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":         {nil, "magic"},
		"bad magic":     {[]byte("PK\x03\x04xxxxxxxx"), "magic"},
		"version 9":     {[]byte("\x93NUMPY\x09\x00\x00\x00"), "version 9"},
		"short header":  {good[:20], "header"},
		"short data":    {good[:len(good)-3], "data ends after 21 of 24 bytes"},
		"short pickle":  {obj[:len(obj)-10], "unpickling"},
		"structured":    {hdr("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }"), "structured"},
		"missing shape": {hdr("{'descr': '<i4', 'fortran_order': False}"), "missing"},
		"huge shape":    {hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }"), "more than"},
		"huge data":     {hdr("{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000,), }"), "needs 8000000000 bytes"},
		"complex dtype": {hdr("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"), "unsupported dtype"},
		"unknown key":   {hdr("{'descr': '<i4', 'order': False, 'shape': (1,), }"), "unknown key"},
		"evil global":   {append(hdr("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), []byte("\x80\x02cos\nsystem\nq\x00.")...), "os.system"},
	}
	for name, c := range cases {
		_, err := ReadNPY(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", name, err, c.want)
		}
	}
	if _, err := ReadNPZ(bytes.NewReader(good), int64(len(good))); err == nil || !strings.Contains(err.Error(), "npz") {
		t.Errorf("npy given as npz: err = %v", err)
	}
}
