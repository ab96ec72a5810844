package kernels

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/seqconv/seqconv/internal/parallel"
)

// microKernel computes one mr×nr tile of C = alpha·A·B + beta·C over k steps.
// A element (i, p) is at a[i*lda+p] for a row kernel and a[p*lda+i] for a
// column kernel; B element (p, j) is at b[p*ldb+j]; C element (i, j) at
// c[i*ldc+j]. With beta == ±0, C is not read. Leading dimensions are in
// elements.
type microKernel func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// gemmImpl is one SGEMM code path: a register tile size and its kernels.
type gemmImpl struct {
	name   string
	mr, nr int
	row    microKernel
	col    microKernel
	kc, mc int // cache blocking: K block (B panel fits L1), M block (A block fits L2)
	// edgeRow[h] and edgeCol[h] (0 < h < mr), when present, compute h×nr
	// tiles for the bottom edge of C straight from A.
	edgeRow, edgeCol []microKernel
}

// gemmImpls lists the code paths this build and CPU support, best first;
// gemm is the one Sgemm uses (tests and benchmarks switch it to exercise
// every path available on the machine).
var (
	gemmImpls []*gemmImpl
	gemm      *gemmImpl
)

// parallelFlops is the work (2·m·n·k) below which Sgemm stays on the
// calling goroutine: a hand-off costs a few microseconds, and the recurrent
// layers issue many tiny products in sequence.
const parallelFlops = 2 << 20

// directBMaxLd is the largest ldb for which full B panels are read in
// place instead of packed: short rows keep a K×NR panel in few cache sets.
const directBMaxLd = 128

// packAMinLd is the smallest lda from which a transposed A is packed: a
// large stride puts consecutive k steps in few cache sets. A non-transposed
// A is read in place (measured no slower than packing, even for 1024×1024
// with a 4 KiB row stride), except for the ragged last row tile.
const packAMinLd = 512

// maxPackedB caps the packed copy of B (elements, 64 MiB); larger products
// are cut along K (see sgemm).
var maxPackedB = 16 << 20

// Packing buffers are recycled between calls, in separate pools for the
// per-call B buffer, the per-worker A buffers and split-K partial products,
// since their sizes differ.
var bPool, aPool, cPool sync.Pool

func getBuf(pool *sync.Pool, n int) *[]float32 {
	if p, ok := pool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n, n+n/4)
	return &s
}

// sgemm is the blocked driver behind Sgemm.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if k <= 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	g := gemm
	nr := g.nr
	nPanels := (n + nr - 1) / nr
	mTiles := (m + g.mr - 1) / g.mr

	// Bound the packed copy of B: a product whose B would exceed
	// maxPackedB elements is done as a sequence of whole-K-block slices,
	// each accumulating into C (the per-element arithmetic is unchanged).
	// (One K block is the smallest slice, whatever its size.)
	step := max(maxPackedB/(nPanels*nr)/g.kc, 1) * g.kc
	if packedB := transB || ldb > directBMaxLd || n%nr != 0; packedB && k > step {
		for k0 := 0; k0 < k; k0 += step {
			kk := min(step, k-k0)
			ak, bk := a[k0:], b[k0:]
			if transA {
				ak = a[k0*lda:]
			}
			if !transB {
				bk = b[k0*ldb:]
			}
			sgemm(transA, transB, m, n, kk, alpha, ak, lda, bk, ldb, beta, c, ldc)
			beta = 1
		}
		return
	}

	// B: full panels read in place when rows are short and not transposed,
	// otherwise packed once per call as K blocks of zero-padded KC×NR panels.
	directB := !transB && ldb <= directBMaxLd
	var bp *[]float32
	npad := nPanels * nr
	if !directB || n%nr != 0 {
		bp = getBuf(&bPool, k*npad)
		packB(g, transB, n, k, b, ldb, *bp, npad, directB, 2*m*n*k >= parallelFlops)
		defer bPool.Put(bp)
	}
	var bpk []float32
	if bp != nil {
		bpk = *bp
	}
	job := gemmJob{
		g: g, transA: transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
		b: b, ldb: ldb, bp: bpk, npad: npad, directB: directB, beta: beta, c: c, ldc: ldc,
		packAll: transA && lda >= packAMinLd,
		// With K much larger than M (weight gradients), sweeping every row
		// tile per K block reads A from memory once instead of once per row
		// block; otherwise keep each row block's A hot in L2 across K.
		kOuter: k > 2*m,
	}
	w := parallel.Workers()
	if w == 1 || 2*m*n*k < parallelFlops {
		job.run(0, mTiles, 0, nPanels)
		return
	}
	job.runParallel(w, mTiles, nPanels)
}

