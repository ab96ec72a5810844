// Command asmgen generates the amd64 assembly of package kernels with avo.
//
// It lives in its own module so that avo is not a dependency of seqconv.
// Regenerate from internal/kernels with `go generate` (see gen.go there):
//
//	cd asmgen && go run . -out ../kernels_amd64.s -stubs ../stubs_amd64.go -pkg kernels
//
// The SGEMM micro-kernels compute an MR×NR tile of C = alpha·A·B + beta·C
// from A rows (or columns) and a K×NR panel of B. Two addressing variants
// exist so that callers can feed A without packing it:
//
//   - "Row": element (i, p) of A is at a[i*lda+p] (A not transposed; the
//     rows may overlap, as in a stride-1 convolution's implicit im2col).
//   - "Col": element (i, p) is at a[p*lda+i] (A transposed, or a packed
//     MR×KC panel with lda = MR).
//
// B element (p, j) is at b[p*ldb+j]; the panel is NR wide. Leading
// dimensions are in elements. When beta is ±0, C is written without being
// read, so NaNs already in C do not propagate.
package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

const kernelSig = "func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)"

// isa describes one vector instruction set for the micro-kernel.
type isa struct {
	name  string
	width int // float32 lanes per register
	mr    int // rows of the tile (broadcast from A)
	nv    int // registers across the tile (NR = nv·width)
	vec   func(i int) VecPhysical
	zero  func(r VecPhysical)
}

var avx512 = isa{
	name: "Avx512", width: 16, mr: 14, nv: 2,
	vec:  func(i int) VecPhysical { return zmm[i] },
	zero: func(r VecPhysical) { VPXORD(r, r, r) },
}

var avx2 = isa{
	name: "Avx2", width: 8, mr: 6, nv: 2,
	vec:  func(i int) VecPhysical { return ymm[i] },
	zero: func(r VecPhysical) { VXORPS(r, r, r) },
}

var zmm = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
	Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
var ymm = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}

// kernel emits sgemmKernel<isa><Row|Col>.
// kernel emits sgemmKernel<isa><Row|Col> for the full tile height s.mr,
// or sgemmKernel<isa><Row|Col><mr> for the shorter tiles at the bottom
// edge of C (so that ragged row tiles need neither packing nor wasted rows).
func kernel(s isa, rowA bool, mr int) {
	variant := "Col"
	if rowA {
		variant = "Row"
	}
	name := fmt.Sprintf("sgemmKernel%s%s", s.name, variant)
	if mr != s.mr {
		name += fmt.Sprint(mr)
	}
	TEXT(name, NOSPLIT, kernelSig)
	Doc(fmt.Sprintf("%s computes a %d×%d tile of C = alpha·A·B + beta·C (%s-addressed A).", name, mr, s.nv*s.width, variant))

	nv := s.nv
	nacc := mr * nv
	acc := func(i, v int) VecPhysical { return s.vec(i*nv + v) }
	bv := func(v int) VecPhysical { return s.vec(nacc + v) }
	bc := func(i int) VecPhysical { return s.vec(nacc + nv + i%2) }

	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	lda := Load(Param("lda"), GP64())
	b := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), lda)
	SHLQ(U8(2), ldb)

	for r := 0; r < nacc; r++ {
		s.zero(s.vec(r))
	}

	// A addressing. Row variant: one base pointer per group of 5 rows,
	// reached with index lda·{0,1,2,4} and 3·lda.
	var bases []GPVirtual
	var lda3 GPVirtual
	if rowA {
		lda3 = GP64()
		LEAQ(Mem{Base: lda, Index: lda, Scale: 2}, lda3)
		for g := 0; g*5 < mr; g++ {
			p := GP64()
			if g == 0 {
				MOVQ(a, p)
			} else {
				// p = previous base + 5·lda
				LEAQ(Mem{Base: bases[g-1], Index: lda, Scale: 4}, p)
				ADDQ(lda, p)
			}
			bases = append(bases, p)
		}
	}
	aAddr := func(i int) Mem {
		if !rowA {
			return Mem{Base: a, Disp: 4 * i}
		}
		p := bases[i/5]
		switch i % 5 {
		case 0:
			return Mem{Base: p}
		case 1:
			return Mem{Base: p, Index: lda, Scale: 1}
		case 2:
			return Mem{Base: p, Index: lda, Scale: 2}
		case 3:
			return Mem{Base: p, Index: lda3, Scale: 1}
		default:
			return Mem{Base: p, Index: lda, Scale: 4}
		}
	}

	// Prefetch the C tile now so that its (likely) cache misses overlap
	// the k loop instead of stalling the final update.
	{
		cp := Load(Param("c"), GP64())
		ldcp := Load(Param("ldc"), GP64())
		SHLQ(U8(2), ldcp)
		rowBytes := 4 * nv * s.width
		for i := 0; i < mr; i++ {
			for off := 0; off < rowBytes; off += 64 {
				PREFETCHT0(Mem{Base: cp, Disp: off})
			}
			if i < mr-1 {
				ADDQ(ldcp, cp)
			}
		}
	}

	// Column-addressed A advances by lda per step, a stride the hardware
	// prefetcher may not follow across pages: fetch 8 steps ahead.
	var pfOff GPVirtual
	if !rowA {
		pfOff = GP64()
		MOVQ(lda, pfOff)
		SHLQ(U8(3), pfOff)
	}

	step := func() {
		if !rowA {
			// The tile's mr floats may straddle two lines: fetch both.
			PREFETCHT0(Mem{Base: a, Index: pfOff, Scale: 1})
			if mr > 1 {
				PREFETCHT0(Mem{Base: a, Index: pfOff, Scale: 1, Disp: 4 * (mr - 1)})
			}
		}
		for v := 0; v < nv; v++ {
			VMOVUPS(Mem{Base: b, Disp: 4 * s.width * v}, bv(v))
		}
		for i := 0; i < mr; i++ {
			VBROADCASTSS(aAddr(i), bc(i))
			for v := 0; v < nv; v++ {
				VFMADD231PS(bv(v), bc(i), acc(i, v))
			}
		}
		if rowA {
			for _, p := range bases {
				ADDQ(U8(4), p)
			}
		} else {
			ADDQ(lda, a)
		}
		ADDQ(ldb, b)
	}
	if rowA {
		// Rows of A advance one cache line per 16 steps: prefetch the
		// next line of every row once per 16-step group.
		// Short products (a recurrent step's K = 32) skip the grouping.
		CMPQ(k, U32(64))
		JL(LabelRef(name + "_plain"))
		groups := GP64()
		MOVQ(k, groups)
		SHRQ(U8(4), groups)
		JZ(LabelRef(name + "_rest"))
		Label(name + "_group")
		for i := 0; i < mr; i++ {
			m := aAddr(i)
			m.Disp += 64
			PREFETCHT0(m)
		}
		inner := GP64()
		MOVQ(U32(16), inner)
		Label(name + "_inner")
		step()
		DECQ(inner)
		JNZ(LabelRef(name + "_inner"))
		DECQ(groups)
		JNZ(LabelRef(name + "_group"))
		Label(name + "_rest")
		ANDQ(U32(15), k)
		Label(name + "_plain")
	}
	TESTQ(k, k)
	JLE(LabelRef(name + "_store"))
	Label(name + "_loop")
	step()
	DECQ(k)
	JNZ(LabelRef(name + "_loop"))

	Label(name + "_store")
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	alpha, beta := bc(0), bc(1)
	VBROADCASTSS(paramAddr("alpha"), alpha)
	VBROADCASTSS(paramAddr("beta"), beta)
	bits := GP32()
	MOVL(paramAddr("beta"), bits)
	ANDL(U32(0x7fffffff), bits)
	JZ(LabelRef(name + "_beta0"))
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			VMULPS(alpha, acc(i, v), acc(i, v))
			VFMADD231PS(Mem{Base: c, Disp: 4 * s.width * v}, beta, acc(i, v))
			VMOVUPS(acc(i, v), Mem{Base: c, Disp: 4 * s.width * v})
		}
		if i < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
	Label(name + "_beta0")
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			VMULPS(alpha, acc(i, v), acc(i, v))
			VMOVUPS(acc(i, v), Mem{Base: c, Disp: 4 * s.width * v})
		}
		if i < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// The elementwise kernels below use AVX2 (they are memory bound, so wider
