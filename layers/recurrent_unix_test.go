//go:build unix

package layers

import "syscall"

// cpuSeconds returns the process's user+system CPU time, so that
// benchmarks on a shared machine can report CPU cost next to wall time.
func cpuSeconds() float64 {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e9
}
