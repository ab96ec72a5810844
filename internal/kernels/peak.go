package kernels

import (
	"sync"
	"time"
)

// FMAPeak measures the machine's single-precision fused multiply-add
// throughput in GFLOP/s with threads goroutines each running a loop of
// independent vector FMAs for about d: the ceiling no float32 kernel can
// pass, from which a benchmark's arithmetic floor (FLOPs / peak) follows.
// It uses the widest FMA the assembly paths have (AVX-512 or AVX2+FMA) and
// returns 0 where there is none (other architectures, the noasm build).
func FMAPeak(threads int, d time.Duration) float64 {
	loop, flopsPerIter := peakLoop()
	if loop == nil || threads < 1 {
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
				loop(iters)
				n++
			}
			mu.Lock()
			flops += float64(n) * iters * float64(flopsPerIter)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return flops / time.Since(start).Seconds() / 1e9
}

// peakLoop returns the widest FMA loop this CPU runs and its FLOPs per
// iteration, or nil.
func peakLoop() (func(n int), int) {
	switch {
	case hasAVX512:
		return fmaPeakAvx512, 24 * 16 * 2
	case hasAVX2:
		return fmaPeakAvx2, 12 * 8 * 2
	}
	return nil, 0
}