// registers buy little) and handle n rounded down to a multiple of 32; the
// Go wrappers finish the tail.

func axpy() {
	TEXT("axpyAvx2", NOSPLIT, "func(alpha float32, x, y *float32, n int)")
	Doc("axpyAvx2 computes y += alpha·x over n elements, n a multiple of 32.")
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	n := Load(Param("n"), GP64())
	VBROADCASTSS(paramAddr("alpha"), Y15)
	SHRQ(U8(5), n)
	JZ(LabelRef("axpy_done"))
	Label("axpy_loop")
	for u := 0; u < 4; u++ {
		VMOVUPS(Mem{Base: y, Disp: 32 * u}, ymm[u])
		VFMADD231PS(Mem{Base: x, Disp: 32 * u}, Y15, ymm[u])
		VMOVUPS(ymm[u], Mem{Base: y, Disp: 32 * u})
	}
	ADDQ(U8(128), x)
	ADDQ(U8(128), y)
	DECQ(n)
	JNZ(LabelRef("axpy_loop"))
	Label("axpy_done")
	VZEROUPPER()
	RET()
}

func scal() {
	TEXT("scalAvx2", NOSPLIT, "func(alpha float32, x *float32, n int)")
	Doc("scalAvx2 computes x *= alpha over n elements, n a multiple of 32.")
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	VBROADCASTSS(paramAddr("alpha"), Y15)
	SHRQ(U8(5), n)
	JZ(LabelRef("scal_done"))
	Label("scal_loop")
	for u := 0; u < 4; u++ {
		VMULPS(Mem{Base: x, Disp: 32 * u}, Y15, ymm[u])
		VMOVUPS(ymm[u], Mem{Base: x, Disp: 32 * u})
	}
	ADDQ(U8(128), x)
	DECQ(n)
	JNZ(LabelRef("scal_loop"))
	Label("scal_done")
	VZEROUPPER()
	RET()
}

// reduce4 sums Y0..Y3 into the low lane of X0.
func reduce4() {
	VADDPS(Y1, Y0, Y0)
	VADDPS(Y3, Y2, Y2)
	VADDPS(Y2, Y0, Y0)
	VEXTRACTF128(U8(1), Y0, X1)
	VADDPS(X1, X0, X0)
	VMOVHLPS(X0, X0, X1)
	VADDPS(X1, X0, X0)
	VPSHUFD(U8(1), X0, X1)
	VADDSS(X1, X0, X0)
}

func dot() {
	TEXT("dotAvx2", NOSPLIT, "func(x, y *float32, n int) float32")
	Doc("dotAvx2 returns Σ x[i]·y[i] over n elements, n a multiple of 32.")
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	n := Load(Param("n"), GP64())
	for u := 0; u < 4; u++ {
		VXORPS(ymm[u], ymm[u], ymm[u])
	}
	SHRQ(U8(5), n)
	JZ(LabelRef("dot_done"))
	Label("dot_loop")
	for u := 0; u < 4; u++ {
		VMOVUPS(Mem{Base: x, Disp: 32 * u}, ymm[4+u])
		VFMADD231PS(Mem{Base: y, Disp: 32 * u}, ymm[4+u], ymm[u])
	}
	ADDQ(U8(128), x)
	ADDQ(U8(128), y)
	DECQ(n)
	JNZ(LabelRef("dot_loop"))
	Label("dot_done")
	reduce4()
	VZEROUPPER()
	Store(X0, ReturnIndex(0))
	RET()
}

func sum() {
	TEXT("sumAvx2", NOSPLIT, "func(x *float32, n int) float32")
	Doc("sumAvx2 returns Σ x[i] over n elements, n a multiple of 32.")
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	for u := 0; u < 4; u++ {
		VXORPS(ymm[u], ymm[u], ymm[u])
	}
	SHRQ(U8(5), n)
	JZ(LabelRef("sum_done"))
	Label("sum_loop")
	for u := 0; u < 4; u++ {
		VADDPS(Mem{Base: x, Disp: 32 * u}, ymm[u], ymm[u])
	}
	ADDQ(U8(128), x)
	DECQ(n)
	JNZ(LabelRef("sum_loop"))
	Label("sum_done")
	reduce4()
	VZEROUPPER()
	Store(X0, ReturnIndex(0))
	RET()
}

