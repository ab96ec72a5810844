package bench

import (
	"sync"
	"time"
)

// FMAPeak measures the machine's single-precision fused multiply-add
// throughput in GFLOP/s with threads goroutines each running a loop of
// independent vector FMAs for about d: the ceiling no float32 kernel can
// pass, from which the benchmark's arithmetic floor (FLOPs / peak) follows.
// It uses the widest FMA the CPU has (AVX-512 or AVX2 on amd64) and returns
// 0 where there is none.
func FMAPeak(threads int, d time.Duration) float64 {
	if fmaFlopsPerIter == 0 || threads < 1 {
		return 0
	}
	const iters = 1 << 16
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		flops float64
	)
	start := time.Now()
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for time.Since(start) < d {
				fmaLoop(iters)
				n++
			}
			mu.Lock()
			flops += float64(n) * iters * float64(fmaFlopsPerIter)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return flops / time.Since(start).Seconds() / 1e9
}
