package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestForCoversRangeOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 100, 1001} {
		for _, grain := range []int{0, 1, 3, 50, 2000} {
			hits := make([]int32, n)
			For(n, grain, func(lo, hi int) {
				if lo >= hi {
					t.Errorf("n=%d grain=%d: empty chunk [%d,%d)", n, grain, lo, hi)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("n=%d grain=%d: index %d visited %d times", n, grain, i, h)
				}
			}
		}
	}
}

func TestForSplitIsDeterministic(t *testing.T) {
	record := func() map[[2]int]bool {
		var mu sync.Mutex
		got := map[[2]int]bool{}
		For(1000, 10, func(lo, hi int) { mu.Lock(); got[[2]int{lo, hi}] = true; mu.Unlock() })
		return got
	}
	a, b := record(), record()
	if len(a) != len(b) || len(a) != min(Workers(), 100) {
		t.Fatalf("chunk counts differ: %d vs %d (workers %d)", len(a), len(b), Workers())
	}
	for k := range a {
		if !b[k] {
			t.Fatalf("chunk %v missing in second run", k)
		}
	}
}

func TestForNestedAndConcurrent(t *testing.T) {
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			For(64, 1, func(lo, hi int) {
				For(hi-lo, 1, func(lo2, hi2 int) { total.Add(int64(hi2 - lo2)) })
			})
		}()
	}
	wg.Wait()
	if got := total.Load(); got != 8*64 {
		t.Fatalf("nested total = %d, want %d", got, 8*64)
	}
}

func BenchmarkForHandOff(b *testing.B) {
	var sink atomic.Int64
	for b.Loop() {
		For(2, 1, func(lo, hi int) { sink.Add(int64(hi - lo)) })
	}
}

func TestForUsesNewWorkersAfterGOMAXPROCSGrows(t *testing.T) {
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	For(2, 1, func(lo, hi int) {}) // starts one worker
	runtime.GOMAXPROCS(4)
	// Four chunks that each wait until all four run at once: this only
	// finishes if three workers besides the caller exist.
	var arrived atomic.Int32
	For(4, 1, func(lo, hi int) {
		arrived.Add(1)
		for arrived.Load() < 4 {
			runtime.Gosched()
		}
	})
	if got := started.Load(); got < 3 {
		t.Fatalf("%d workers started, want ≥ 3", got)
	}
}
