// Package imdb loads the IMDB movie review sentiment dataset exactly as
// Keras's keras.datasets.imdb.load_data returns it: the same reviews, in the
// same shuffled order, encoded with the same ids, for every combination of
// its arguments.
//
// The data come from the Large Movie Review Dataset archive and Keras's word
// index shipped in package datasets, tokenized with Keras's rules; a user's
// own Keras imdb.npz, or another copy of the aclImdb archive, can be read
// instead (Options.Path). The first load decompresses and tokenizes 50,000
// reviews; the result is cached under the user's cache folder, keyed by a
// hash of the data, so later loads take a fraction of that.
package imdb

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/seqconv/seqconv/datasets"
	"github.com/seqconv/seqconv/internal/npz"
	"github.com/seqconv/seqconv/internal/numpyrand"
	"github.com/seqconv/seqconv/tensor"
)

// None, given as Options.StartChar, OOVChar or IndexFrom, stands for
// Keras's None (no start id; drop out-of-range words; no offset). Given as
// Options.Seed it selects numpy seed 0, since a zero Seed means the default.
const None = -1

// Options are the arguments of Keras's imdb.load_data. The zero value means
// Keras's defaults: every word, no skipping, no length limit, seed 113,
// start id 1, out-of-vocabulary id 2, words from id 3.
type Options struct {
	// NumWords, when positive, maps every id ≥ NumWords (the rarer words)
	// to OOVChar, so that all ids stay below NumWords. 0 is Keras's None:
	// every word is kept except that, as in Keras, the single largest id
	// becomes OOVChar.
	NumWords int
	// SkipTop maps every id below SkipTop (the most frequent words, and the
	// start id when SkipTop > StartChar) to OOVChar.
	SkipTop int
	// Maxlen, when positive, drops every review whose encoded length
	// (start id included) is Maxlen or more, as Keras does; it does not
	// truncate. Use sequence.PadSequences to truncate.
	Maxlen int
	// Seed is the numpy RandomState seed of the shuffle, 0 for Keras's 113,
	// None for seed 0; at most 2^32−1.
	Seed int64
	// StartChar is the id put before every review (0 means 1; None: none).
	StartChar int
	// OOVChar replaces ids outside [SkipTop, NumWords) (0 means 2; None:
	// such ids are dropped instead).
	OOVChar int
	// IndexFrom is added to every word rank (0 means 3; None: nothing).
	IndexFrom int

	// Path, if set, reads the data from a file instead of the shipped
	// archive: a Keras imdb.npz (name ending in .npz), or an aclImdb
	// archive (.tar.gz or .tgz) tokenized with the shipped word index.
	Path string
	// CacheDir is where the tokenized archive is cached; "" means
	// seqconv's folder in os.UserCacheDir.
	CacheDir string
	// NoCache disables reading and writing the cache.
	NoCache bool
}

// Split is one half of the dataset, aligned by index.
type Split struct {
	// X holds the reviews as ids.
	X [][]int32
	// Y holds the labels: 1 positive, 0 negative.
	Y []int32
}

// Len returns the number of reviews.
func (s Split) Len() int { return len(s.X) }

// Labels returns Y as a float32 tensor of shape [n, 1], the shape of a
// Dense(1) model's output, for binary cross-entropy.
func (s Split) Labels() *tensor.Tensor {
	t := tensor.New(len(s.Y), 1)
	for i, y := range s.Y {
		t.Data[i] = float32(y)
	}
	return t
}

// resolved holds Options with defaults applied; negative means Keras None.
type resolved struct {
	numWords, skipTop, maxlen int
	seed                      uint32
	startChar, oovChar        int
	indexFrom                 int
}