// runParallel splits the tiles across the worker pool: by M tiles when
// there are enough, else by N panels. The receiver is a copy so that only
// parallel calls pay for the closure's heap allocation.
func (j gemmJob) runParallel(w, mTiles, nPanels int) {
	switch {
	case j.kOuter && j.k >= 2*j.g.kc && j.m*j.n <= splitKMaxC:
		j.runSplitK(w)
	case mTiles >= 2*w:
		parallel.For(mTiles, 1, func(lo, hi int) { j.run(lo, hi, 0, nPanels) })
	case nPanels >= w:
		parallel.For(nPanels, 1, func(lo, hi int) { j.run(0, mTiles, lo, hi) })
	default:
		j.run(0, mTiles, 0, nPanels)
	}
}

// checkGemm panics with a descriptive message when a slice is too short for
// the shape, since the assembly kernels do not bounds-check.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	need := func(rows, cols, ld int) int {
		if rows == 0 || cols == 0 {
			return 0
		}
		return (rows-1)*ld + cols
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	switch {
	case k > 0 && (lda < 1 || len(a) < need(ar, ac, lda)):
		panic(fmt.Sprintf("kernels: Sgemm: A is %d×%d with lda %d but has %d elements", ar, ac, lda, len(a)))
	case k > 0 && (ldb < 1 || len(b) < need(br, bc, ldb)):
		panic(fmt.Sprintf("kernels: Sgemm: B is %d×%d with ldb %d but has %d elements", br, bc, ldb, len(b)))
	case ldc < n || len(c) < need(m, n, ldc):
		panic(fmt.Sprintf("kernels: Sgemm: C is %d×%d with ldc %d but has %d elements", m, n, ldc, len(c)))
	}
}

// scaleC sets C = beta·C (C = 0 without reading it when beta is 0).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// packB copies op(B) into bp: for each K block starting at p0 (length kb),
// panel jp occupies bp[p0*npad+jp*kb*nr:][:kb*nr] as kb rows of nr columns,
// zero-padded past n. With onlyEdge, full panels are skipped (read in place).
func packB(g *gemmImpl, transB bool, n, k int, b []float32, ldb int, bp []float32, npad int, onlyEdge, par bool) {
	nr, kc := g.nr, g.kc
	nPanels := npad / nr
	nBlocks := (k + kc - 1) / kc
	first := 0
	if onlyEdge {
		first = nPanels - 1
	}
	work := func(lo, hi int) {
		for t := lo; t < hi; t++ {
			blk, jp := t/nPanels, t%nPanels
			if jp < first {
				continue
			}
			p0 := blk * kc
			kb := min(kc, k-p0)
			j0 := jp * nr
			w := min(nr, n-j0)
			dst := bp[p0*npad+jp*kb*nr:][:kb*nr]
			if transB {
				// Read each row of B (a column of op(B)) sequentially.
				for j := 0; j < w; j++ {
					for p, v := range b[(j0+j)*ldb+p0:][:kb] {
						dst[p*nr+j] = v
					}
				}
				if w < nr {
					for p := 0; p < kb; p++ {
						clear(dst[p*nr+w : p*nr+nr])
					}
				}
				continue
			}
			for p := 0; p < kb; p++ {
				row := dst[p*nr : p*nr+nr]
				copy(row[:w], b[(p0+p)*ldb+j0:][:w])
				clear(row[w:])
			}
		}
	}
	if par {
		parallel.For(nBlocks*nPanels, 1, work)
	} else {
		work(0, nBlocks*nPanels)
	}
}

// gemmJob carries one Sgemm call's operands to the workers.
type gemmJob struct {
	g                *gemmImpl
	transA           bool
	m, n, k          int
	alpha, beta      float32
	a, b, c, bp      []float32
	lda, ldb, ldc    int
	npad             int
	directB, packAll bool
	kOuter           bool // K blocks outermost: A then streams from memory once
}

