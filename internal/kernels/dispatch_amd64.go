//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether the AVX2+FMA elementwise kernels may run; tests
// clear it to exercise the portable path.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasAVX512 reports whether the 16-lane versions of the fused GRU kernels
// may run (they need AVX512F on top of hasAVX2).
var hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F

func init() {
	if cpu.X86.HasAVX512F {
		gemmImpls = append(gemmImpls, &gemmImpl{
			name: "avx512", mr: 14, nr: 32,
			row: sgemmKernelAvx512Row, col: sgemmKernelAvx512Col,
			kc: 256, mc: 14 * 8,
			edgeRow: []microKernel{nil,
				sgemmKernelAvx512Row1, sgemmKernelAvx512Row2, sgemmKernelAvx512Row3, sgemmKernelAvx512Row4,
				sgemmKernelAvx512Row5, sgemmKernelAvx512Row6, sgemmKernelAvx512Row7, sgemmKernelAvx512Row8,
				sgemmKernelAvx512Row9, sgemmKernelAvx512Row10, sgemmKernelAvx512Row11, sgemmKernelAvx512Row12,
				sgemmKernelAvx512Row13},
			edgeCol: []microKernel{nil,
				sgemmKernelAvx512Col1, sgemmKernelAvx512Col2, sgemmKernelAvx512Col3, sgemmKernelAvx512Col4,
				sgemmKernelAvx512Col5, sgemmKernelAvx512Col6, sgemmKernelAvx512Col7, sgemmKernelAvx512Col8,
				sgemmKernelAvx512Col9, sgemmKernelAvx512Col10, sgemmKernelAvx512Col11, sgemmKernelAvx512Col12,
				sgemmKernelAvx512Col13},
		})
	}
	if hasAVX2 {
		gemmImpls = append(gemmImpls, &gemmImpl{
			name: "avx2", mr: 6, nr: 16,
			row: sgemmKernelAvx2Row, col: sgemmKernelAvx2Col,
			kc: 256, mc: 6 * 32,
			edgeRow: []microKernel{nil,
				sgemmKernelAvx2Row1, sgemmKernelAvx2Row2, sgemmKernelAvx2Row3, sgemmKernelAvx2Row4, sgemmKernelAvx2Row5},
			edgeCol: []microKernel{nil,
				sgemmKernelAvx2Col1, sgemmKernelAvx2Col2, sgemmKernelAvx2Col3, sgemmKernelAvx2Col4, sgemmKernelAvx2Col5},
		})
	}
	gemmImpls = append(gemmImpls, goGemm)
	gemm = gemmImpls[0]
}