func (o Options) resolve() (resolved, error) {
	r := resolved{numWords: o.NumWords, skipTop: o.SkipTop, maxlen: o.Maxlen,
		startChar: o.StartChar, oovChar: o.OOVChar, indexFrom: o.IndexFrom}
	if o.NumWords < 0 || o.SkipTop < 0 || o.Maxlen < 0 {
		return r, fmt.Errorf("imdb: NumWords (%d), SkipTop (%d) and Maxlen (%d) must not be negative", o.NumWords, o.SkipTop, o.Maxlen)
	}
	switch {
	case o.Seed == 0:
		r.seed = DefaultSeed
	case o.Seed == None:
		r.seed = 0
	case o.Seed < 0 || o.Seed > math.MaxUint32:
		return r, fmt.Errorf("imdb: seed %d is outside numpy's range 0..2^32-1", o.Seed)
	default:
		r.seed = uint32(o.Seed)
	}
	def := func(v *int, d int, name string) error {
		switch {
		case *v == 0:
			*v = d
		case *v == None:
		case *v < 0 || *v > math.MaxInt32/2:
			return fmt.Errorf("imdb: %s %d is out of range", name, *v)
		}
		return nil
	}
	if err := def(&r.startChar, DefaultStartChar, "StartChar"); err != nil {
		return r, err
	}
	if err := def(&r.oovChar, DefaultOOVChar, "OOVChar"); err != nil {
		return r, err
	}
	if err := def(&r.indexFrom, DefaultIndexFrom, "IndexFrom"); err != nil {
		return r, err
	}
	if r.indexFrom == None {
		r.indexFrom = 0
	}
	return r, nil
}

// LoadData returns the training and test reviews and labels exactly as
// keras.datasets.imdb.load_data(...) returns them for the same arguments:
// 25,000 reviews in each split, shuffled with numpy's RandomState(seed).
func LoadData(opts Options) (train, test Split, err error) {
	o, err := opts.resolve()
	if err != nil {
		return Split{}, Split{}, err
	}
	rawTrain, rawTest, err := loadRaw(opts)
	if err != nil {
		return Split{}, Split{}, err
	}
	train, test = apply(o, rawTrain, rawTest)
	if o.maxlen > 0 && (train.Len() == 0 || test.Len() == 0) {
		return Split{}, Split{}, fmt.Errorf("imdb: no review is shorter than maxlen=%d; increase Maxlen", o.maxlen)
	}
	return train, test, nil
}

// apply performs Keras's steps on the raw splits: shuffle (one generator,
// train then test), start id and offset, the maxlen filter, then the
// num_words/skip_top mapping.
func apply(o resolved, rawTrain, rawTest *rawSplit) (train, test Split) {
	rng := numpyrand.New(o.seed)
	perms := [2][]int{rng.Permutation(rawTrain.len()), rng.Permutation(rawTest.len())}
	raws := [2]*rawSplit{rawTrain, rawTest}

	// Which reviews survive the maxlen filter, and the largest id among
	// them (Keras's num_words when it is None).
	start := 0
	if o.startChar != None {
		start = 1
	}
	maxID := math.MinInt
	var kept [2][]int
	for s, raw := range raws {
		for _, i := range perms[s] {
			r := raw.review(i)
			n := len(r) + start
			if o.maxlen > 0 && n >= o.maxlen {
				continue
			}
			kept[s] = append(kept[s], i)
			if start == 1 {
				maxID = max(maxID, o.startChar)
			}
			for _, w := range r {
				maxID = max(maxID, int(w)+o.indexFrom)
			}
		}
	}
	numWords := o.numWords
	if numWords == 0 {
		numWords = maxID
	}
	mapID := func(w int) (int32, bool) {
		if o.skipTop <= w && w < numWords {
			return int32(w), true
		}
		if o.oovChar == None {
			return 0, false
		}
		return int32(o.oovChar), true
	}

	var out [2]Split
	for s, raw := range raws {
		total := 0
		for _, i := range kept[s] {
			total += len(raw.review(i)) + start
		}
		flat := make([]int32, 0, total)
		x := make([][]int32, len(kept[s]))
		y := make([]int32, len(kept[s]))
		for k, i := range kept[s] {
			b := len(flat)
			if start == 1 {
				if id, ok := mapID(o.startChar); ok {
					flat = append(flat, id)
				}
			}
			for _, w := range raw.review(i) {
				if id, ok := mapID(int(w) + o.indexFrom); ok {
					flat = append(flat, id)
				}
			}
			x[k] = flat[b:len(flat):len(flat)]
			y[k] = raw.labels[i]
		}
		out[s] = Split{X: x, Y: y}
	}
	return out[0], out[1]
}

