package imdb

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/seqconv/seqconv/datasets"
)

// Default values of Keras's imdb.load_data arguments.
const (
	DefaultSeed      = 113
	DefaultStartChar = 1
	DefaultOOVChar   = 2
	DefaultIndexFrom = 3
)

// sepTable maps each byte to itself lowercased, or to 0 for the bytes that
// Keras's text_to_word_sequence turns into separators: its default filters
// !"#$%&()*+,-./:;<=>?@[\]^_`{|}~, tab, newline and the space it splits on.
// Only ASCII letters are lowercased; every other byte (including '\r' and
// UTF-8 sequences) is part of a word, as when Keras built the dataset.
var sepTable = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c) + 'a' - 'A'
	}
	for _, c := range []byte("!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n ") {
		t[c] = 0
	}
	t[0] = 0 // NUL never occurs in text; treat it as a separator too
	return t
}()

// tokenize splits text into words with Keras's rules and calls fn for each.
// It lowercases text in place; the slice passed to fn is valid only during
// the call.
func tokenize(text []byte, fn func(word []byte)) {
	start := -1
	for i, c := range text {
		l := sepTable[c]
		if l == 0 {
			if start >= 0 {
				fn(text[start:i])
				start = -1
			}
			continue
		}
		text[i] = l
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		fn(text[start:])
	}
}

// Tokenize returns the words of text as Keras's text_to_word_sequence
// splits them with its default arguments (on bytes: ASCII lowercasing,
// punctuation and tab/newline to spaces, split on spaces).
func Tokenize(text string) []string {
	b := []byte(text)
	var out []string
	tokenize(b, func(w []byte) { out = append(out, string(w)) })
	return out
}

// Vocab is the IMDB word index: each word's frequency rank (1 = most
// frequent) over the training reviews, and the reverse mapping.
type Vocab struct {
	rank  map[string]int32
	words []string // words[r] is the word of rank r; words[0] is ""
	table *wordTable
}

// NewVocab parses a word index in the format of Keras's
// imdb_word_index.json: a JSON object of word → rank, ranks 1..n distinct.
func NewVocab(wordIndexJSON []byte) (*Vocab, error) {
	var m map[string]int
	if err := json.Unmarshal(wordIndexJSON, &m); err != nil {
		return nil, fmt.Errorf("imdb: word index: %w", err)
	}
	v := &Vocab{rank: make(map[string]int32, len(m)), words: make([]string, len(m)+1)}
	for w, r := range m {
		if r < 1 || r > len(m) {
			return nil, fmt.Errorf("imdb: word index: %q has rank %d, want 1..%d", w, r, len(m))
		}
		if v.words[r] != "" {
			return nil, fmt.Errorf("imdb: word index: rank %d given to both %q and %q", r, v.words[r], w)
		}
		v.words[r] = w
		v.rank[w] = int32(r)
	}
	v.table = newWordTable(v.words)
	return v, nil
}

var (
	defaultVocabOnce sync.Once
	defaultVocab     *Vocab
	defaultVocabErr  error
)

// DefaultVocab returns the vocabulary of the shipped Keras word index,
// parsed once and shared; it must not be modified.
func DefaultVocab() (*Vocab, error) {
	defaultVocabOnce.Do(func() {
		defaultVocab, defaultVocabErr = NewVocab(datasets.IMDBWordIndex())
	})
	return defaultVocab, defaultVocabErr
}

// WordIndex returns a copy of the shipped word index (word → rank), the
// dictionary keras.datasets.imdb.get_word_index() returns.
func WordIndex() (map[string]int, error) {
	v, err := DefaultVocab()
	if err != nil {
		return nil, err
	}
	return v.Index(), nil
}

// Encode is DefaultVocab().Encode(text, numWords).
func Encode(text string, numWords int) ([]int32, error) {
	v, err := DefaultVocab()
	if err != nil {
		return nil, err
	}
	return v.Encode(text, numWords), nil
}

// Decode is DefaultVocab().Decode(ids).
func Decode(ids []int32) (string, error) {
	v, err := DefaultVocab()
	if err != nil {
		return "", err
	}
	return v.Decode(ids), nil
}

// Len returns the number of words.
func (v *Vocab) Len() int { return len(v.rank) }

// Index returns a copy of the word → rank mapping.
func (v *Vocab) Index() map[string]int {
	m := make(map[string]int, len(v.rank))
	for w, r := range v.rank {
		m[w] = int(r)
	}
	return m
}

// Rank returns the rank of word, or 0 and false if it is not in the index.
func (v *Vocab) Rank(word string) (int, bool) {
	r, ok := v.rank[word]
	return int(r), ok
}

// Word returns the word of a rank, or "" and false if there is none.
func (v *Vocab) Word(rank int) (string, bool) {
	if rank < 1 || rank >= len(v.words) {
		return "", false
	}
	return v.words[rank], true
}

// Words returns the words sorted by rank, most frequent first.
func (v *Vocab) Words() []string { return append([]string(nil), v.words[1:]...) }

// Encode turns a raw review into the ids a model trained on LoadData's
// default encoding expects: the start id 1, then each word's rank + 3, with
// 2 (out of vocabulary) for words whose id would be numWords or more
// (numWords <= 0 keeps every word). Words that are not in the index at all
// are left out, exactly as Keras left them out of the dataset's test
// reviews, so Encode of a shipped review equals its LoadData sequence.
func (v *Vocab) Encode(text string, numWords int) []int32 {
	out := v.table.ranks([]int32{0}, []byte(text))
	out[0] = DefaultStartChar
	for i, r := range out[1:] {
		id := r + DefaultIndexFrom
		if numWords > 0 && int(id) >= numWords {
			id = DefaultOOVChar
		}
		out[i+1] = id
	}
	return out
}

// Decode turns ids of the default encoding back into text, the Keras
// convention: id i is the word of rank i−3, joined by spaces; the reserved
// ids 0 (padding), 1 (start) and 2 (out of vocabulary) and unknown ids
// print as "?".
func (v *Vocab) Decode(ids []int32) string {
	var sb strings.Builder
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte(' ')
		}
		w, ok := v.Word(int(id) - DefaultIndexFrom)
		if !ok || id < DefaultIndexFrom {
			w = "?"
		}
		sb.WriteString(w)
	}
	return sb.String()
}

// MostFrequent returns the n most frequent words, most frequent first.
func (v *Vocab) MostFrequent(n int) []string {
	n = min(max(n, 0), len(v.words)-1)
	return append([]string(nil), v.words[1:1+n]...)
}
