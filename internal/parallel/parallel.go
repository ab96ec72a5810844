// Package parallel splits loops across a small pool of long-lived worker
// goroutines, one per core (GOMAXPROCS), so that kernels can use every core
// without paying goroutine start-up on each call.
//
// A call to For hands its chunks to idle workers through a channel and works
// on them itself too: chunks are claimed with an atomic counter, so the
// caller never waits for a worker that is busy elsewhere, and nested or
// concurrent calls cannot deadlock. The split depends only on n, grain and
// Workers(), never on timing, so callers that make each chunk's arithmetic
// independent get reproducible results.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// call is one For invocation shared by the goroutines working on it.
type call struct {
	fn     func(lo, hi int)
	n      int
	step   int
	chunks int64
	next   atomic.Int64
	wg     sync.WaitGroup
}

// work claims and runs chunks until none are left.
func (c *call) work() {
	for {
		i := c.next.Add(1) - 1
		if i >= c.chunks {
			return
		}
		lo := int(i) * c.step
		c.fn(lo, min(lo+c.step, c.n))
		c.wg.Done()
	}
}

var (
	// jobs hands calls to idle workers; its buffer lets For return without
	// waiting for a worker to pick up a chunk it may end up doing itself.
	jobs = make(chan *call, 64)

	mu      sync.Mutex
	started atomic.Int32 // workers running
)

// ensureWorkers starts workers until there are want of them. Workers live
// for the rest of the process, blocked on jobs when idle; if GOMAXPROCS
// later shrinks, the extra ones only idle.
func ensureWorkers(want int) {
	if int(started.Load()) >= want {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	for int(started.Load()) < want {
		started.Add(1)
		go func() {
			for c := range jobs {
				c.work()
			}
		}()
	}
}

// For calls fn(lo, hi) over disjoint ranges covering [0, n), each at least
// grain long (except possibly the last), using up to Workers() goroutines,
// and returns when all have finished. With n ≤ grain it runs inline.
func For(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := Workers()
	if grain < 1 {
		grain = 1
	}
	chunks := min(w, (n+grain-1)/grain)
	if chunks <= 1 {
		fn(0, n)
		return
	}
	ensureWorkers(w - 1) // the caller is the w-th worker
	step := (n + chunks - 1) / chunks
	chunks = (n + step - 1) / step
	// A fresh call per For: a worker may still hold an old one after its
	// last (failed) claim, so calls are never recycled.
	c := &call{fn: fn, n: n, step: step, chunks: int64(chunks)}
	c.wg.Add(chunks)
	for i := 1; i < chunks; i++ {
		select {
		case jobs <- c:
		default: // every worker is busy and the queue is full: do it here
		}
	}
	c.work()
	c.wg.Wait()
}

// Workers returns the number of workers For may use: GOMAXPROCS.
func Workers() int { return runtime.GOMAXPROCS(0) }
