//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether the AVX2+FMA elementwise kernels may run; tests
// clear it to exercise the portable path.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

func init() {
	if cpu.X86.HasAVX512F {
		gemmImpls = append(gemmImpls, &gemmImpl{
			name: "avx512", mr: 14, nr: 32,
			row: sgemmKernelAvx512Row, col: sgemmKernelAvx512Col,
			kc: 256, mc: 14 * 8,
		})
	}
	if hasAVX2 {
		gemmImpls = append(gemmImpls, &gemmImpl{
			name: "avx2", mr: 6, nr: 16,
			row: sgemmKernelAvx2Row, col: sgemmKernelAvx2Col,
			kc: 256, mc: 6 * 32,
		})
	}
	gemmImpls = append(gemmImpls, goGemm)
	gemm = gemmImpls[0]
}