// run computes the C tiles in M tiles [tlo, thi) × N panels [plo, phi).
// The per-element arithmetic (K blocking and order) does not depend on the
// range, so any split of the work gives bit-identical results.
func (j *gemmJob) run(tlo, thi, plo, phi int) {
	g := j.g
	mr, nr, kc := g.mr, g.nr, g.kc
	tilesPerBlock := max(g.mc/mr, 1)
	// One pooled buffer holds the packed A tiles and the edge-tile scratch
	// (a stack array would escape through the kernel func value).
	buf := getBuf(&aPool, tilesPerBlock*mr*kc+mr*nr)
	defer aPool.Put(buf)
	ap := (*buf)[:tilesPerBlock*mr*kc]
	tmp := (*buf)[tilesPerBlock*mr*kc:]
	if j.kOuter {
		for p0 := 0; p0 < j.k; p0 += kc {
			for tb := tlo; tb < thi; tb += tilesPerBlock {
				j.block(tb, min(tb+tilesPerBlock, thi), plo, phi, p0, ap, tmp)
			}
		}
		return
	}
	for tb := tlo; tb < thi; tb += tilesPerBlock {
		for p0 := 0; p0 < j.k; p0 += kc {
			j.block(tb, min(tb+tilesPerBlock, thi), plo, phi, p0, ap, tmp)
		}
	}
}

// block computes the K block starting at p0 for M tiles [tb, te) × N panels
// [plo, phi), accumulating into C (or applying beta for the first block).
func (j *gemmJob) block(tb, te, plo, phi, p0 int, ap, tmp []float32) {
	g := j.g
	mr, nr, kc := g.mr, g.nr, g.kc
	kb := min(kc, j.k-p0)
	beta := j.beta
	if p0 > 0 {
		beta = 1
	}
	// Pack the A tiles that need it: all of them for a widely strided
	// transposed A; otherwise only a ragged last tile when there is no
	// shorter kernel for it (a full tile there would run past A's rows).
	for t := tb; t < te; t++ {
		i0 := t * mr
		if j.packAll || i0+mr > j.m && g.edgeRow == nil {
			packA(j.transA, min(mr, j.m-i0), mr, kb, j.a, j.lda, i0, p0, ap[(t-tb)*mr*kc:][:mr*kb])
		}
	}
	for jp := plo; jp < phi; jp++ {
		j0 := jp * nr
		var bptr *float32
		ldb := nr
		if j.directB && j0+nr <= j.n {
			bptr, ldb = &j.b[p0*j.ldb+j0], j.ldb
		} else {
			bptr = &j.bp[p0*j.npad+jp*kb*nr]
		}
		w := min(nr, j.n-j0)
		for t := tb; t < te; t++ {
			i0 := t * mr
			h := min(mr, j.m-i0)
			kern, aptr, lda := g.col, ap[(t-tb)*mr*kc:], mr
			var ap0 *float32
			exact := h == mr // the kernel writes exactly the tile's rows
			switch {
			case j.packAll || h < mr && g.edgeRow == nil:
				ap0 = &aptr[0]
			case h < mr && j.transA:
				kern, ap0, lda, exact = g.edgeCol[h], &j.a[p0*j.lda+i0], j.lda, true
			case h < mr:
				kern, ap0, lda, exact = g.edgeRow[h], &j.a[i0*j.lda+p0], j.lda, true
			case j.transA:
				ap0, lda = &j.a[p0*j.lda+i0], j.lda
			default:
				kern, ap0, lda = g.row, &j.a[i0*j.lda+p0], j.lda
			}
			if exact && w == nr {
				kern(kb, ap0, lda, bptr, ldb, &j.c[i0*j.ldc+j0], j.ldc, j.alpha, beta)
				continue
			}
			kern(kb, ap0, lda, bptr, ldb, &tmp[0], nr, 1, 0)
			for i := 0; i < h; i++ {
				crow := j.c[(i0+i)*j.ldc+j0:][:w]
				trow := tmp[i*nr:][:w]
				if beta == 0 {
					for x := range crow {
						crow[x] = j.alpha * trow[x]
					}
				} else {
					for x := range crow {
						crow[x] = j.alpha*trow[x] + beta*crow[x]
					}
				}
			}
		}
	}
}

// splitKMaxC bounds the size of C (elements) for which a K ≫ M product is
// split along K: each extra worker then needs a private m×n partial C.
const splitKMaxC = 1 << 18

