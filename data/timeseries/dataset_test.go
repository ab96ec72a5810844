package timeseries

import (
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/seqconv/seqconv/tensor"
)

func arange(n int) *tensor.Tensor {
	t := tensor.New(n)
	for i := range n {
		t.Data[i] = float32(i)
	}
	return t
}

// collect drains one epoch and returns the windows and targets as ints.
func collect(t *testing.T, d *Dataset) (wins [][]int, ys []int, sizes []int) {
	t.Helper()
	for {
		x, y, err := d.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		b, l := x.Shape[0], x.Shape[1]
		sizes = append(sizes, b)
		for j := range b {
			w := make([]int, l)
			for k := range l {
				w[k] = int(x.Data[j*l+k])
			}
			wins = append(wins, w)
			if y != nil {
				ys = append(ys, int(y.Data[j]))
			}
		}
	}
}

func TestDatasetKerasExample1(t *testing.T) {
	// Indices 0…98, sequence_length 10, sampling_rate 2, sequence_stride 3:
	// [0 2 … 18], [3 5 … 21], …, last [78 80 … 96] (27 windows).
	d, err := DatasetFromArray(arange(99), nil, 10, DatasetOptions{SamplingRate: 2, SequenceStride: 3})
	if err != nil {
		t.Fatal(err)
	}
	wins, ys, sizes := collect(t, d)
	if len(wins) != 27 || d.Len() != 27 || d.NumBatches() != 1 || !slices.Equal(sizes, []int{27}) || ys != nil {
		t.Fatalf("%d windows, batches %v", len(wins), sizes)
	}
	if want := []int{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}; !slices.Equal(wins[0], want) {
		t.Fatalf("first %v", wins[0])
	}
	if want := []int{3, 5, 7, 9, 11, 13, 15, 17, 19, 21}; !slices.Equal(wins[1], want) {
		t.Fatalf("second %v", wins[1])
	}
	if want := []int{78, 80, 82, 84, 86, 88, 90, 92, 94, 96}; !slices.Equal(wins[26], want) {
		t.Fatalf("last %v", wins[26])
	}
}

