package imdb

// wordTable is an open-addressing hash table from word bytes to rank,
// built for the tokenizer's hot loop: the tokenizer computes each word's
// FNV-1a hash while it lowercases and scans the bytes, so a lookup costs a
// probe or two and one comparison, without hashing the word again as a Go
// map would. Tokenizing the 50,000 reviews is most of a first load.
type wordTable struct {
	slots []tableSlot
	mask  uint32
	arena []byte // every word's bytes, back to back
}

// tableSlot locates one word in the arena; a slot holds everything a probe
// needs, so a miss costs one memory access.
type tableSlot struct {
	hash uint32
	rank int32 // 0: empty
	off  uint32
	n    uint32
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func fnv(w string) uint32 {
	h := uint32(fnvOffset)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint32(w[i])) * fnvPrime
	}
	return h
}

func newWordTable(words []string) *wordTable {
	size := uint32(1)
	for size < uint32(len(words))*3 {
		size <<= 1
	}
	t := &wordTable{slots: make([]tableSlot, size), mask: size - 1}
	for r := 1; r < len(words); r++ {
		h := fnv(words[r])
		i := h & t.mask
		for t.slots[i].rank != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = tableSlot{hash: h, rank: int32(r), off: uint32(len(t.arena)), n: uint32(len(words[r]))}
		t.arena = append(t.arena, words[r]...)
	}
	return t
}

// lookup returns the rank of w, whose FNV-1a hash is h, or 0.
func (t *wordTable) lookup(w []byte, h uint32) int32 {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s.rank == 0 {
			return 0
		}
		if s.hash == h && int(s.n) == len(w) && string(t.arena[s.off:s.off+s.n]) == string(w) {
			return s.rank
		}
	}
}

// ranks tokenizes text (lowercasing it in place) with Keras's rules and
// appends the rank of every word found in the table to dst.
func (t *wordTable) ranks(dst []int32, text []byte) []int32 {
	start := -1
	h := uint32(fnvOffset)
	for i, c := range text {
		l := sepTable[c]
		if l == 0 {
			if start >= 0 {
				if r := t.lookup(text[start:i], h); r != 0 {
					dst = append(dst, r)
				}
				start = -1
				h = fnvOffset
			}
			continue
		}
		text[i] = l
		h = (h ^ uint32(l)) * fnvPrime
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		if r := t.lookup(text[start:], h); r != 0 {
			dst = append(dst, r)
		}
	}
	return dst
}
