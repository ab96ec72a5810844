package bench

import "golang.org/x/sys/cpu"

// fmaFlopsPerIter is the FLOPs of one iteration of fmaLoop: 12 independent
// vector FMAs of 16 (AVX-512) or 8 (AVX2) lanes, 2 FLOPs a lane.
var fmaFlopsPerIter = func() int {
	switch {
	case cpu.X86.HasAVX512F:
		return 12 * 16 * 2
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return 12 * 8 * 2
	}
	return 0
}()

// fmaLoop runs n iterations of the widest FMA loop the CPU has.
func fmaLoop(n int) {
	if cpu.X86.HasAVX512F {
		fmaLoop512(n)
	} else {
		fmaLoop256(n)
	}
}

//go:noescape
func fmaLoop512(n int)

//go:noescape
func fmaLoop256(n int)
