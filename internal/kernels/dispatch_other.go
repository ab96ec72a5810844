//go:build !amd64 || noasm

package kernels

// Without assembly the elementwise kernels run the portable loops and SGEMM
// uses the blocked driver with the Go micro-kernel.
var hasAVX2 = false

var hasAVX512 = false

func init() {
	gemmImpls = []*gemmImpl{goGemm}
	gemm = goGemm
}

func axpyAvx2(alpha float32, x, y *float32, n int) { panic("unreachable") }
func scalAvx2(alpha float32, x *float32, n int)    { panic("unreachable") }
func dotAvx2(x, y *float32, n int) float32         { panic("unreachable") }
func sumAvx2(x *float32, n int) float32            { panic("unreachable") }
func reluAvx2(dst, src *float32, n int)            { panic("unreachable") }
func reluBackwardAvx2(dx, dy, y *float32, n int)   { panic("unreachable") }
func sigmoidAvx2(dst, src *float32, n int)         { panic("unreachable") }
func tanhAvx2(dst, src *float32, n int)            { panic("unreachable") }
func maxPoolBackwardAvx2(dx, dy *float32, arg *int32, ch, pool, outSteps int) {
	panic("unreachable")
}
func addBiasReluAvx2(dst, src *float32, rows, ld int, bias *float32, n int) {
	panic("unreachable")
}
func gruForwardAvx512(gate, rh, bh, hp, h, op, m *float32, u, ms, n, ops int) {
	panic("unreachable")
}
func gruForwardAvx2(gate, rh, bh, hp, h, op, m *float32, u, ms, n, ops int) {
	panic("unreachable")
}
func gruForwardRowsAvx512(gate, rh, bh, hp, h, op, m *float32, u, ms, rows, ops int) {
	panic("unreachable")
}
func gruBackwardRowsAvx512(dh, dg, drh, gate, hp, rh, q, m *float32, u, ms, rows int) {
	panic("unreachable")
}
func gruBackwardAvx512(dh, dg, drh, gate, hp, rh, q, m *float32, u, ms, n int) {
	panic("unreachable")
}
func gruBackwardAvx2(dh, dg, drh, gate, hp, rh, q, m *float32, u, ms, n int) {
	panic("unreachable")
}
func fmaPeakAvx512(n int)                                         { panic("unreachable") }
func fmaPeakAvx2(n int)                                           { panic("unreachable") }
func colSumAvx2(sum, src *float32, rows, lds, n int)              { panic("unreachable") }
func addBiasAvx2(c *float32, rows, ldc int, bias *float32, n int) { panic("unreachable") }
func maxPoolRowAvx2(out *float32, arg *int32, in *float32, ch, lo, cnt, n int) {
	panic("unreachable")
}
