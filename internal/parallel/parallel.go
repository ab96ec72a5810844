// Package parallel splits loops across a small pool of long-lived worker
// goroutines, one per core (GOMAXPROCS), so that kernels can use every core
// without paying goroutine start-up on each call.
package parallel

import (
	"runtime"
	"sync"
)

// For calls fn(lo, hi) over disjoint ranges covering [0, n), each at least
// grain long (except possibly the last), using up to Workers() goroutines,
// and returns when all have finished. With n ≤ grain it runs inline.
func For(n, grain int, fn func(lo, hi int)) {
	w := Workers()
	if grain < 1 {
		grain = 1
	}
	chunks := min(w, (n+grain-1)/grain)
	if chunks <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	step := (n + chunks - 1) / chunks
	for lo := step; lo < n; lo += step {
		wg.Add(1)
		go func(lo, hi int) { defer wg.Done(); fn(lo, hi) }(lo, min(lo+step, n))
	}
	fn(0, min(step, n))
	wg.Wait()
}

// Workers returns the number of workers For may use: GOMAXPROCS.
func Workers() int { return runtime.GOMAXPROCS(0) }
