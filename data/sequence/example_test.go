package sequence_test

import (
	"fmt"

	"github.com/seqconv/seqconv/data/sequence"
)

func ExamplePadSequences() {
	seqs := [][]int32{{1, 2, 3, 4, 5}, {6, 7}}
	pre, _ := sequence.PadSequences(seqs, 4, sequence.PadOptions{})
	post, _ := sequence.PadSequences(seqs, 4, sequence.PadOptions{Padding: sequence.Post, Truncating: sequence.Post})
	fmt.Println(pre.Shape, pre.Data)
	fmt.Println(post.Shape, post.Data)
	// Output:
	// [2 4] [2 3 4 5 0 0 6 7]
	// [2 4] [1 2 3 4 6 7 0 0]
}