// loadRaw returns the raw splits from opts.Path or the shipped archive,
// through the cache when the source is an archive.
func loadRaw(opts Options) (train, test *rawSplit, err error) {
	p := opts.Path
	lower := strings.ToLower(p)
	isNPZ := strings.HasSuffix(lower, ".npz")
	switch {
	case p == "":
		train, test, err = cached(opts, len(datasets.IMDBArchive()), shippedKey, func() (*rawSplit, *rawSplit, error) {
			return readArchiveWithVocab(datasets.IMDBArchive())
		})
		if err != nil {
			return nil, nil, fmt.Errorf("imdb: shipped data: %w", err)
		}
		return train, test, nil
	case isNPZ || strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".tgz"):
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("imdb: %w", err)
		}
		kind := "archive"
		if isNPZ {
			kind = "npz"
		}
		key := func() [32]byte { return cacheKey(kind, string(b), string(datasets.IMDBWordIndex())) }
		train, test, err = cached(opts, len(b), key, func() (*rawSplit, *rawSplit, error) {
			if isNPZ {
				return parseNPZ(b)
			}
			return readArchiveWithVocab(string(b))
		})
		if err != nil {
			return nil, nil, fmt.Errorf("imdb: %s: %w", p, err)
		}
		return train, test, nil
	}
	return nil, nil, fmt.Errorf("imdb: %s: want a Keras imdb.npz or an aclImdb .tar.gz archive", p)
}

// shippedKey is the cache key of the shipped data, which cannot change
// while the program runs, so it is hashed once.
var shippedKey = sync.OnceValue(func() [32]byte {
	return cacheKey("archive", datasets.IMDBArchive(), string(datasets.IMDBWordIndex()))
})

func readArchiveWithVocab(archive string) (train, test *rawSplit, err error) {
	v, err := DefaultVocab()
	if err != nil {
		return nil, nil, err
	}
	return readArchive(strings.NewReader(archive), v)
}

// minCacheSize is the source size below which the cache is not used:
// parsing a small file is as quick as reading its cache entry, and small
// files (test fixtures, samples) would only litter the cache folder.
var minCacheSize = 1 << 20

// cached returns the raw splits from the cache file for key, or builds
// them and writes the file. For a source of fewer than minCacheSize bytes,
// without a usable cache folder, or with opts.NoCache, it just builds them.
func cached(opts Options, size int, key func() [32]byte, build func() (*rawSplit, *rawSplit, error)) (train, test *rawSplit, err error) {
	dir := opts.CacheDir
	if dir == "" && !opts.NoCache {
		if d, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(d, "seqconv")
		}
	}
	if opts.NoCache || dir == "" || size < minCacheSize {
		return build()
	}
	k := key()
	path := cachePath(dir, k)
	if b, err := os.ReadFile(path); err == nil {
		if train, test, err := decodeCache(b, k); err == nil {
			// Mark the file as recently used for pruneCache.
			now := time.Now()
			_ = os.Chtimes(path, now, now)
			return train, test, nil
		}
		// A damaged or foreign file: rebuild and overwrite it.
	}
	train, test, err = build()
	if err != nil {
		return nil, nil, err
	}
	// The cache is an optimization: failing to write it is not an error.
	if writeFileAtomic(path, encodeCache(k, train, test)) == nil {
		pruneCache(dir, path, time.Now())
	}
	return train, test, nil
}

// parseNPZ reads a Keras imdb.npz: x_train/x_test object arrays of rank
// lists and y_train/y_test integer labels.
func parseNPZ(b []byte) (train, test *rawSplit, err error) {
	m, err := npz.ReadNPZ(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, err
	}
	var out [2]*rawSplit
	for s, name := range []string{"train", "test"} {
		xa, ya := m["x_"+name], m["y_"+name]
		if xa == nil || ya == nil {
			return nil, nil, fmt.Errorf("lacks x_%s or y_%s", name, name)
		}
		x, err := xa.IntLists()
		if err != nil {
			return nil, nil, fmt.Errorf("x_%s: %w", name, err)
		}
		y64, err := ya.Ints()
		if err != nil {
			return nil, nil, fmt.Errorf("y_%s: %w", name, err)
		}
		if len(x) != len(y64) {
			return nil, nil, fmt.Errorf("%d x_%s but %d y_%s", len(x), name, len(y64), name)
		}
		y := make([]int32, len(y64))
		for i, v := range y64 {
			if v < math.MinInt32 || v > math.MaxInt32 {
				return nil, nil, fmt.Errorf("y_%s[%d] = %d does not fit int32", name, i, v)
			}
			y[i] = int32(v)
		}
		for i, r := range x {
			for _, w := range r {
				if w < 0 || w > math.MaxInt32/2 {
					return nil, nil, fmt.Errorf("x_%s[%d] holds id %d, want a non-negative rank", name, i, w)
				}
			}
		}
		out[s] = newRawSplit(x, y)
	}
	return out[0], out[1], nil
}