func TestDatasetKerasExample2(t *testing.T) {
	// data 1…20: inputs are the first 10, targets the next 10; one window
	// [1 … 10] with target 11 (the target of the window starting at i is
	// targets[i]).
	in, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10)
	tg, _ := tensor.FromData([]float32{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 10)
	d, err := DatasetFromArray(in, tg, 10, DatasetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wins, ys, _ := collect(t, d)
	if len(wins) != 1 || !slices.Equal(wins[0], []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) || !slices.Equal(ys, []int{11}) {
		t.Fatalf("windows %v targets %v", wins, ys)
	}
}

func TestDatasetStartEndAndPartialBatch(t *testing.T) {
	// Rows [2, 8) of 0…9, length 3: windows start at 2, 3, 4, 5; targets
	// are targets[start]; batch 3 gives batches of 3 and 1.
	tg := arange(10)
	for i := range tg.Data {
		tg.Data[i] += 100
	}
	d, err := DatasetFromArray(arange(10), tg, 3, DatasetOptions{StartIndex: 2, EndIndex: 8, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	wins, ys, sizes := collect(t, d)
	want := [][]int{{2, 3, 4}, {3, 4, 5}, {4, 5, 6}, {5, 6, 7}}
	if !slices.EqualFunc(wins, want, slices.Equal[[]int]) || !slices.Equal(ys, []int{102, 103, 104, 105}) ||
		!slices.Equal(sizes, []int{3, 1}) || d.NumBatches() != 2 {
		t.Fatalf("windows %v targets %v batches %v", wins, ys, sizes)
	}
	if !slices.Equal(d.Starts(), []int{2, 3, 4, 5}) {
		t.Fatalf("starts %v", d.Starts())
	}
	// After the epoch Next keeps returning io.EOF until Reset.
	if _, _, err := d.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after epoch: %v", err)
	}
	d.Reset()
	if wins2, _, _ := collect(t, d); len(wins2) != 4 {
		t.Fatalf("second epoch %d windows", len(wins2))
	}
}

func TestDatasetMultiFeatureAndTargets(t *testing.T) {
	// data [6, 2] with row r = (r, 10r); targets [6, 1]; length 2, stride 2.
	data := tensor.New(6, 2)
	tg := tensor.New(6, 1)
	for r := range 6 {
		data.Data[2*r], data.Data[2*r+1] = float32(r), float32(10*r)
		tg.Data[r] = float32(-r)
	}
	d, err := DatasetFromArray(data, tg, 2, DatasetOptions{SequenceStride: 2})
	if err != nil {
		t.Fatal(err)
	}
	x, y, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	// num = 6 − 1 = 5 → starts 0, 2, 4.
	if !tensor.SameShape(x.Shape, []int{3, 2, 2}) || !tensor.SameShape(y.Shape, []int{3, 1}) {
		t.Fatalf("shapes %v %v", x.Shape, y.Shape)
	}
	if !slices.Equal(x.Data, []float32{0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50}) || !slices.Equal(y.Data, []float32{0, -2, -4}) {
		t.Fatalf("x %v y %v", x.Data, y.Data)
	}
}

func TestDatasetFewerTargets(t *testing.T) {
	// 10 rows, length 2 would give 9 windows; 4 targets limit it to 4.
	d, err := DatasetFromArray(arange(10), arange(4), 2, DatasetOptions{})
	if err != nil || d.Len() != 4 {
		t.Fatalf("len %d err %v", d.Len(), err)
	}
}

func TestDatasetShuffle(t *testing.T) {
	mk := func(seed uint64) *Dataset {
		d, err := DatasetFromArray(arange(50), arange(50), 5, DatasetOptions{Shuffle: true, Seed: seed, BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b, c := mk(3), mk(3), mk(4)
	wa, ya, _ := collect(t, a)
	wb, _, _ := collect(t, b)
	wc, _, _ := collect(t, c)
	if len(wa) != 46 {
		t.Fatalf("%d windows, want 46", len(wa))
	}
	starts := make([]int, len(wa))
	for i, w := range wa {
		starts[i] = w[0]
		if ya[i] != w[0] || w[4] != w[0]+4 {
			t.Fatalf("window %v target %d", w, ya[i])
		}
		if wb[i][0] != w[0] {
			t.Fatal("same seed, different order")
		}
	}
	if slices.IsSorted(starts) {
		t.Fatal("shuffle left the windows in order")
	}
	if slices.EqualFunc(wa, wc, slices.Equal[[]int]) {
		t.Fatal("different seeds gave the same order")
	}
	slices.Sort(starts)
	for i, s := range starts {
		if s != i {
			t.Fatalf("shuffled starts are not a permutation of 0…45: %v", starts)
		}
	}
	a.Reset()
	if w2, _, _ := collect(t, a); slices.EqualFunc(w2, wa, slices.Equal[[]int]) {
		t.Fatal("the second epoch has the same order as the first")
	}
}

func TestDatasetEmptyAndErrors(t *testing.T) {
	d, err := DatasetFromArray(arange(5), nil, 6, DatasetOptions{})
	if err != nil || d.Len() != 0 {
		t.Fatalf("len %d err %v", d.Len(), err)
	}
	if _, _, err := d.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("empty dataset: %v", err)
	}
	for _, c := range []struct {
		opts DatasetOptions
		n    int
		want string
	}{
		{DatasetOptions{StartIndex: 10}, 3, "start index 10"},
		{DatasetOptions{StartIndex: 4, EndIndex: 3}, 3, "end index 3"},
		{DatasetOptions{EndIndex: 11}, 3, "end index 11"},
		{DatasetOptions{SamplingRate: -1}, 3, "sampling rate"},
		{DatasetOptions{SequenceStride: -2}, 3, "sequence stride"},
		{DatasetOptions{}, 0, "sequence length 0"},
	} {
		if _, err := DatasetFromArray(arange(10), nil, c.n, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opts, err, c.want)
		}
	}
}

func TestDatasetNoAllocs(t *testing.T) {
	d, err := DatasetFromArray(arange(10000), arange(10000), 20, DatasetOptions{BatchSize: 32, SamplingRate: 2})
	if err != nil {
		t.Fatal(err)
	}
	d.Next()
	if n := testing.AllocsPerRun(50, func() { d.Next() }); n != 0 {
		t.Fatalf("%v allocations per batch", n)
	}
}

// TestDatasetRandomParams compares every window and target, for random
// parameters, with the Keras definition written out directly: relative
// starts 0, stride, … below end−start−(length−1)·rate (and below the
// number of targets from start), rows start+s+k·rate, target targets[start+s].
func TestDatasetRandomParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := range 300 {
		n := 1 + rng.IntN(60)
		f := 1 + rng.IntN(3)
		data := tensor.New(n, f)
		for i := range data.Data {
			data.Data[i] = float32(i)
		}
		nt := n - rng.IntN(3)
		targets := tensor.New(max(nt, 1))
		for i := range targets.Data {
			targets.Data[i] = float32(1000 + i)
		}
		o := DatasetOptions{
			SequenceStride: 1 + rng.IntN(4), SamplingRate: 1 + rng.IntN(3), BatchSize: 1 + rng.IntN(9),
			StartIndex: rng.IntN(n),
		}
		o.EndIndex = o.StartIndex + 1 + rng.IntN(n-o.StartIndex)
		length := 1 + rng.IntN(8)
		d, err := DatasetFromArray(data, targets, length, o)
		if err != nil {
			t.Fatalf("iter %d %+v: %v", iter, o, err)
		}
		var wantStarts []int
		for s := 0; s < o.EndIndex-o.StartIndex-(length-1)*o.SamplingRate && s < targets.Shape[0]-o.StartIndex; s += o.SequenceStride {
			wantStarts = append(wantStarts, o.StartIndex+s)
		}
		k := 0
		for {
			x, y, err := d.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if x.Shape[0] > o.BatchSize || (x.Shape[0] < o.BatchSize && k+x.Shape[0] != len(wantStarts)) {
				t.Fatalf("iter %d: batch of %d (size %d) at window %d of %d", iter, x.Shape[0], o.BatchSize, k, len(wantStarts))
			}
			for j := range x.Shape[0] {
				s := wantStarts[k]
				for step := range length {
					for c := range f {
						if got, want := x.Data[(j*length+step)*f+c], float32((s+step*o.SamplingRate)*f+c); got != want {
							t.Fatalf("iter %d %+v len %d: window %d step %d = %v, want %v", iter, o, length, k, step, got, want)
						}
					}
				}
				if y.Data[j] != float32(1000+s) {
					t.Fatalf("iter %d: target %v, want %d", iter, y.Data[j], 1000+s)
				}
				k++
			}
		}
		if k != len(wantStarts) {
			t.Fatalf("iter %d %+v len %d: %d windows, want %d", iter, o, length, k, len(wantStarts))
		}
	}
}