func relu() {
	TEXT("reluAvx2", NOSPLIT, "func(dst, src *float32, n int)")
	Doc("reluAvx2 sets dst[i] = max(src[i], 0) over n elements, n a multiple of 32; NaN maps to 0.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	VXORPS(Y15, Y15, Y15)
	SHRQ(U8(5), n)
	JZ(LabelRef("relu_done"))
	Label("relu_loop")
	for u := 0; u < 4; u++ {
		// MAXPS returns its second source when either is NaN; keeping
		// zero second makes NaN → 0 and -0 → +0, as the reference does.
		VMOVUPS(Mem{Base: src, Disp: 32 * u}, ymm[u])
		VMAXPS(Y15, ymm[u], ymm[u])
	}
	for u := 0; u < 4; u++ {
		VMOVUPS(ymm[u], Mem{Base: dst, Disp: 32 * u})
	}
	ADDQ(U8(128), src)
	ADDQ(U8(128), dst)
	DECQ(n)
	JNZ(LabelRef("relu_loop"))
	Label("relu_done")
	VZEROUPPER()
	RET()
}

func reluBackward() {
	TEXT("reluBackwardAvx2", NOSPLIT, "func(dx, dy, y *float32, n int)")
	Doc("reluBackwardAvx2 sets dx[i] = dy[i]·[y[i] > 0] over n elements, n a multiple of 32.")
	dx := Load(Param("dx"), GP64())
	dy := Load(Param("dy"), GP64())
	y := Load(Param("y"), GP64())
	n := Load(Param("n"), GP64())
	VXORPS(Y15, Y15, Y15)
	SHRQ(U8(5), n)
	JZ(LabelRef("rb_done"))
	Label("rb_loop")
	for u := 0; u < 4; u++ {
		VMOVUPS(Mem{Base: y, Disp: 32 * u}, ymm[u])
		VCMPPS(U8(0x1e), Y15, ymm[u], ymm[u]) // y > 0, ordered
		VANDPS(Mem{Base: dy, Disp: 32 * u}, ymm[u], ymm[u])
	}
	for u := 0; u < 4; u++ {
		VMOVUPS(ymm[u], Mem{Base: dx, Disp: 32 * u})
	}
	ADDQ(U8(128), dx)
	ADDQ(U8(128), dy)
	ADDQ(U8(128), y)
	DECQ(n)
	JNZ(LabelRef("rb_loop"))
	Label("rb_done")
	VZEROUPPER()
	RET()
}

// Constants of the exp/sigmoid/tanh kernels, each replicated across a ymm
// register in read-only data.
const (
	cExpLo = iota
	cExpHi
	cLog2e
	cLn2Hi
	cLn2Lo
	cP7 // Taylor coefficients of e^r on |r| ≤ ln2/2, 1/7! down to 1/2!
	cP6
	cP5
	cP4
	cP3
	cP2
	cOne
	cTwo
	cAbs
	cSign
	cTanhSmall
	cT11 // tanh series: x + x³·(T3 + T5·x² + … + T13·x¹⁰)
	cT9
	cT7
	cT5
	cT3
	cT1   // -1/3
	cTiny // 2^-100, GRUBackwardStep's flush threshold
	nConst
)

var expConsts Mem

func constants() {
	vals := make([]float32, nConst)
	vals[cExpLo] = -87
	vals[cExpHi] = 88
	vals[cLog2e] = 1.44269504088896341
	vals[cLn2Hi] = 0.693359375
	vals[cLn2Lo] = -2.12194440e-4
	vals[cP7] = 1.0 / 5040
	vals[cP6] = 1.0 / 720
	vals[cP5] = 1.0 / 120
	vals[cP4] = 1.0 / 24
	vals[cP3] = 1.0 / 6
	vals[cP2] = 0.5
	vals[cOne] = 1
	vals[cTwo] = 2
	vals[cTanhSmall] = 0.35
	vals[cT11] = 21844.0 / 6081075
	vals[cT9] = -1382.0 / 155925
	vals[cT7] = 62.0 / 2835
	vals[cT5] = -17.0 / 315
	vals[cT3] = 2.0 / 15
	vals[cT1] = -1.0 / 3
	vals[cTiny] = 0x1p-100
	expConsts = GLOBL("expconsts", RODATA|NOPTR)
	for i, v := range vals {
		for l := 0; l < 8; l++ {
			switch i {
			case cAbs:
				DATA(32*i+4*l, U32(0x7fffffff))
			case cSign:
				DATA(32*i+4*l, U32(0x80000000))
			default:
				// Raw bits: the assembler reads a whole-valued float
				// literal such as $(2) as an integer.
				DATA(32*i+4*l, U32(math.Float32bits(v)))
			}
		}
	}
}

func cst(i int) Mem { return expConsts.Offset(32 * i) }

// exp8 sets x = e^x lane-wise for x clamped to [-87, 88] (so the result is
// a normal float32), using t as scratch. Relative error ≈ 1e-7.
func exp8(x, n, t VecPhysical) {
	VMAXPS(cst(cExpLo), x, x)
	VMINPS(cst(cExpHi), x, x)
	VMULPS(cst(cLog2e), x, n)
	VROUNDPS(U8(0), n, n) // nearest
	VFNMADD231PS(cst(cLn2Hi), n, x)
	VFNMADD231PS(cst(cLn2Lo), n, x) // x = r, |r| ≤ ln2/2
	VMOVUPS(cst(cP7), t)
	for _, c := range []int{cP6, cP5, cP4, cP3, cP2, cOne, cOne} {
		VFMADD213PS(cst(c), x, t) // t = t·r + c
	}
	VCVTPS2DQ(n, n)
	VPSLLD(U8(23), n, n)
	VPADDD(cst(cOne), n, n) // adds n to the exponent of 1.0
	VMULPS(n, t, x)
}

func sigmoid() {
	TEXT("sigmoidAvx2", NOSPLIT, "func(dst, src *float32, n int)")
	Doc("sigmoidAvx2 sets dst[i] = 1/(1+e^-src[i]) over n elements, n a multiple of 8.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	SHRQ(U8(3), n)
	JZ(LabelRef("sig_done"))
	Label("sig_loop")
	VMOVUPS(Mem{Base: src}, Y3)
	VXORPS(Y0, Y0, Y0)
	VSUBPS(Y3, Y0, Y0) // -x
	exp8(Y0, Y1, Y2)
	VADDPS(cst(cOne), Y0, Y0)
	VMOVUPS(cst(cOne), Y1)
	VDIVPS(Y0, Y1, Y1)
	// The clamp in exp8 would turn NaN into a number: pass NaN through.
	VCMPPS(U8(3), Y3, Y3, Y4) // unordered
	VBLENDVPS(Y4, Y3, Y1, Y1)
	VMOVUPS(Y1, Mem{Base: dst})
	ADDQ(U8(32), src)
	ADDQ(U8(32), dst)
	DECQ(n)
	JNZ(LabelRef("sig_loop"))
	Label("sig_done")
	VZEROUPPER()
	RET()
}

func tanh() {
	TEXT("tanhAvx2", NOSPLIT, "func(dst, src *float32, n int)")
	Doc("tanhAvx2 sets dst[i] = tanh(src[i]) over n elements, n a multiple of 8.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	SHRQ(U8(3), n)
	JZ(LabelRef("tanh_done"))
	Label("tanh_loop")
	VMOVUPS(Mem{Base: src}, Y0)
	VANDPS(cst(cSign), Y0, Y5) // sign
	VANDPS(cst(cAbs), Y0, Y0)  // |x|
	// Small |x|: odd series, accurate to a few 1e-8 relative below 0.35.
	VMULPS(Y0, Y0, Y3) // x²
	VMOVUPS(cst(cT11), Y4)
	for _, c := range []int{cT9, cT7, cT5, cT3, cT1} {
		VFMADD213PS(cst(c), Y3, Y4)
	}
	VMULPS(Y0, Y3, Y3)                     // |x|³
	VFMADD213PS(Y0, Y3, Y4)                // |x| + |x|³·P(x²)
	VCMPPS(U8(1), cst(cTanhSmall), Y0, Y6) // |x| < 0.35
	// Large |x|: 1 − 2/(e^{2|x|}+1).
	VADDPS(Y0, Y0, Y0)
	exp8(Y0, Y1, Y2)
	VADDPS(cst(cOne), Y0, Y0)
	VMOVUPS(cst(cTwo), Y1)
	VDIVPS(Y0, Y1, Y1)
	VMOVUPS(cst(cOne), Y0)
	VSUBPS(Y1, Y0, Y0)
	VBLENDVPS(Y6, Y4, Y0, Y0)
	VORPS(Y5, Y0, Y0)
	VMOVUPS(Mem{Base: src}, Y1)
	VCMPPS(U8(3), Y1, Y1, Y2) // NaN in, NaN out
	VBLENDVPS(Y2, Y1, Y0, Y0)
	VMOVUPS(Y0, Mem{Base: dst})
	ADDQ(U8(32), src)
	ADDQ(U8(32), dst)
	DECQ(n)
	JNZ(LabelRef("tanh_loop"))
	Label("tanh_done")
	VZEROUPPER()
	RET()
}

func colSum() {
	TEXT("colSumAvx2", NOSPLIT, "func(sum, src *float32, rows, lds, n int)")
	Doc("colSumAvx2 sets sum[j] = Σ_r src[r*lds+j] for j < n (n a multiple of 32, rows ≥ 1), adding rows in order.")
	sum := Load(Param("sum"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(U8(2), lds)
	SHRQ(U8(5), n)
	Label("cs_chunk")
	for u := 0; u < 4; u++ {
		VXORPS(ymm[u], ymm[u], ymm[u])
	}
	rows := Load(Param("rows"), GP64())
	p := GP64()
	MOVQ(src, p)
	Label("cs_row")
	for u := 0; u < 4; u++ {
		VADDPS(Mem{Base: p, Disp: 32 * u}, ymm[u], ymm[u])
	}
	ADDQ(lds, p)
	DECQ(rows)
	JNZ(LabelRef("cs_row"))
	for u := 0; u < 4; u++ {
		VMOVUPS(ymm[u], Mem{Base: sum, Disp: 32 * u})
	}
	ADDQ(U8(128), sum)
	ADDQ(U8(128), src)
	DECQ(n)
	JNZ(LabelRef("cs_chunk"))
	VZEROUPPER()
	RET()
}

func addBias() {
	TEXT("addBiasAvx2", NOSPLIT, "func(c *float32, rows, ldc int, bias *float32, n int)")
	Doc("addBiasAvx2 adds bias[j] to c[r*ldc+j] for r < rows (≥ 1) and j < n (a multiple of 32).")
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	bias := Load(Param("bias"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(U8(2), ldc)
	SHRQ(U8(5), n)
	Label("ab_chunk")
	for u := 0; u < 4; u++ {
		VMOVUPS(Mem{Base: bias, Disp: 32 * u}, ymm[4+u])
	}
	rows := Load(Param("rows"), GP64())
	p := GP64()
	MOVQ(c, p)
	Label("ab_row")
	for u := 0; u < 4; u++ {
		VADDPS(Mem{Base: p, Disp: 32 * u}, ymm[4+u], ymm[u])
		VMOVUPS(ymm[u], Mem{Base: p, Disp: 32 * u})
	}
	ADDQ(ldc, p)
	DECQ(rows)
	JNZ(LabelRef("ab_row"))
	ADDQ(U8(128), bias)
	ADDQ(U8(128), c)
	DECQ(n)
	JNZ(LabelRef("ab_chunk"))
	VZEROUPPER()
	RET()
}

func maxPool() {
	TEXT("maxPoolRowAvx2", NOSPLIT, "func(out *float32, arg *int32, in *float32, ch, lo, cnt, n int)")
	Doc("maxPoolRowAvx2 sets out[j] = max over rows lo..lo+cnt-1 (cnt ≥ 1) of in[r*ch+j] and arg[j] to the first row attaining it, for j < n (a multiple of 8); in points at row 0.")
	out := Load(Param("out"), GP64())
	arg := Load(Param("arg"), GP64())
	in := Load(Param("in"), GP64())
	ch := Load(Param("ch"), GP64())
	lo := GP64()
	Load(Param("lo"), lo)
	n := Load(Param("n"), GP64())
	SHLQ(U8(2), ch)
	// in += lo·ch: the window's first row.
	t := GP64()
	MOVQ(lo, t)
	IMULQ(ch, t)
	ADDQ(t, in)
	VMOVD(lo.As32(), X6)
	VPBROADCASTD(X6, Y6) // lo in every lane
	MOVL(U32(1), t.As32())
	VMOVD(t.As32(), X3)
	VPBROADCASTD(X3, Y3) // 1 in every lane
	SHRQ(U8(3), n)
	Label("mp_chunk")
	VMOVUPS(Mem{Base: in}, Y0) // best
	VMOVDQU(Y6, Y1)            // its row
	VMOVDQU(Y6, Y2)            // current row
	cnt := Load(Param("cnt"), GP64())
	p := GP64()
	MOVQ(in, p)
	DECQ(cnt)
	JZ(LabelRef("mp_store"))
	Label("mp_row")
	ADDQ(ch, p)
	VPADDD(Y3, Y2, Y2)
	VMOVUPS(Mem{Base: p}, Y4)
	VCMPPS(U8(0x1e), Y0, Y4, Y5) // v > best (ordered: NaN never wins)
	VBLENDVPS(Y5, Y4, Y0, Y0)
	VBLENDVPS(Y5, Y2, Y1, Y1)
	DECQ(cnt)
	JNZ(LabelRef("mp_row"))
	Label("mp_store")
	VMOVUPS(Y0, Mem{Base: out})
	VMOVDQU(Y1, Mem{Base: arg})
	ADDQ(U8(32), in)
	ADDQ(U8(32), out)
	ADDQ(U8(32), arg)
	DECQ(n)
	JNZ(LabelRef("mp_chunk"))
	VZEROUPPER()
	RET()
}

// fmaPeak emits a loop of independent register FMAs: its throughput is the
// machine's FMA ceiling, which the micro-kernel benchmarks are judged by.
func fmaPeak() {
	TEXT("fmaPeakAvx512", NOSPLIT, "func(n int)")
	Doc("fmaPeakAvx512 runs n iterations of 24 independent 16-lane FMAs (768 flops each).")
	n := Load(Param("n"), GP64())
	for i := 0; i < 26; i++ {
		VPXORD(zmm[i], zmm[i], zmm[i])
	}
	TESTQ(n, n)
	JLE(LabelRef("peak_done"))
	Label("peak_loop")
	for i := 0; i < 24; i++ {
		VFMADD231PS(Z24, Z25, zmm[i])
	}
	DECQ(n)
	JNZ(LabelRef("peak_loop"))
	Label("peak_done")
	VZEROUPPER()
	RET()
}

// fmaPeak2 emits the AVX2 version of fmaPeak: twelve independent 8-lane
// chains cover the FMA latency on two ports.
func fmaPeak2() {
	TEXT("fmaPeakAvx2", NOSPLIT, "func(n int)")
	Doc("fmaPeakAvx2 runs n iterations of 12 independent 8-lane FMAs (192 flops each).")
	n := Load(Param("n"), GP64())
	for i := 0; i < 14; i++ {
		VPXOR(ymm[i], ymm[i], ymm[i])
	}
	TESTQ(n, n)
	JLE(LabelRef("peak2_done"))
	Label("peak2_loop")
	for i := 0; i < 12; i++ {
		VFMADD231PS(Y12, Y13, ymm[i])
	}
	DECQ(n)
	JNZ(LabelRef("peak2_loop"))
	Label("peak2_done")
	VZEROUPPER()
	RET()
}

func main() {
	ConstraintExpr("!noasm")
	for _, s := range []isa{avx512, avx2} {
		for mr := s.mr; mr >= 1; mr-- {
			kernel(s, true, mr)
			kernel(s, false, mr)
		}
	}
	axpy()
	scal()
	dot()
	sum()
	relu()
	reluBackward()
	colSum()
	addBias()
	maxPool()
	fmaPeak()
	fmaPeak2()
	constants()
	sigmoid()
	tanh()
	gruBackward()
	gruForward()
	addBiasRelu()
	maxPoolBackward()
	gruForward512()
	gruBackward512()
	gruBackwardRows512()
	gruForwardRows512()
	Generate()
}

// paramAddr returns the stack address of a scalar parameter, so that it can
// be broadcast straight from memory.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// gruBackward emits the fused backward step of a reset_after GRU cell with
// Keras's default activations and per-gate recurrent masks (see
// RefGRUBackwardStep). Products and sums are separate instructions in the
// reference's order, so the results are bit-identical to it.
func gruBackward() {
	TEXT("gruBackwardAvx2", NOSPLIT, "func(dh, dg, drh, gate, hp, rh, q, m *float32, u, ms, n int)")
	Doc("gruBackwardAvx2 is RefGRUBackwardStep over n elements, n a multiple of 8; u and ms are the gate and mask strides in elements.")
	dh := Load(Param("dh"), GP64())
	dg := Load(Param("dg"), GP64())
	drh := Load(Param("drh"), GP64())
	g := Load(Param("gate"), GP64())
	hp := Load(Param("hp"), GP64())
	rh := Load(Param("rh"), GP64())
	q := Load(Param("q"), GP64())
	m := Load(Param("m"), GP64())
	u := Load(Param("u"), GP64())
	ms := Load(Param("ms"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(U8(2), u) // bytes
	SHLQ(U8(2), ms)
	SHRQ(U8(3), n)
	JZ(LabelRef("gb_done"))
	VMOVUPS(cst(cOne), Y15)
	VMOVUPS(cst(cAbs), Y14)
	VMOVUPS(cst(cTiny), Y13)
	Label("gb_loop")
	// d = ((dh + q0·m0) + q1·m1) + q2·m2, flushed below 2^-100.
	VMOVUPS(Mem{Base: dh}, Y0)
	VMOVUPS(Mem{Base: q}, Y1)
	VMULPS(Mem{Base: m}, Y1, Y1)
	VADDPS(Y1, Y0, Y0)
	VMOVUPS(Mem{Base: q, Index: u, Scale: 1}, Y1)
	VMULPS(Mem{Base: m, Index: ms, Scale: 1}, Y1, Y1)
	VADDPS(Y1, Y0, Y0)
	VMOVUPS(Mem{Base: q, Index: u, Scale: 2}, Y1)
	VMULPS(Mem{Base: m, Index: ms, Scale: 2}, Y1, Y1)
	VADDPS(Y1, Y0, Y0)
	VANDPS(Y14, Y0, Y1)
	VCMPPS(U8(1), Y13, Y1, Y1) // |d| < 2^-100
	VANDNPS(Y0, Y1, Y0)
	VMOVUPS(Mem{Base: g}, Y2)                     // z
	VMOVUPS(Mem{Base: g, Index: u, Scale: 1}, Y3) // r
	VMOVUPS(Mem{Base: g, Index: u, Scale: 2}, Y4) // h̃
	VMULPS(Y2, Y0, Y5)
	VMOVUPS(Y5, Mem{Base: dh}) // d·z
	VSUBPS(Y2, Y15, Y6)        // 1 − z
	VMULPS(Y4, Y4, Y7)
	VSUBPS(Y7, Y15, Y7) // 1 − h̃²
	VMULPS(Y6, Y0, Y8)
	VMULPS(Y7, Y8, Y8) // c = d·(1−z)·(1−h̃²)
	VMOVUPS(Mem{Base: hp}, Y9)
	VSUBPS(Y4, Y9, Y9)
	VMULPS(Y9, Y0, Y9)
	VMULPS(Y2, Y9, Y9)
	VMULPS(Y6, Y9, Y9)
	VMOVUPS(Y9, Mem{Base: dg}) // dz = d·(h−h̃)·z·(1−z)
	VMULPS(Mem{Base: rh}, Y8, Y10)
	VMULPS(Y3, Y10, Y10)
	VSUBPS(Y3, Y15, Y11)
	VMULPS(Y11, Y10, Y10)
	VMOVUPS(Y10, Mem{Base: dg, Index: u, Scale: 1}) // dr = c·rh·r·(1−r)
	VMOVUPS(Y8, Mem{Base: dg, Index: u, Scale: 2})  // dh̃ = c
	VMULPS(Y3, Y8, Y12)
	VMOVUPS(Y12, Mem{Base: drh}) // c·r
	for _, p := range []Register{dh, dg, drh, g, hp, rh, q, m} {
		ADDQ(U8(32), p)
	}
	DECQ(n)
	JNZ(LabelRef("gb_loop"))
	Label("gb_done")
	VZEROUPPER()
	RET()
}

// gruForward emits the fused forward step of a reset_after GRU row with
// sigmoid gates and a tanh candidate (see RefGRUForwardStep). The
// activations are the instruction sequences of sigmoidAvx2 and tanhAvx2,
// and the other products and sums are separate instructions in the order
// of the Go loops they replace, so the results equal the unfused kernels'.
func gruForward() {
	TEXT("gruForwardAvx2", NOSPLIT, "func(gate, rh, bh, hp, h, op, m *float32, u, ms, n, ops int)")
	Doc("gruForwardAvx2 is GRUForwardStep's vector part over n elements, n a multiple of 8; u and ms are the gate and mask strides in elements; the masked operands are written when ops ≠ 0.")
	g := Load(Param("gate"), GP64())
	rh := Load(Param("rh"), GP64())
	bh := Load(Param("bh"), GP64())
	hp := Load(Param("hp"), GP64())
	h := Load(Param("h"), GP64())
	op := Load(Param("op"), GP64())
	m := Load(Param("m"), GP64())
	u := Load(Param("u"), GP64())
	ms := Load(Param("ms"), GP64())
	n := Load(Param("n"), GP64())
	ops := Load(Param("ops"), GP64())
	SHLQ(U8(2), u) // bytes
	SHLQ(U8(2), ms)
	SHRQ(U8(3), n)
	JZ(LabelRef("gf_done"))
	Label("gf_loop")
	// z and r: sigmoid, as sigmoidAvx2 (input Y3, result Y1).
	for k, dst := range []VecPhysical{Y8, Y9} {
		at := Mem{Base: g}
		if k == 1 {
			at = Mem{Base: g, Index: u, Scale: 1}
		}
		VMOVUPS(at, Y3)
		VXORPS(Y0, Y0, Y0)
		VSUBPS(Y3, Y0, Y0)
		exp8(Y0, Y1, Y2)
		VADDPS(cst(cOne), Y0, Y0)
		VMOVUPS(cst(cOne), Y1)
		VDIVPS(Y0, Y1, Y1)
		VCMPPS(U8(3), Y3, Y3, Y4)
		VBLENDVPS(Y4, Y3, Y1, Y1)
		VMOVUPS(Y1, at)
		VMOVAPS(Y1, dst)
	}
	// v = rh + b′h (stored back); candidate pre-activation h̃ + r·v.
	VMOVUPS(Mem{Base: rh}, Y10)
	VADDPS(Mem{Base: bh}, Y10, Y10)
	VMOVUPS(Y10, Mem{Base: rh})
	VMULPS(Y10, Y9, Y11)
	VADDPS(Mem{Base: g, Index: u, Scale: 2}, Y11, Y11)
	// tanh, as tanhAvx2 (input Y11, result Y0).
	VANDPS(cst(cSign), Y11, Y5)
	VANDPS(cst(cAbs), Y11, Y0)
	VMULPS(Y0, Y0, Y3)
	VMOVUPS(cst(cT11), Y4)
	for _, c := range []int{cT9, cT7, cT5, cT3, cT1} {
		VFMADD213PS(cst(c), Y3, Y4)
	}
	VMULPS(Y0, Y3, Y3)
	VFMADD213PS(Y0, Y3, Y4)
	VCMPPS(U8(1), cst(cTanhSmall), Y0, Y6)
	VADDPS(Y0, Y0, Y0)
	exp8(Y0, Y1, Y2)
	VADDPS(cst(cOne), Y0, Y0)
	VMOVUPS(cst(cTwo), Y1)
	VDIVPS(Y0, Y1, Y1)
	VMOVUPS(cst(cOne), Y0)
	VSUBPS(Y1, Y0, Y0)
	VBLENDVPS(Y6, Y4, Y0, Y0)
	VORPS(Y5, Y0, Y0)
	VCMPPS(U8(3), Y11, Y11, Y2)
	VBLENDVPS(Y2, Y11, Y0, Y0)
	VMOVUPS(Y0, Mem{Base: g, Index: u, Scale: 2})
	// h = z·h_prev + (1 − z)·h̃.
	VMULPS(Mem{Base: hp}, Y8, Y12)
	VMOVUPS(cst(cOne), Y13)
	VSUBPS(Y8, Y13, Y13)
	VMULPS(Y0, Y13, Y13)
	VADDPS(Y13, Y12, Y12)
	VMOVUPS(Y12, Mem{Base: h})
	TESTQ(ops, ops)
	JZ(LabelRef("gf_next"))
	VMULPS(Mem{Base: m}, Y12, Y1)
	VMOVUPS(Y1, Mem{Base: op})
	VMULPS(Mem{Base: m, Index: ms, Scale: 1}, Y12, Y1)
	VMOVUPS(Y1, Mem{Base: op, Index: u, Scale: 1})
	VMULPS(Mem{Base: m, Index: ms, Scale: 2}, Y12, Y1)
	VMOVUPS(Y1, Mem{Base: op, Index: u, Scale: 2})
	Label("gf_next")
	for _, p := range []Register{g, rh, bh, hp, h, op, m} {
		ADDQ(U8(32), p)
	}
	DECQ(n)
	JNZ(LabelRef("gf_loop"))
	Label("gf_done")
	VZEROUPPER()
	RET()
}

// addBiasRelu emits AddBiasRelu's vector loop: addBias's column chunks and
// additions followed by relu's MAXPS with zero second, so the results are
// those of AddBias then Relu, in one pass over memory.
func addBiasRelu() {
	TEXT("addBiasReluAvx2", NOSPLIT, "func(dst, src *float32, rows, ld int, bias *float32, n int)")
	Doc("addBiasReluAvx2 sets dst[r*ld+j] = max(src[r*ld+j]+bias[j], 0) for r < rows (≥ 1) and j < n (a multiple of 32).")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	bias := Load(Param("bias"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(U8(2), ld)
	SHRQ(U8(5), n)
	VXORPS(Y15, Y15, Y15)
	Label("abr_chunk")
	for u := 0; u < 4; u++ {
		VMOVUPS(Mem{Base: bias, Disp: 32 * u}, ymm[4+u])
	}
	rows := Load(Param("rows"), GP64())
	p, q := GP64(), GP64()
	MOVQ(src, p)
	MOVQ(dst, q)
	Label("abr_row")
	for u := 0; u < 4; u++ {
		VADDPS(Mem{Base: p, Disp: 32 * u}, ymm[4+u], ymm[u])
		VMAXPS(Y15, ymm[u], ymm[u])
		VMOVUPS(ymm[u], Mem{Base: q, Disp: 32 * u})
	}
	ADDQ(ld, p)
	ADDQ(ld, q)
	DECQ(rows)
	JNZ(LabelRef("abr_row"))
	ADDQ(U8(128), bias)
	ADDQ(U8(128), src)
	ADDQ(U8(128), dst)
	DECQ(n)
	JNZ(LabelRef("abr_chunk"))
	VZEROUPPER()
	RET()
}

// maxPoolBackward emits MaxPool1DBackward's vector loop: every input row of
// every window is written once, dy where the window's argmax is that row
// and 0 elsewhere (compare-and-mask; adding +0 turns −0 into +0 as the
// clear-and-accumulate reference does).
func maxPoolBackward() {
	TEXT("maxPoolBackwardAvx2", NOSPLIT, "func(dx, dy *float32, arg *int32, ch, pool, outSteps int)")
	Doc("maxPoolBackwardAvx2 writes rows [0, outSteps·pool) of dx from dy and arg (ch a multiple of 8, pool and outSteps ≥ 1).")
	dx := Load(Param("dx"), GP64())
	dy := Load(Param("dy"), GP64())
	arg := Load(Param("arg"), GP64())
	ch := Load(Param("ch"), GP64())
	outSteps := Load(Param("outSteps"), GP64())
	SHLQ(U8(2), ch) // bytes
	row, j, rc := GP64(), GP64(), GP64()
	XORQ(row, row)
	VXORPS(Y14, Y14, Y14)
	Label("mpb_out")
	Load(Param("pool"), rc)
	Label("mpb_row")
	VMOVD(row.As32(), X15)
	VPBROADCASTD(X15, Y15) // this row's index in every lane
	XORQ(j, j)
	Label("mpb_ch")
	VMOVDQU(Mem{Base: arg, Index: j, Scale: 1}, Y1)
	VPCMPEQD(Y15, Y1, Y2)
	VANDPS(Mem{Base: dy, Index: j, Scale: 1}, Y2, Y3)
	VADDPS(Y14, Y3, Y3)
	VMOVUPS(Y3, Mem{Base: dx, Index: j, Scale: 1})
	ADDQ(U8(32), j)
	CMPQ(j, ch)
	JL(LabelRef("mpb_ch"))
	ADDQ(ch, dx)
	INCQ(row)
	DECQ(rc)
	JNZ(LabelRef("mpb_row"))
	ADDQ(ch, dy)
	ADDQ(ch, arg)
	DECQ(outSteps)
	JNZ(LabelRef("mpb_out"))
	VZEROUPPER()
	RET()
}

// exp16 is exp8 on 16 lanes (AVX-512F; constants broadcast from their
// first lane): the same operations in the same order, hence the same
// results lane for lane.
func exp16(x, n, t VecPhysical) {
	VMAXPS_BCST(cst(cExpLo), x, x)
	VMINPS_BCST(cst(cExpHi), x, x)
	VMULPS_BCST(cst(cLog2e), x, n)
	VRNDSCALEPS(U8(0), n, n) // nearest
	VFNMADD231PS_BCST(cst(cLn2Hi), n, x)
	VFNMADD231PS_BCST(cst(cLn2Lo), n, x)
	VBROADCASTSS(cst(cP7), t)
	for _, c := range []int{cP6, cP5, cP4, cP3, cP2, cOne, cOne} {
		VFMADD213PS_BCST(cst(c), x, t)
	}
	VCVTPS2DQ(n, n)
	VPSLLD(U8(23), n, n)
	VPADDD_BCST(cst(cOne), n, n)
	VMULPS(n, t, x)
}

// gruForward512 is gruForward on 16 lanes with AVX-512F: the same
// arithmetic (mask registers replace the ymm blends), so the same results.
func gruForward512() {
	TEXT("gruForwardAvx512", NOSPLIT, "func(gate, rh, bh, hp, h, op, m *float32, u, ms, n, ops int)")
	Doc("gruForwardAvx512 is gruForwardAvx2 on 16 lanes: n a multiple of 16.")
	g := Load(Param("gate"), GP64())
	rh := Load(Param("rh"), GP64())
	bh := Load(Param("bh"), GP64())
	hp := Load(Param("hp"), GP64())
	h := Load(Param("h"), GP64())
	op := Load(Param("op"), GP64())
	m := Load(Param("m"), GP64())
	u := Load(Param("u"), GP64())
	ms := Load(Param("ms"), GP64())
	n := Load(Param("n"), GP64())
	ops := Load(Param("ops"), GP64())
	SHLQ(U8(2), u)
	SHLQ(U8(2), ms)
	SHRQ(U8(4), n)
	JZ(LabelRef("gf5_done"))
	VBROADCASTSS(cst(cOne), Z15)
	VPXORD(Z14, Z14, Z14)
	Label("gf5_loop")
	gruForward512Body(g, rh, bh, hp, h, op, m, u, ms, ops, "gf5_next")
	Label("gf5_next")
	for _, p := range []Register{g, rh, bh, hp, h, op, m} {
		ADDQ(U8(64), p)
	}
	DECQ(n)
	JNZ(LabelRef("gf5_loop"))
	Label("gf5_done")
	VZEROUPPER()
	RET()
}

// gruBackward512 is gruBackward on 16 lanes with AVX-512F (the flush of
// tiny gradients uses a mask register): the same results lane for lane.
func gruBackward512() {
	TEXT("gruBackwardAvx512", NOSPLIT, "func(dh, dg, drh, gate, hp, rh, q, m *float32, u, ms, n int)")
	Doc("gruBackwardAvx512 is gruBackwardAvx2 on 16 lanes: n a multiple of 16.")
	dh := Load(Param("dh"), GP64())
	dg := Load(Param("dg"), GP64())
	drh := Load(Param("drh"), GP64())
	g := Load(Param("gate"), GP64())
	hp := Load(Param("hp"), GP64())
	rh := Load(Param("rh"), GP64())
	q := Load(Param("q"), GP64())
	m := Load(Param("m"), GP64())
	u := Load(Param("u"), GP64())
	ms := Load(Param("ms"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(U8(2), u)
	SHLQ(U8(2), ms)
	SHRQ(U8(4), n)
	JZ(LabelRef("gb5_done"))
	VBROADCASTSS(cst(cOne), Z15)
	Label("gb5_loop")
	gruBackward512Body(dh, dg, drh, g, hp, rh, q, m, u, ms)
	for _, p := range []Register{dh, dg, drh, g, hp, rh, q, m} {
		ADDQ(U8(64), p)
	}
	DECQ(n)
	JNZ(LabelRef("gb5_loop"))
	Label("gb5_done")
	VZEROUPPER()
	RET()
}

// gruBackward512Body emits one 16-lane step of gruBackward512 at the
// current pointers (u and ms in bytes; Z15 holds 1.0).
func gruBackward512Body(dh, dg, drh, g, hp, rh, q, m, u, ms Register) {
	VMOVUPS(Mem{Base: dh}, Z0)
	VMOVUPS(Mem{Base: q}, Z1)
	VMULPS(Mem{Base: m}, Z1, Z1)
	VADDPS(Z1, Z0, Z0)
	VMOVUPS(Mem{Base: q, Index: u, Scale: 1}, Z1)
	VMULPS(Mem{Base: m, Index: ms, Scale: 1}, Z1, Z1)
	VADDPS(Z1, Z0, Z0)
	VMOVUPS(Mem{Base: q, Index: u, Scale: 2}, Z1)
	VMULPS(Mem{Base: m, Index: ms, Scale: 2}, Z1, Z1)
	VADDPS(Z1, Z0, Z0)
	VPANDD_BCST(cst(cAbs), Z0, Z1)
	VCMPPS_BCST(U8(1), cst(cTiny), Z1, K1) // |d| < 2^-100
	VPXORD(Z0, Z0, K1, Z0)                 // those lanes to +0
	VMOVUPS(Mem{Base: g}, Z2)
	VMOVUPS(Mem{Base: g, Index: u, Scale: 1}, Z3)
	VMOVUPS(Mem{Base: g, Index: u, Scale: 2}, Z4)
	VMULPS(Z2, Z0, Z5)
	VMOVUPS(Z5, Mem{Base: dh})
	VSUBPS(Z2, Z15, Z6)
	VMULPS(Z4, Z4, Z7)
	VSUBPS(Z7, Z15, Z7)
	VMULPS(Z6, Z0, Z8)
	VMULPS(Z7, Z8, Z8)
	VMOVUPS(Mem{Base: hp}, Z9)
	VSUBPS(Z4, Z9, Z9)
	VMULPS(Z9, Z0, Z9)
	VMULPS(Z2, Z9, Z9)
	VMULPS(Z6, Z9, Z9)
	VMOVUPS(Z9, Mem{Base: dg})
	VMULPS(Mem{Base: rh}, Z8, Z10)
	VMULPS(Z3, Z10, Z10)
	VSUBPS(Z3, Z15, Z11)
	VMULPS(Z11, Z10, Z10)
	VMOVUPS(Z10, Mem{Base: dg, Index: u, Scale: 1})
	VMOVUPS(Z8, Mem{Base: dg, Index: u, Scale: 2})
	VMULPS(Z3, Z8, Z12)
	VMOVUPS(Z12, Mem{Base: drh})
}

// gruBackwardRows512 runs gruBackward512 over rows rows of u elements
// each: the u-wide arrays are contiguous across rows, the 3u-wide ones
// (gate, dgate, operand gradients) advance by 3u per row.
func gruBackwardRows512() {
	TEXT("gruBackwardRowsAvx512", NOSPLIT, "func(dh, dg, drh, gate, hp, rh, q, m *float32, u, ms, rows int)")
	Doc("gruBackwardRowsAvx512 is gruBackwardAvx512 over rows rows of u elements (u a multiple of 16, rows ≥ 1).")
	dh := Load(Param("dh"), GP64())
	dg := Load(Param("dg"), GP64())
	drh := Load(Param("drh"), GP64())
	g := Load(Param("gate"), GP64())
	hp := Load(Param("hp"), GP64())
	rh := Load(Param("rh"), GP64())
	q := Load(Param("q"), GP64())
	m := Load(Param("m"), GP64())
	u := Load(Param("u"), GP64())
	ms := Load(Param("ms"), GP64())
	rows := Load(Param("rows"), GP64())
	SHLQ(U8(2), u)
	SHLQ(U8(2), ms)
	u2 := GP64()
	MOVQ(u, u2)
	SHLQ(U8(1), u2) // 2u bytes: the rest of a 3u-wide row
	VBROADCASTSS(cst(cOne), Z15)
	j := GP64()
	Label("gbr5_row")
	MOVQ(u, j)
	Label("gbr5_vec")
	gruBackward512Body(dh, dg, drh, g, hp, rh, q, m, u, ms)
	for _, p := range []Register{dh, dg, drh, g, hp, rh, q, m} {
		ADDQ(U8(64), p)
	}
	SUBQ(U8(64), j)
	JNZ(LabelRef("gbr5_vec"))
	ADDQ(u2, dg)
	ADDQ(u2, g)
	ADDQ(u2, q)
	DECQ(rows)
	JNZ(LabelRef("gbr5_row"))
	VZEROUPPER()
	RET()
}

// gruForward512Body emits one 16-lane step of gruForward512 at the current
// pointers (u and ms in bytes; Z15 holds 1.0 and Z14 zero); when ops is 0
// it jumps to next before the operand stores.
func gruForward512Body(g, rh, bh, hp, h, op, m, u, ms, ops Register, next string) {
	for k, dst := range []VecPhysical{Z8, Z9} {
		at := Mem{Base: g}
		if k == 1 {
			at = Mem{Base: g, Index: u, Scale: 1}
		}
		VMOVUPS(at, Z3)
		VSUBPS(Z3, Z14, Z0) // -x
		exp16(Z0, Z1, Z2)
		VADDPS(Z15, Z0, Z0)
		VDIVPS(Z0, Z15, Z1)
		VCMPPS(U8(3), Z3, Z3, K1) // unordered: NaN passes through
		VBLENDMPS(Z3, Z1, K1, Z1)
		VMOVUPS(Z1, at)
		VMOVAPS(Z1, dst)
	}
	VMOVUPS(Mem{Base: rh}, Z10)
	VADDPS(Mem{Base: bh}, Z10, Z10)
	VMOVUPS(Z10, Mem{Base: rh})
	VMULPS(Z10, Z9, Z11)
	VADDPS(Mem{Base: g, Index: u, Scale: 2}, Z11, Z11)
	// tanh of Z11 into Z0, as tanhAvx2.
	VPANDD_BCST(cst(cSign), Z11, Z5)
	VPANDD_BCST(cst(cAbs), Z11, Z0)
	VMULPS(Z0, Z0, Z3)
	VBROADCASTSS(cst(cT11), Z4)
	for _, c := range []int{cT9, cT7, cT5, cT3, cT1} {
		VFMADD213PS_BCST(cst(c), Z3, Z4)
	}
	VMULPS(Z0, Z3, Z3)
	VFMADD213PS(Z0, Z3, Z4)
	VCMPPS_BCST(U8(1), cst(cTanhSmall), Z0, K2)
	VADDPS(Z0, Z0, Z0)
	exp16(Z0, Z1, Z2)
	VADDPS(Z15, Z0, Z0)
	VBROADCASTSS(cst(cTwo), Z1)
	VDIVPS(Z0, Z1, Z1)
	VSUBPS(Z1, Z15, Z0)
	VBLENDMPS(Z4, Z0, K2, Z0)
	VPORD(Z5, Z0, Z0)
	VCMPPS(U8(3), Z11, Z11, K1)
	VBLENDMPS(Z11, Z0, K1, Z0)
	VMOVUPS(Z0, Mem{Base: g, Index: u, Scale: 2})
	VMULPS(Mem{Base: hp}, Z8, Z12)
	VSUBPS(Z8, Z15, Z13)
	VMULPS(Z0, Z13, Z13)
	VADDPS(Z13, Z12, Z12)
	VMOVUPS(Z12, Mem{Base: h})
	TESTQ(ops, ops)
	JZ(LabelRef(next))
	VMULPS(Mem{Base: m}, Z12, Z1)
	VMOVUPS(Z1, Mem{Base: op})
	VMULPS(Mem{Base: m, Index: ms, Scale: 1}, Z12, Z1)
	VMOVUPS(Z1, Mem{Base: op, Index: u, Scale: 1})
	VMULPS(Mem{Base: m, Index: ms, Scale: 2}, Z12, Z1)
	VMOVUPS(Z1, Mem{Base: op, Index: u, Scale: 2})
}

// gruForwardRows512 runs gruForward512 over rows rows of u elements: the
// u-wide arrays are contiguous across rows, gate and the operands advance
// by 3u per row and bh restarts at every row.
func gruForwardRows512() {
	TEXT("gruForwardRowsAvx512", NOSPLIT, "func(gate, rh, bh, hp, h, op, m *float32, u, ms, rows, ops int)")
	Doc("gruForwardRowsAvx512 is gruForwardAvx512 over rows rows of u elements (u a multiple of 16, rows ≥ 1).")
	g := Load(Param("gate"), GP64())
	rh := Load(Param("rh"), GP64())
	bh := Load(Param("bh"), GP64())
	hp := Load(Param("hp"), GP64())
	h := Load(Param("h"), GP64())
	op := Load(Param("op"), GP64())
	m := Load(Param("m"), GP64())
	u := Load(Param("u"), GP64())
	ms := Load(Param("ms"), GP64())
	rows := Load(Param("rows"), GP64())
	ops := Load(Param("ops"), GP64())
	SHLQ(U8(2), u)
	SHLQ(U8(2), ms)
	u2 := GP64()
	MOVQ(u, u2)
	SHLQ(U8(1), u2) // 2u bytes: the rest of a 3u-wide row
	VBROADCASTSS(cst(cOne), Z15)
	VPXORD(Z14, Z14, Z14)
	j := GP64()
	Label("gfr5_row")
	MOVQ(u, j)
	Label("gfr5_vec")
	gruForward512Body(g, rh, bh, hp, h, op, m, u, ms, ops, "gfr5_next")
	Label("gfr5_next")
	for _, p := range []Register{g, rh, bh, hp, h, op, m} {
		ADDQ(U8(64), p)
	}
	SUBQ(U8(64), j)
	JNZ(LabelRef("gfr5_vec"))
	ADDQ(u2, g)
	ADDQ(u2, op)
	SUBQ(u, bh)
	DECQ(rows)
	JNZ(LabelRef("gfr5_row"))
	VZEROUPPER()
	RET()
}
