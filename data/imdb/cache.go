package imdb

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The cache holds the two raw splits (word ranks before Keras's shuffle and
// offsets), which do not depend on LoadData's options; applying the options
// to them takes milliseconds. It is keyed by a hash of the archive and word
// index bytes, so new data gets a new file, and it is checked with a CRC so
// a damaged file is rebuilt rather than trusted.
//
// Layout: magic(8) key(32) payloadLen(8, LE) crc32c(4, LE) payload, where
// the payload is, for train then test: uvarint n, n labels as signed
// varints, n uvarint review lengths, then every rank as a uvarint.

const cacheMagic = "SQIMDB\x00\x01"

// cacheVersion changes whenever the raw encoding or tokenization changes,
// so that files written by older code are not reused.
const cacheVersion = "seqconv imdb raw v2\x00"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// cacheKey hashes what the raw splits are derived from: the kind of
// source ("archive" or "npz"), its bytes and the word index.
func cacheKey(kind, data, wordIndex string) [32]byte {
	h := sha256.New()
	io.WriteString(h, cacheVersion)
	io.WriteString(h, kind+"\x00")
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(data)))
	h.Write(n[:])
	io.WriteString(h, data)
	io.WriteString(h, wordIndex)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func cachePath(dir string, key [32]byte) string {
	return filepath.Join(dir, fmt.Sprintf("imdb-%x.bin", key[:12]))
}

func encodeCache(key [32]byte, splits ...*rawSplit) []byte {
	var p []byte
	for _, s := range splits {
		p = binary.AppendUvarint(p, uint64(s.len()))
		for _, l := range s.labels {
			p = binary.AppendVarint(p, int64(l))
		}
		for i := range s.len() {
			p = binary.AppendUvarint(p, uint64(s.offs[i+1]-s.offs[i]))
		}
		for _, r := range s.ranks {
			p = binary.AppendUvarint(p, uint64(r))
		}
	}
	out := make([]byte, 0, len(p)+52)
	out = append(out, cacheMagic...)
	out = append(out, key[:]...)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(p)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(p, castagnoli))
	return append(out, p...)
}

var errCache = errors.New("imdb: cache file is damaged")

// decodeCache parses a cache file written for key, returning errCache (or
// a wrapped form) for any mismatch.
func decodeCache(b []byte, key [32]byte) (train, test *rawSplit, err error) {
	const hdr = 8 + 32 + 8 + 4
	if len(b) < hdr || string(b[:8]) != cacheMagic || !bytes.Equal(b[8:40], key[:]) {
		return nil, nil, errCache
	}
	n := binary.LittleEndian.Uint64(b[40:48])
	p := b[hdr:]
	if uint64(len(p)) != n || crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(b[48:52]) {
		return nil, nil, errCache
	}
	var out [2]*rawSplit
	for k := range out {
		var s *rawSplit
		s, p, err = decodeSplit(p)
		if err != nil {
			return nil, nil, err
		}
		out[k] = s
	}
	if len(p) != 0 {
		return nil, nil, errCache
	}
	return out[0], out[1], nil
}

func decodeSplit(p []byte) (*rawSplit, []byte, error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)) {
		return nil, nil, errCache
	}
	p = p[k:]
	s := &rawSplit{labels: make([]int32, n), offs: make([]int, n+1)}
	for i := range s.labels {
		l, k := binary.Varint(p)
		if k <= 0 || l < math.MinInt32 || l > math.MaxInt32 {
			return nil, nil, errCache
		}
		s.labels[i] = int32(l)
		p = p[k:]
	}
	total := 0
	for i := range int(n) {
		l, k := binary.Uvarint(p)
		if k <= 0 || l > uint64(len(p)) {
			return nil, nil, errCache
		}
		p = p[k:]
		total += int(l)
		s.offs[i+1] = total
	}
	if total > len(p) {
		return nil, nil, errCache
	}
	s.ranks = make([]int32, total)
	for i := range s.ranks {
		// Ranks are below 2^21, so at most three bytes; decode inline.
		var v uint32
		var shift uint
		for {
			if len(p) == 0 || shift > 28 {
				return nil, nil, errCache
			}
			c := p[0]
			p = p[1:]
			v |= uint32(c&0x7f) << shift
			if c < 0x80 {
				break
			}
			shift += 7
		}
		s.ranks[i] = int32(v)
	}
	return s, p, nil
}

// maxCacheFiles is how many cache files pruneCache keeps: one for the
// shipped archive and a few for a user's own files. Each is about 18 MB.
const maxCacheFiles = 4

// staleTemp is the age after which a temporary file left by an interrupted
// write is removed (a write in progress takes well under a second).
const staleTemp = time.Hour

// pruneCache bounds the cache folder after path was written: it keeps the
// maxCacheFiles most recently used imdb-*.bin files (reads refresh a file's
// modification time), always including path, and removes temporary files
// of interrupted writes. Files written by older versions, whose keys no
// longer match anything, age out this way. Errors are ignored: the cache
// is an optimization.
func pruneCache(dir, path string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		path string
		mod  time.Time
	}
	var files []file
	for _, e := range entries {
		name := e.Name()
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		full := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, ".imdb-") && strings.HasSuffix(name, ".tmp"):
			if now.Sub(info.ModTime()) > staleTemp {
				os.Remove(full)
			}
		case strings.HasPrefix(name, "imdb-") && strings.HasSuffix(name, ".bin") && full != path:
			files = append(files, file{full, info.ModTime()})
		}
	}
	slices.SortFunc(files, func(a, b file) int { return b.mod.Compare(a.mod) })
	for i, f := range files {
		if i >= maxCacheFiles-1 { // path takes one place
			os.Remove(f.path)
		}
	}
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so readers never see a partial file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".imdb-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
