package sequence

import (
	"reflect"
	"strings"
	"testing"
)

// The expected rows were worked out by hand from Keras's pad_sequences
// rules for seqs = [[1 2 3 4 5] [6 7] [] [8]].
var seqs = [][]int32{{1, 2, 3, 4, 5}, {6, 7}, {}, {8}}

func TestPadSequences(t *testing.T) {
	cases := []struct {
		maxlen int
		opts   PadOptions
		want   []int32
	}{
		{3, PadOptions{}, []int32{
			3, 4, 5,
			0, 6, 7,
			0, 0, 0,
			0, 0, 8}},
		{3, PadOptions{Padding: Post}, []int32{
			3, 4, 5,
			6, 7, 0,
			0, 0, 0,
			8, 0, 0}},
		{3, PadOptions{Truncating: Post}, []int32{
			1, 2, 3,
			0, 6, 7,
			0, 0, 0,
			0, 0, 8}},
		{3, PadOptions{Padding: Post, Truncating: Post, Value: -1}, []int32{
			1, 2, 3,
			6, 7, -1,
			-1, -1, -1,
			8, -1, -1}},
		{0, PadOptions{Value: 9}, []int32{
			1, 2, 3, 4, 5,
			9, 9, 9, 6, 7,
			9, 9, 9, 9, 9,
			9, 9, 9, 9, 8}},
		{6, PadOptions{Padding: Pre, Truncating: Pre}, []int32{
			0, 1, 2, 3, 4, 5,
			0, 0, 0, 0, 6, 7,
			0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 8}},
	}
	for _, c := range cases {
		got, err := PadSequences(seqs, c.maxlen, c.opts)
		if err != nil {
			t.Fatalf("%d %+v: %v", c.maxlen, c.opts, err)
		}
		n := len(c.want) / len(seqs)
		if !reflect.DeepEqual(got.Shape, []int{len(seqs), n}) || !reflect.DeepEqual(got.Data, c.want) {
			t.Errorf("maxlen %d %+v: got %v %v, want %v", c.maxlen, c.opts, got.Shape, got.Data, c.want)
		}
	}
	if seqs[0][0] != 1 || len(seqs[0]) != 5 {
		t.Error("input was modified")
	}
	f, _ := PadSequences(seqs, 2, PadOptions{})
	if fl := f.Float(); !reflect.DeepEqual(fl.Data, []float32{4, 5, 6, 7, 0, 0, 0, 8}) {
		t.Errorf("Float = %v", fl.Data)
	}
}

func TestPadSequencesEdges(t *testing.T) {
	got, err := PadSequences(nil, 4, PadOptions{})
	if err != nil || !reflect.DeepEqual(got.Shape, []int{0, 4}) {
		t.Errorf("no sequences: %v %v", got, err)
	}
	got, err = PadSequences([][]int32{{}, {}}, 0, PadOptions{})
	if err != nil || !reflect.DeepEqual(got.Shape, []int{2, 0}) {
		t.Errorf("all empty: %v %v", got, err)
	}
	for _, c := range []struct {
		maxlen int
		opts   PadOptions
		want   string
	}{
		{-1, PadOptions{}, "negative"},
		{3, PadOptions{Padding: "middle"}, `padding "middle"`},
		{3, PadOptions{Truncating: "POST"}, `truncating "POST"`},
	} {
		if _, err := PadSequences(seqs, c.maxlen, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d %+v: err = %v, want %q", c.maxlen, c.opts, err, c.want)
		}
	}
}
