package imdb

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzTokenize checks the tokenizer's invariants on arbitrary bytes: words
// are non-empty, hold no separator and no upper-case ASCII letter, and
// together are exactly the text's non-separator bytes, lowercased.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "Hello, World!", "it's <br /><br />GREAT\tfun\n", "naïve\r\n", "\x00\xff A-b"} {
		f.Add(s)
	}
	v, err := DefaultVocab()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var joined []byte
		for _, w := range Tokenize(text) {
			if w == "" {
				t.Fatal("empty word")
			}
			for i := 0; i < len(w); i++ {
				c := w[i]
				if sepTable[c] == 0 || (c >= 'A' && c <= 'Z') {
					t.Fatalf("word %q holds byte %q", w, c)
				}
			}
			joined = append(joined, w...)
		}
		var want []byte
		for i := 0; i < len(text); i++ {
			if c := sepTable[text[i]]; c != 0 {
				want = append(want, c)
			}
		}
		if !bytes.Equal(joined, want) {
			t.Fatalf("words join to %q, want %q", joined, want)
		}
		ids := v.Encode(text, 100)
		if len(ids) == 0 || ids[0] != 1 {
			t.Fatalf("Encode = %v, want a leading 1", ids)
		}
		for _, id := range ids[1:] {
			if id < 2 || id >= 100 {
				t.Fatalf("Encode id %d outside [2, 100)", id)
			}
		}
	})
}

// FuzzDecodeCache checks that a damaged cache payload is rejected cleanly
// and that whatever is accepted is well formed. The fuzzer varies the
// payload and the test frames it with a matching key and checksum, so the
// parser behind the checksum gets exercised; a flag byte sends the raw
// input instead, to cover the framing checks.
func FuzzDecodeCache(f *testing.F) {
	var key [32]byte
	key[0] = 7
	payload := func(b []byte) []byte { return b[52:] }
	f.Add(false, payload(encodeCache(key, newRawSplit([][]int32{{1, 2}, {300}}, []int32{1, 0}), newRawSplit([][]int32{{}}, []int32{0}))))
	f.Add(false, payload(encodeCache(key, newRawSplit(nil, nil), newRawSplit(nil, nil))))
	f.Add(true, encodeCache(key, newRawSplit([][]int32{{5}}, []int32{1}), newRawSplit(nil, nil)))
	f.Fuzz(func(t *testing.T, raw bool, b []byte) {
		if !raw {
			framed := append([]byte(cacheMagic), key[:]...)
			framed = binary.LittleEndian.AppendUint64(framed, uint64(len(b)))
			framed = binary.LittleEndian.AppendUint32(framed, crc32.Checksum(b, castagnoli))
			b = append(framed, b...)
		}
		tr, te, err := decodeCache(b, key)
		if err != nil {
			return
		}
		for _, s := range []*rawSplit{tr, te} {
			if len(s.offs) != s.len()+1 || s.offs[0] != 0 || s.offs[s.len()] != len(s.ranks) {
				t.Fatalf("accepted inconsistent split: %d labels, offs %v, %d ranks", s.len(), s.offs, len(s.ranks))
			}
			for i := range s.len() {
				_ = s.review(i)
			}
		}
	})
}
