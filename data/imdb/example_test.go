package imdb_test

import (
	"fmt"
	"log"

	"github.com/seqconv/seqconv/data/imdb"
	"github.com/seqconv/seqconv/data/sequence"
)

// LoadData with a file path reads a Keras imdb.npz; this one is a
// four-review fixture in the same format.
func ExampleLoadData() {
	train, test, err := imdb.LoadData(imdb.Options{NumWords: 20, Path: "testdata/imdb_tiny.npz"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Len(), test.Len())
	fmt.Println(train.X[1], train.Y[1])
	// Output:
	// 4 3
	// [1 10 2 12 13 14] 1
}

// The reference IMDB model's input pipeline: the 10,000 most frequent
// words, reviews cut or padded to 500 ids, the way Keras's examples do it.
// (Not run as a test: the first load takes a couple of seconds.)
func ExampleLoadData_keras() {
	train, test, err := imdb.LoadData(imdb.Options{NumWords: 10000})
	if err != nil {
		log.Fatal(err)
	}
	x, err := sequence.PadSequences(train.X, 500, sequence.PadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	y := train.Labels()
	fmt.Println(x.Shape, y.Shape, test.Len()) // [25000 500] [25000 1] 25000
}

func ExampleVocab_Encode() {
	v, err := imdb.DefaultVocab()
	if err != nil {
		log.Fatal(err)
	}
	ids := v.Encode("This film was just brilliant!", 10000)
	fmt.Println(ids)
	fmt.Println(v.Decode(ids))
	// Output:
	// [1 14 22 16 43 530]
	// ? this film was just brilliant
}
