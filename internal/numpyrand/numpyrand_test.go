package numpyrand

import (
	"reflect"
	"testing"
)

// The expected values below were printed by testdata/gen_expected.py with
// numpy 1.24 (Debian's python3-numpy); each comment names the numpy call.

func TestUint32MatchesNumpy(t *testing.T) {
	// RandomState(113).randint(0, 2**32, size=8, dtype=np.uint32)
	want113 := []uint32{3659249829, 529109724, 317413538, 548173386, 3843702636, 3884559106, 1874725526, 1042219799}
	// RandomState(0).randint(0, 2**32, size=4, dtype=np.uint32)
	want0 := []uint32{2357136044, 2546248239, 3071714933, 3626093760}
	for seed, want := range map[uint32][]uint32{113: want113, 0: want0} {
		r := New(seed)
		for i, w := range want {
			if got := r.Uint32(); got != w {
				t.Fatalf("seed %d output %d: got %d, want %d", seed, i, got, w)
			}
		}
	}
}

func TestFloat64MatchesNumpy(t *testing.T) {
	// RandomState(113).random_sample(3)
	want := []float64{0.8519854927300882, 0.07390359884225994, 0.8949317626986235}
	r := New(113)
	for i, w := range want {
		if got := r.Float64(); got != w {
			t.Fatalf("sample %d: got %v, want %v", i, got, w)
		}
	}
}

func TestShuffleMatchesNumpy(t *testing.T) {
	// RandomState(0).shuffle(np.arange(10))
	if got, want := New(0).Permutation(10), []int{2, 8, 4, 9, 1, 6, 7, 3, 0, 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("seed 0, n 10: got %v, want %v", got, want)
	}
	// RandomState(2**32-1).shuffle(np.arange(7))
	if got, want := New(4294967295).Permutation(7), []int{1, 5, 0, 6, 4, 2, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("seed 2**32-1, n 7: got %v, want %v", got, want)
	}

	// Keras's imdb.load_data: one RandomState(113) shuffles the 25,000
	// training indices, then (not re-seeded) the 25,000 test indices.
	r := New(113)
	train := r.Permutation(25000)
	test := r.Permutation(25000)
	// RandomState(113).shuffle(np.arange(25000))[:20] and [-5:]
	wantTrain := []int{7798, 13226, 18078, 793, 17499, 23003, 574, 19638, 5181, 23045, 1161, 23406, 22124, 14678, 12995, 21817, 5916, 4278, 22461, 5020}
	wantTrainLast := []int{11010, 16236, 22690, 4828, 14501}
	// the same generator's next shuffle(np.arange(25000))[:20]
	wantTest := []int{22748, 4083, 8015, 13688, 5310, 4466, 736, 22654, 23614, 10255, 11260, 13207, 20302, 19764, 8695, 15366, 8136, 23968, 20778, 13419}
	if !reflect.DeepEqual(train[:20], wantTrain) {
		t.Errorf("train permutation head: got %v, want %v", train[:20], wantTrain)
	}
	if !reflect.DeepEqual(train[25000-5:], wantTrainLast) {
		t.Errorf("train permutation tail: got %v, want %v", train[25000-5:], wantTrainLast)
	}
	if !reflect.DeepEqual(test[:20], wantTest) {
		t.Errorf("test permutation head: got %v, want %v", test[:20], wantTest)
	}
}

func TestInterval64MatchesNumpy(t *testing.T) {
	// RandomState(7).randint(0, 2**40, size=3, dtype=np.int64): the legacy
	// bounded-integer path masks 64-bit draws, like Interval above 2**32.
	want := []uint64{752595690692, 108744157686, 291964244179}
	r := New(7)
	for i, w := range want {
		if got := r.Interval(1<<40 - 1); got != w {
			t.Fatalf("draw %d: got %d, want %d", i, got, w)
		}
	}
}

func TestPermutationIsPermutation(t *testing.T) {
	for _, n := range []int{0, 1, 2, 1000} {
		p := New(42).Permutation(n)
		seen := make([]bool, n)
		for _, v := range p {
			if v < 0 || v >= n || seen[v] {
				t.Fatalf("n=%d: %v is not a permutation", n, p)
			}
			seen[v] = true
		}
	}
}

func BenchmarkPermutation25000(b *testing.B) {
	for b.Loop() {
		New(113).Permutation(25000)
	}
}
