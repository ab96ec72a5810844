// Package sequence holds Keras-style preprocessing for variable-length
// sequences of token ids.
package sequence

import (
	"fmt"

	"github.com/seqconv/seqconv/tensor"
)

// Where padding or truncation happens, as in Keras.
const (
	Pre  = "pre"
	Post = "post"
)

// PadOptions are the keyword arguments of Keras's pad_sequences. The zero
// value is Keras's default: pad and truncate at the start, pad with 0.
type PadOptions struct {
	// Padding is Pre ("" too) to put the padding before each sequence,
	// or Post to put it after.
	Padding string
	// Truncating is Pre ("" too) to drop the start of sequences longer
	// than maxlen (keeping the end), or Post to drop their end.
	Truncating string
	// Value fills the padded positions.
	Value int32
}

func side(s, what string) (post bool, err error) {
	switch s {
	case "", Pre:
		return false, nil
	case Post:
		return true, nil
	}
	return false, fmt.Errorf("sequence: %s %q, want %q or %q", what, s, Pre, Post)
}

// PadSequences turns sequences into a [len(seqs), maxlen] tensor with
// Keras's pad_sequences semantics: a sequence longer than maxlen is
// truncated, a shorter one padded with opts.Value, an empty one is all
// padding. maxlen 0 means the length of the longest sequence. For the
// float form a model's input layer takes, call Float on the result.
func PadSequences(seqs [][]int32, maxlen int, opts PadOptions) (*tensor.Int32, error) {
	padPost, err := side(opts.Padding, "padding")
	if err != nil {
		return nil, err
	}
	truncPost, err := side(opts.Truncating, "truncating")
	if err != nil {
		return nil, err
	}
	if maxlen < 0 {
		return nil, fmt.Errorf("sequence: maxlen %d is negative", maxlen)
	}
	if maxlen == 0 {
		for _, s := range seqs {
			maxlen = max(maxlen, len(s))
		}
	}
	out := tensor.NewInt32(len(seqs), maxlen)
	if opts.Value != 0 {
		for i := range out.Data {
			out.Data[i] = opts.Value
		}
	}
	for i, s := range seqs {
		if len(s) > maxlen {
			if truncPost {
				s = s[:maxlen]
			} else {
				s = s[len(s)-maxlen:]
			}
		}
		row := out.Data[i*maxlen : (i+1)*maxlen]
		if padPost {
			copy(row, s)
		} else {
			copy(row[maxlen-len(s):], s)
		}
	}
	return out, nil
}
