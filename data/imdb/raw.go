package imdb

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// rawSplit is one split as Keras's imdb.npz stores it: each review as the
// word ranks of its words (no start id, no offset), positive reviews in
// file-name order, then negative ones; labels 1 (pos) and 0 (neg).
type rawSplit struct {
	labels []int32
	offs   []int // review i is ranks[offs[i]:offs[i+1]]
	ranks  []int32
}

func (s *rawSplit) len() int             { return len(s.labels) }
func (s *rawSplit) review(i int) []int32 { return s.ranks[s.offs[i]:s.offs[i+1]] }

// newRawSplit builds a rawSplit from reviews and labels.
func newRawSplit(reviews [][]int32, labels []int32) *rawSplit {
	total := 0
	for _, r := range reviews {
		total += len(r)
	}
	s := &rawSplit{labels: labels, offs: make([]int, 1, len(reviews)+1), ranks: make([]int32, 0, total)}
	for _, r := range reviews {
		s.ranks = append(s.ranks, r...)
		s.offs = append(s.offs, len(s.ranks))
	}
	return s
}

// reviewFile is one review read from the archive, waiting to be tokenized.
type reviewFile struct {
	split int // 0 train, 1 test
	pos   bool
	name  string
	text  []byte
	ranks []int32
}

// classify reports where an archive member belongs: …/{train,test}/{pos,neg}/NAME.txt.
func classify(name string) (split int, pos bool, base string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(name, "./"), "/")
	if len(parts) < 3 {
		return 0, false, "", false
	}
	s, l, base := parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
	if !strings.HasSuffix(base, ".txt") {
		return 0, false, "", false
	}
	switch s {
	case "train":
		split = 0
	case "test":
		split = 1
	default:
		return 0, false, "", false
	}
	switch l {
	case "pos":
		pos = true
	case "neg":
	default:
		return 0, false, "", false
	}
	return split, pos, base, true
}

// maxReviewBytes bounds one review file; the longest IMDB review is about
// 14 kB, so anything near this size means a wrong archive.
const maxReviewBytes = 16 << 20

// readArchive reads the aclImdb tar.gz and returns the train and test
// splits in Keras's pre-shuffle order. Decompression runs in one goroutine
// while the others tokenize.
func readArchive(r io.Reader, v *Vocab) (train, test *rawSplit, err error) {
	files := make(chan *reviewFile, 256)
	done := make(chan *reviewFile, 256)
	var readErr error
	go func() {
		defer close(files)
		readErr = scanArchive(r, files)
	}()

	workers := max(runtime.GOMAXPROCS(0)-1, 1)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range files {
				f.ranks = v.table.ranks(make([]int32, 0, len(f.text)/5), f.text)
				f.text = nil
				done <- f
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	// byName[split][pos] maps file name → ranks.
	var byName [2][2]map[string][]int32
	for s := range byName {
		for l := range byName[s] {
			byName[s][l] = make(map[string][]int32, 12500)
		}
	}
	dup := ""
	for f := range done {
		l := 0
		if f.pos {
			l = 1
		}
		if _, seen := byName[f.split][l][f.name]; seen {
			dup = f.name
		}
		byName[f.split][l][f.name] = f.ranks
	}
	if readErr != nil {
		return nil, nil, readErr
	}
	if dup != "" {
		return nil, nil, fmt.Errorf("archive holds %s twice", dup)
	}
	var out [2]*rawSplit
	for s, name := range []string{"train", "test"} {
		var reviews [][]int32
		var labels []int32
		for _, l := range []int{1, 0} { // pos first, then neg
			// Bytewise order, as Python's sorted() orders the names.
			for _, n := range slices.Sorted(maps.Keys(byName[s][l])) {
				reviews = append(reviews, byName[s][l][n])
				labels = append(labels, int32(l))
			}
		}
		if len(reviews) == 0 {
			return nil, nil, fmt.Errorf("archive has no %s/pos or %s/neg reviews", name, name)
		}
		out[s] = newRawSplit(reviews, labels)
	}
	return out[0], out[1], nil
}

// scanArchive sends every review file of the gzip-compressed tar to files.
func scanArchive(r io.Reader, files chan<- *reviewFile) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		split, pos, base, ok := classify(h.Name)
		if !ok {
			continue
		}
		if h.Size > maxReviewBytes {
			return fmt.Errorf("archive member %s is %d bytes, more than a review can be", h.Name, h.Size)
		}
		text := make([]byte, h.Size)
		if _, err := io.ReadFull(tr, text); err != nil {
			return fmt.Errorf("archive member %s: %w", h.Name, err)
		}
		files <- &reviewFile{split: split, pos: pos, name: base, text: text}
	}
}