// runSplitK splits K (in whole K blocks) across the workers: the first
// chunk accumulates into C with the caller's beta, the others into private
// partial products that are then added to C in chunk order. Each worker
// streams only its share of A and B, which matters when K is huge and C
// small (a convolution's weight gradient). The sum order depends on the
// worker count but not on timing, so a given count is reproducible.
func (j gemmJob) runSplitK(w int) {
	kc := j.g.kc
	nkb := (j.k + kc - 1) / kc
	chunks := min(w, nkb)
	per := (nkb + chunks - 1) / chunks * kc
	chunks = (j.k + per - 1) / per
	mTiles := (j.m + j.g.mr - 1) / j.g.mr
	nPanels := (j.n + j.g.nr - 1) / j.g.nr
	mn := j.m * j.n
	part := getBuf(&cPool, (chunks-1)*mn)
	defer cPool.Put(part)
	parallel.For(chunks, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			sub := j
			k0 := ch * per
			sub.k = min(per, j.k-k0)
			if j.transA {
				sub.a = j.a[k0*j.lda:]
			} else {
				sub.a = j.a[k0:]
			}
			if j.directB { // otherwise B is only read packed
				sub.b = j.b[k0*j.ldb:]
			}
			if j.bp != nil {
				sub.bp = j.bp[k0*j.npad:]
			}
			if ch > 0 {
				sub.c, sub.ldc, sub.beta = (*part)[(ch-1)*mn:][:mn], j.n, 0
			}
			sub.run(0, mTiles, 0, nPanels)
		}
	})
	for ch := 1; ch < chunks; ch++ {
		p := (*part)[(ch-1)*mn:][:mn]
		for i := 0; i < j.m; i++ {
			crow := j.c[i*j.ldc:][:j.n]
			for x, v := range p[i*j.n:][:j.n] {
				crow[x] += v
			}
		}
	}
}

// packA copies rows [i0, i0+h) × columns [p0, p0+kb) of op(A) into dst in
// column layout (dst[p*mr+i]), zero-padding rows h..mr-1.
func packA(transA bool, h, mr, kb int, a []float32, lda, i0, p0 int, dst []float32) {
	dst = dst[:kb*mr]
	if transA {
		for p := 0; p < kb; p++ {
			col := dst[p*mr : p*mr+mr]
			copy(col[:h], a[(p0+p)*lda+i0:][:h])
			clear(col[h:])
		}
		return
	}
	// Read each row sequentially and scatter it with stride mr.
	for i := 0; i < mr; i++ {
		if i >= h {
			for p := 0; p < kb; p++ {
				dst[p*mr+i] = 0
			}
			continue
		}
		row := a[(i0+i)*lda+p0:][:kb]
		for p, v := range row {
			dst[p*mr+i] = v
		}
	}
}

// goKernel is the portable micro-kernel (4×4, sixteen scalar accumulators
// the compiler keeps in registers) used when no assembly path is available.
func goKernel(rowA bool) microKernel {
	return func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32) {
		// A's element (i, p) is at ai[i] + p·ap.
		ap, ai := lda, [4]int{0, 1, 2, 3}
		na := (k-1)*lda + 4
		if rowA {
			ap, ai = 1, [4]int{0, lda, 2 * lda, 3 * lda}
			na = 3*lda + k
		}
		as := unsafe.Slice(a, na)
		bs := unsafe.Slice(b, (k-1)*ldb+4)
		var c00, c01, c02, c03, c10, c11, c12, c13 float32
		var c20, c21, c22, c23, c30, c31, c32, c33 float32
		for p := 0; p < k; p++ {
			br := bs[p*ldb : p*ldb+4 : p*ldb+4]
			b0, b1, b2, b3 := br[0], br[1], br[2], br[3]
			o := p * ap
			a0, a1, a2, a3 := as[o+ai[0]], as[o+ai[1]], as[o+ai[2]], as[o+ai[3]]
			c00, c01, c02, c03 = c00+a0*b0, c01+a0*b1, c02+a0*b2, c03+a0*b3
			c10, c11, c12, c13 = c10+a1*b0, c11+a1*b1, c12+a1*b2, c13+a1*b3
			c20, c21, c22, c23 = c20+a2*b0, c21+a2*b1, c22+a2*b2, c23+a2*b3
			c30, c31, c32, c33 = c30+a3*b0, c31+a3*b1, c32+a3*b2, c33+a3*b3
		}
		acc := [4][4]float32{
			{c00, c01, c02, c03}, {c10, c11, c12, c13},
			{c20, c21, c22, c23}, {c30, c31, c32, c33},
		}
		cs := unsafe.Slice(c, 3*ldc+4)
		for i := range acc {
			row := cs[i*ldc : i*ldc+4]
			for x, v := range acc[i] {
				if beta == 0 {
					row[x] = alpha * v
				} else {
					row[x] = alpha*v + beta*row[x]
				}
			}
		}
	}
}

var goGemm = &gemmImpl{name: "go", mr: 4, nr: 4, row: goKernel(true), col: goKernel(false), kc: 256, mc: 64}
