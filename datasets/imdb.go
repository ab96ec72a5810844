package datasets

import (
	_ "embed"
	"io"
	"strings"
)

// imdbArchive is the labeled part of the Large Movie Review Dataset v1.0,
// gzip-compressed tar. A string keeps the embedded bytes read-only.
//
//go:embed imdb/aclImdb_v1_labeled.tar.gz
var imdbArchive string

//go:embed imdb/imdb_word_index.json
var imdbWordIndex string

// IMDBReviews returns a reader over the gzip-compressed tar archive
// aclImdb_v1_labeled.tar.gz: aclImdb/{train,test}/{pos,neg}/*.txt, 12,500
// reviews in each of the four folders. Each call returns a fresh reader
// positioned at the start.
func IMDBReviews() io.Reader { return strings.NewReader(imdbArchive) }

// IMDBReviewsSize returns the size in bytes of the compressed archive that
// IMDBReviews reads.
func IMDBReviewsSize() int64 { return int64(len(imdbArchive)) }

// IMDBWordIndex returns a copy of Keras's imdb_word_index.json: a JSON
// object mapping each of 88,584 words to its frequency rank (1 = most
// frequent) over the training reviews.
func IMDBWordIndex() []byte { return []byte(imdbWordIndex) }

// IMDBArchive returns the compressed archive that IMDBReviews reads as a
// string, which shares the embedded bytes without copying them and cannot
// be modified.
func IMDBArchive() string { return imdbArchive }
