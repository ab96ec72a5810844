package imdb

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seqconv/seqconv/datasets"
)

// The tiny fixtures and the expected values of TestTinyNPZ come from
// testdata/make_fixtures.py, which prints them by running numpy's
// RandomState and the documented load_data steps on the fixture.

func TestTinyNPZ(t *testing.T) {
	type want struct {
		xTrain [][]int32
		yTrain []int32
		xTest  [][]int32
		yTest  []int32
	}
	cases := []struct {
		opts Options
		want want
	}{
		{Options{}, want{
			[][]int32{{1, 6}, {1, 10, 2, 12, 13, 14}, {1, 4, 17, 25, 19}, {1, 8, 5}}, []int32{0, 1, 1, 0},
			[][]int32{{1, 15, 16}, {1, 7, 8, 9}, {1, 103, 203, 303, 403}}, []int32{1, 0, 1}}},
		{Options{NumWords: 20}, want{
			[][]int32{{1, 6}, {1, 10, 2, 12, 13, 14}, {1, 4, 17, 2, 19}, {1, 8, 5}}, []int32{0, 1, 1, 0},
			[][]int32{{1, 15, 16}, {1, 7, 8, 9}, {1, 2, 2, 2, 2}}, []int32{1, 0, 1}}},
		{Options{NumWords: 20, SkipTop: 5, Maxlen: 5}, want{
			[][]int32{{2, 6}, {2, 8, 5}}, []int32{0, 0},
			[][]int32{{2, 15, 16}, {2, 7, 8, 9}}, []int32{1, 0}}},
		{Options{Seed: None, StartChar: None, OOVChar: None, IndexFrom: None, NumWords: 12}, want{
			[][]int32{{7, 9, 10, 11}, {3}, {5, 2}, {1}}, []int32{1, 0, 0, 1},
			[][]int32{{4, 5, 6}, {}, {}}, []int32{0, 1, 1}}},
	}
	// The second round goes through the cache: written on the first case,
	// read back by the others.
	defer func(n int) { minCacheSize = n }(minCacheSize)
	dir := t.TempDir()
	for round, file := range []string{"imdb_tiny.npz", "imdb_tiny_compressed.npz", "imdb_tiny_proto2.npz", "imdb_tiny.npz"} {
		if round == 3 {
			minCacheSize = 0
		}
		for _, c := range cases {
			c.opts.Path = filepath.Join("testdata", file)
			c.opts.CacheDir = dir
			tr, te, err := LoadData(c.opts)
			if err != nil {
				t.Fatalf("%s %+v: %v", file, c.opts, err)
			}
			got := want{tr.X, tr.Y, te.X, te.Y}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("round %d %+v:\n got %v\nwant %v", round, c.opts, got, c.want)
			}
		}
		if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != map[bool]int{true: 1, false: 0}[round == 3] {
			t.Errorf("round %d: cache folder holds %v", round, files)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	tiny := filepath.Join("testdata", "imdb_tiny.npz")
	cases := map[string]struct {
		opts Options
		want string
	}{
		"negative num words": {Options{NumWords: -3, Path: tiny}, "must not be negative"},
		"seed too big":       {Options{Seed: 1 << 32, Path: tiny}, "outside numpy's range"},
		"bad oov":            {Options{OOVChar: -7, Path: tiny}, "OOVChar -7"},
		"maxlen too small":   {Options{Maxlen: 1, Path: tiny}, "increase Maxlen"},
		"unknown file kind":  {Options{Path: "reviews.csv"}, "want a Keras imdb.npz"},
		"missing npz":        {Options{Path: filepath.Join("testdata", "nope.npz")}, "nope.npz"},
		"npz without x_test": {Options{Path: filepath.Join("..", "..", "internal", "npz", "testdata", "uint8.npy") + ".npz"}, "npz"},
	}
	for name, c := range cases {
		_, _, err := LoadData(c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", name, err, c.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	got := Tokenize("Hello, World! It's <br /><br />GREAT\tfun\n(10/10)  naïve don't-stop\r\n")
	want := []string{"hello", "world", "it's", "br", "br", "great", "fun", "10", "10", "naïve", "don't", "stop\r"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := Tokenize(" ,.;  "); len(got) != 0 {
		t.Errorf("separators only: got %q", got)
	}
}

func TestVocab(t *testing.T) {
	v, err := DefaultVocab()
	if err != nil {
		t.Fatal(err)
	}
	if v.Len() != 88584 {
		t.Errorf("Len = %d, want 88584", v.Len())
	}
	if got := v.MostFrequent(5); !reflect.DeepEqual(got, []string{"the", "and", "a", "of", "to"}) {
		t.Errorf("MostFrequent(5) = %q", got)
	}
	if r, ok := v.Rank("brilliant"); !ok || r != 527 {
		t.Errorf("Rank(brilliant) = %d, %v; want 527 (id 530 in the first review)", r, ok)
	}
	if w, ok := v.Word(11); !ok || w != "this" {
		t.Errorf("Word(11) = %q, %v; want this (id 14 in the first review)", w, ok)
	}
	if _, ok := v.Word(88585); ok {
		t.Error("Word(88585) exists")
	}
	wi, err := WordIndex()
	if err != nil || len(wi) != 88584 || wi["fawn"] != 34701 {
		t.Errorf("WordIndex: %d words, fawn=%d, err %v", len(wi), wi["fawn"], err)
	}
	wi["fawn"] = 1 // a copy: the shared vocabulary must not change
	if r, _ := v.Rank("fawn"); r != 34701 {
		t.Error("WordIndex returned the shared map")
	}
	if got := v.Decode([]int32{0, 1, 2, 14, 22, 999999}); got != "? ? ? this film ?" {
		t.Errorf("Decode = %q", got)
	}
	if got, err := Decode([]int32{1, 14, 22}); err != nil || got != "? this film" {
		t.Errorf("package Decode = %q, %v", got, err)
	}
	if got, err := Encode("Unknownzzqx THIS, film", 20); err != nil || !reflect.DeepEqual(got, []int32{1, 14, 2}) {
		t.Errorf("package Encode = %v, %v; want [1 14 2] (unknown word left out, 22 ≥ 20 is OOV)", got, err)
	}
	for _, bad := range []string{`{"a": 0}`, `{"a": 1, "b": 1}`, `{"a": 3}`, `[1]`} {
		if _, err := NewVocab([]byte(bad)); err == nil {
			t.Errorf("NewVocab(%s): no error", bad)
		}
	}
}

var (
	fullOnce           sync.Once
	fullTrain, fullTst Split
	fullErr            error
	fullCacheDir       string
)

// loadFull loads the shipped data once per test binary (num_words=10000),
// through a cache in a temporary folder.
func loadFull(t *testing.T) (Split, Split) {
	t.Helper()
	if testing.Short() {
		t.Skip("full dataset in -short mode")
	}
	fullOnce.Do(func() {
		fullCacheDir, fullErr = os.MkdirTemp("", "seqconv-imdb-test")
		if fullErr == nil {
			fullTrain, fullTst, fullErr = LoadData(Options{NumWords: 10000, CacheDir: fullCacheDir})
		}
	})
	if fullErr != nil {
		t.Fatal(fullErr)
	}
	return fullTrain, fullTst
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fullCacheDir != "" {
		os.RemoveAll(fullCacheDir)
	}
	os.Exit(code)
}

// TestKerasValues checks the shipped data against the widely published
// values of keras.datasets.imdb.load_data(num_words=10000).
func TestKerasValues(t *testing.T) {
	train, test := loadFull(t)
	if train.Len() != 25000 || test.Len() != 25000 {
		t.Fatalf("sizes %d, %d; want 25000, 25000", train.Len(), test.Len())
	}
	first := []int32{1, 14, 22, 16, 43, 530, 973, 1622, 1385, 65, 458, 4468, 66, 3941, 4, 173, 36, 256, 5, 25, 100, 43, 838, 112, 50, 670, 2, 9, 35, 480, 284, 5, 150, 4, 172, 112, 167, 2, 336, 385, 39, 4, 172, 4536, 1111, 17, 546, 38, 13, 447, 4, 192, 50, 16, 6, 147, 2025, 19, 14, 22, 4, 1920, 4613, 469, 4, 22, 71, 87, 12, 16, 43, 530, 38, 76, 15, 13, 1247, 4, 22, 17, 515, 17, 12, 16, 626, 18}
	if got := train.X[0]; len(got) != 218 || !reflect.DeepEqual(got[:len(first)], first) {
		t.Errorf("train[0] (len %d) starts %v", len(got), got[:min(len(got), len(first))])
	}
	if !reflect.DeepEqual(train.Y[:10], []int32{1, 0, 0, 1, 0, 0, 1, 0, 1, 0}) {
		t.Errorf("y_train[:10] = %v", train.Y[:10])
	}
	second := []int32{1, 194, 1153, 194, 8255, 78, 228, 5, 6, 1463, 4369, 5012, 134, 26, 4, 715, 8, 118, 1634, 14}
	if got := train.X[1]; len(got) != 189 || !reflect.DeepEqual(got[:len(second)], second) {
		t.Errorf("train[1] (len %d, want 189) starts %v", len(got), got[:min(len(got), len(second))])
	}
	test0 := []int32{1, 591, 202, 14, 31, 6, 717, 10, 10, 2, 2, 5, 4, 360, 7, 4, 177, 5760, 394, 354, 4, 123, 9, 1035, 1035, 1035, 10, 10, 13, 92, 124, 89, 488, 7944, 100, 28, 1668, 14, 31, 23, 27, 7479, 29, 220, 468, 8, 124, 14, 286, 170, 8, 157, 46, 5, 27, 239, 16, 179, 2, 38, 32, 25, 7944, 451, 202, 14, 6, 717}
	if !reflect.DeepEqual(test.X[0], test0) || test.Y[0] != 0 {
		t.Errorf("test[0] = %v, label %d", test.X[0], test.Y[0])
	}
	pos := 0
	for s, split := range []Split{train, test} {
		for i, x := range split.X {
			for _, id := range x {
				if id < 1 || id >= 10000 {
					t.Fatalf("split %d review %d has id %d outside [1, 10000)", s, i, id)
				}
			}
		}
		for _, y := range split.Y {
			pos += int(y)
		}
	}
	if pos != 25000 {
		t.Errorf("%d positive labels, want 25000", pos)
	}
	v, err := DefaultVocab()
	if err != nil {
		t.Fatal(err)
	}
	wantText := "? this film was just brilliant casting location scenery story direction everyone's really suited the part they played and you could just imagine being there robert ? is an amazing actor and now the same being director ? father came from the same scottish island as myself"
	if got := v.Decode(train.X[0]); !strings.HasPrefix(got, wantText) {
		t.Errorf("Decode(train[0]) = %q…", got[:min(len(got), len(wantText))])
	}
}

// TestEncodeMatchesDataset encodes the raw text of train review 0 (the
// positive file at index 7798 of the sorted names, RandomState(113)'s first
// pick) and test review 0 and compares with the loaded sequences.
func TestEncodeMatchesDataset(t *testing.T) {
	train, test := loadFull(t)
	texts := map[string][]byte{}
	files := make(chan *reviewFile, 16)
	go func() {
		defer close(files)
		if err := scanArchive(strings.NewReader(datasets.IMDBArchive()), files); err != nil {
			t.Error(err)
		}
	}()
	var names [2][2][]string
	for f := range files {
		l := 0
		if f.pos {
			l = 1
		}
		names[f.split][l] = append(names[f.split][l], f.name)
		texts[[]string{"train", "test"}[f.split]+"/"+f.name+string('0'+byte(l))] = f.text
	}
	for s := range names {
		for l := range names[s] {
			slices.Sort(names[s][l])
		}
	}
	v, _ := DefaultVocab()
	// Train review 0 is raw index 7798 (pos); test review 0 is raw index
	// 22748 (neg: 22748−12500 = 10248), per the numpyrand tests.
	rawTrain := texts["train/"+names[0][1][7798]+"1"]
	rawTest := texts["test/"+names[1][0][22748-12500]+"0"]
	if got := v.Encode(string(rawTrain), 10000); !reflect.DeepEqual(got, train.X[0]) {
		t.Errorf("Encode(train text) = %v…, want %v…", got[:10], train.X[0][:10])
	}
	if got := v.Encode(string(rawTest), 10000); !reflect.DeepEqual(got, test.X[0]) {
		t.Errorf("Encode(test text) = %v, want %v", got, test.X[0])
	}
}

// tinyArchive builds an aclImdb-shaped tar.gz holding the given reviews.
func tinyArchive(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, text := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(text)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "tiny.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestArchiveOrderAndCache(t *testing.T) {
	// Name order is bytewise ("10_1" < "2_1"), pos before neg; words not
	// in the index ("zzqx") are left out.
	arch := tinyArchive(t, map[string]string{
		"aclImdb/train/neg/2_1.txt":   "the film",
		"aclImdb/train/neg/10_1.txt":  "A zzqx bad film.",
		"aclImdb/train/pos/5_9.txt":   "Brilliant!",
		"aclImdb/test/pos/0_8.txt":    "the the",
		"aclImdb/test/neg/0_2.txt":    "awful",
		"aclImdb/README":              "not a review",
		"aclImdb/train/unsup/1_0.txt": "ignored",
	})
	v, _ := DefaultVocab()
	id := func(w string) int32 { r, _ := v.Rank(w); return int32(r) + 3 }
	dir := t.TempDir()
	// Cache even this tiny archive.
	defer func(n int) { minCacheSize = n }(minCacheSize)
	minCacheSize = 0
	opts := Options{Path: arch, CacheDir: dir, Seed: None}
	tr, te, err := LoadData(opts)
	if err != nil {
		t.Fatal(err)
	}
	// numpy: RandomState(0).shuffle(np.arange(3)) gives [2, 1, 0], then
	// the same generator's shuffle(np.arange(2)) gives [0, 1]
	// (checked with numpy 1.24).
	wantTrain := [][]int32{{1, id("the"), id("film")}, {1, id("a"), id("bad"), id("film")}, {1, id("brilliant")}}
	wantTest := [][]int32{{1, id("the"), id("the")}, {1, id("awful")}}
	// Without num_words Keras maps the largest id to OOV.
	top := max(id("the"), id("film"), id("a"), id("bad"), id("brilliant"), id("awful"))
	for _, x := range append(append([][]int32{}, wantTrain...), wantTest...) {
		for i := range x {
			if x[i] == top {
				x[i] = 2
			}
		}
	}
	if !reflect.DeepEqual(tr.X, wantTrain) || !reflect.DeepEqual(tr.Y, []int32{0, 0, 1}) ||
		!reflect.DeepEqual(te.X, wantTest) || !reflect.DeepEqual(te.Y, []int32{1, 0}) {
		t.Fatalf("got train %v %v test %v %v\nwant %v / %v", tr.X, tr.Y, te.X, te.Y, wantTrain, wantTest)
	}

	cached, err := filepath.Glob(filepath.Join(dir, "imdb-*.bin"))
	if err != nil || len(cached) != 1 {
		t.Fatalf("cache files %v, %v; want one", cached, err)
	}
	// A valid cache file under the same key is trusted: plant different
	// data and see it come back.
	b, err := os.ReadFile(cached[0])
	if err != nil {
		t.Fatal(err)
	}
	var key [32]byte
	copy(key[:], b[8:40])
	planted := encodeCache(key, newRawSplit([][]int32{{7}}, []int32{1}), newRawSplit([][]int32{{8}}, []int32{0}))
	if err := os.WriteFile(cached[0], planted, 0o644); err != nil {
		t.Fatal(err)
	}
	tr2, _, err := LoadData(Options{Path: arch, CacheDir: dir, NumWords: 100})
	if err != nil || !reflect.DeepEqual(tr2.X, [][]int32{{1, 10}}) {
		t.Fatalf("from planted cache: %v, %v", tr2.X, err)
	}
	// A damaged file is ignored and rewritten.
	for _, damage := range [][]byte{planted[:len(planted)-1], append(planted[:60:60], 0xff), []byte("junk")} {
		if err := os.WriteFile(cached[0], damage, 0o644); err != nil {
			t.Fatal(err)
		}
		tr3, _, err := LoadData(opts)
		if err != nil || !reflect.DeepEqual(tr3.X, wantTrain) {
			t.Fatalf("after damage: %v, %v", tr3.X, err)
		}
		rawTr, rawTe := mustRaw(t, arch)
		if b, _ := os.ReadFile(cached[0]); !bytes.Equal(b, encodeCache(key, rawTr, rawTe)) {
			t.Errorf("damaged cache was not rewritten")
		}
	}
	// NoCache neither reads nor writes.
	dir2 := t.TempDir()
	if _, _, err := LoadData(Options{Path: arch, CacheDir: dir2, NoCache: true}); err != nil {
		t.Fatal(err)
	}
	if f, _ := filepath.Glob(filepath.Join(dir2, "*")); len(f) != 0 {
		t.Errorf("NoCache wrote %v", f)
	}
}

func mustRaw(t *testing.T, arch string) (*rawSplit, *rawSplit) {
	t.Helper()
	b, err := os.ReadFile(arch)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := DefaultVocab()
	tr, te, err := readArchive(bytes.NewReader(b), v)
	if err != nil {
		t.Fatal(err)
	}
	return tr, te
}

func TestArchiveErrors(t *testing.T) {
	onlyTrain := tinyArchive(t, map[string]string{"aclImdb/train/pos/1_9.txt": "good"})
	if _, _, err := LoadData(Options{Path: onlyTrain, NoCache: true}); err == nil || !strings.Contains(err.Error(), "no test") {
		t.Errorf("archive without test: err = %v", err)
	}
	notGzip := filepath.Join(t.TempDir(), "x.tgz")
	os.WriteFile(notGzip, []byte("plain text"), 0o644)
	if _, _, err := LoadData(Options{Path: notGzip, NoCache: true}); err == nil || !strings.Contains(err.Error(), "x.tgz") {
		t.Errorf("not gzip: err = %v", err)
	}
}

func TestPruneCache(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	touch := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The file just written is the oldest by mtime here on purpose: it is
	// kept whatever its time.
	written := touch("imdb-000.bin", 48*time.Hour)
	for i, age := range []time.Duration{1, 2, 3, 4, 5} {
		touch(fmt.Sprintf("imdb-%03d.bin", i+1), age*time.Hour)
	}
	touch(".imdb-1.tmp", 2*time.Hour)      // left by an interrupted write
	touch(".imdb-2.tmp", time.Minute)      // possibly another process's write in progress
	touch("notes.txt", 100*time.Hour)      // not ours
	touch("imdb-notes.txt", 100*time.Hour) // not a cache file
	pruneCache(dir, written, now)
	var got []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{".imdb-2.tmp", "imdb-000.bin", "imdb-001.bin", "imdb-002.bin", "imdb-003.bin", "imdb-notes.txt", "notes.txt"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after pruning: %v\nwant %v", got, want)
	}
}

// A cache hit refreshes the file's time, so the files in use are the ones
// pruning keeps.
func TestCacheHitRefreshesTime(t *testing.T) {
	arch := tinyArchive(t, map[string]string{"aclImdb/train/pos/1_9.txt": "good", "aclImdb/test/neg/1_1.txt": "bad"})
	dir := t.TempDir()
	defer func(n int) { minCacheSize = n }(minCacheSize)
	minCacheSize = 0
	if _, _, err := LoadData(Options{Path: arch, CacheDir: dir}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "imdb-*.bin"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	old := time.Now().Add(-240 * time.Hour)
	if err := os.Chtimes(files[0], old, old); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadData(Options{Path: arch, CacheDir: dir}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(files[0]); err != nil || time.Since(fi.ModTime()) > time.Hour {
		t.Fatalf("cache file time after a hit: %v, %v; want refreshed", fi.ModTime(), err)
	}
}
