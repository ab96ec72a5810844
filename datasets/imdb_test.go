package datasets

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"testing"
)

func TestIMDBFiles(t *testing.T) {
	// The hash Keras's get_word_index checks for imdb_word_index.json.
	sum := md5.Sum(IMDBWordIndex())
	if got := hex.EncodeToString(sum[:]); got != "bfafd718b763782e994055a2d397834f" {
		t.Errorf("word index md5 %s", got)
	}
	b, err := io.ReadAll(IMDBReviews())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != IMDBReviewsSize() || len(b) < 1<<20 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("archive: %d bytes (size %d), starts % x; want a gzip stream", len(b), IMDBReviewsSize(), b[:2])
	}
	if IMDBArchive() != string(b) {
		t.Error("IMDBArchive differs from IMDBReviews")
	}
	w := IMDBWordIndex()
	w[0] = 'x'
	if IMDBWordIndex()[0] != '{' {
		t.Error("IMDBWordIndex does not return a copy")
	}
}
