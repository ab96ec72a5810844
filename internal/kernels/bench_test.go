package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// benchShape is an Sgemm problem from the reference models.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
	lda            int // 0: dense (row length)
}

var benchShapes = []benchShape{
	{name: "1024cube", m: 1024, n: 1024, k: 1024},
	// IMDB first Conv1D over a batch as one implicit im2col product:
	// 63232 rows of 7·128 inputs read with stride 128 (overlapping).
	{name: "conv_fwd_M63232_K896_N32_lda128", m: 63232, n: 32, k: 896, lda: 128},
	// Its weight gradient: im2colᵀ·dY with the same overlapping input.
	{name: "conv_wgrad_tA_M896_K63232_N32_lda128", transA: true, m: 896, n: 32, k: 63232, lda: 128},
	// Its input gradient as dY·Wᵀ (before a col2im scatter), K = 32.
	{name: "conv_dx_tB_M63232_K32_N896", transB: true, m: 63232, n: 896, k: 32},
	// One GRU step's input/recurrent product for a batch of 128.
	{name: "gru_M128_K32_N96", m: 128, n: 96, k: 32},
}

func (s benchShape) operands() (a, b, c []float32, lda, ldb int) {
	r := rand.New(rand.NewPCG(1, 2))
	lda = s.lda
	if lda == 0 {
		lda = s.k
		if s.transA {
			lda = s.m
		}
	}
	ldb = s.n
	ar, ac := s.m, s.k
	if s.transA {
		ar, ac = s.k, s.m
	}
	if s.transB {
		ldb = s.k
	}
	a = randSlice(r, matLen(ar, ac, lda))
	b = randSlice(r, s.k*s.n) // ldb·rows = k·n either way
	c = make([]float32, s.m*s.n)
	return a, b, c, lda, ldb
}

func reportGflops(b *testing.B, s benchShape, cpu0 float64) {
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
	reportFlops(b, flops, cpu0)
}

// reportFlops reports wall-clock GFLOP/s and GFLOP per CPU-second of the
// process (cpu0 is cpuSeconds() before the loop). On a machine shared with
// other jobs the second is the steadier measure of the code itself.
func reportFlops(b *testing.B, flops, cpu0 float64) {
	total := flops * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(total/cpu/1e9, "GFLOP/cpu-s")
	}
}

// BenchmarkSgemm measures each SGEMM path on each shape with 1 and 2
// workers (GOMAXPROCS is set inside, whatever -cpu says).
func BenchmarkSgemm(b *testing.B) {
	saved := gemm
	defer func() { gemm = saved }()
	for _, s := range benchShapes {
		a, bm, c, lda, ldb := s.operands()
		for _, g := range gemmImpls {
			if g.name == "go" && s.name != "gru_M128_K32_N96" {
				continue // minutes per op on the large shapes
			}
			for _, procs := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/procs=%d", s.name, g.name, procs), func(b *testing.B) {
					prev := runtime.GOMAXPROCS(procs)
					defer runtime.GOMAXPROCS(prev)
					gemm = g
					cpu0 := cpuSeconds()
					for b.Loop() {
						Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
					}
					reportGflops(b, s, cpu0)
				})
			}
		}
	}
}

// BenchmarkRefSgemm measures the pure-Go reference for comparison (slow:
// seconds per op on the large shapes).
func BenchmarkRefSgemm(b *testing.B) {
	for _, s := range benchShapes {
		if s.transA {
			continue // strided column walks: close to a minute per op
		}
		a, bm, c, lda, ldb := s.operands()
		b.Run(s.name, func(b *testing.B) {
			cpu0 := cpuSeconds()
			for b.Loop() {
				RefSgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			reportGflops(b, s, cpu0)
		})
	}
}

func BenchmarkElementwise(b *testing.B) {
	const n = 63232 * 32 / 8
	r := rand.New(rand.NewPCG(3, 4))
	x, y := randSlice(r, n), randSlice(r, n)
	for _, vec := range []bool{true, false} {
		saved := hasAVX2
		hasAVX2 = vec && saved
		name := "go"
		if hasAVX2 {
			name = "avx2"
		}
		for _, k := range []struct {
			name string
			run  func()
		}{
			{"Axpy", func() { Axpy(0.5, x, y) }},
			{"Dot", func() { Dot(x, y) }},
			{"Relu", func() { Relu(y, x) }},
			{"Sigmoid", func() { Sigmoid(y, x) }},
			{"Tanh", func() { Tanh(y, x) }},
		} {
			b.Run(k.name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					k.run()
				}
				b.SetBytes(8 * n)
			})
		}
		hasAVX2 = saved
	}
}

// BenchmarkMicroKernel measures each assembly micro-kernel alone on
// cache-resident operands: the ceiling for the blocked driver.
func BenchmarkMicroKernel(b *testing.B) {
	for _, g := range gemmImpls {
		const k = 256
		r := rand.New(rand.NewPCG(5, 6))
		a := randSlice(r, g.mr*k)
		bp := randSlice(r, k*g.nr)
		c := make([]float32, g.mr*g.nr)
		for _, v := range []struct {
			name string
			kern microKernel
			lda  int
		}{{"row", g.row, k}, {"col", g.col, g.mr}} {
			b.Run(g.name+"/"+v.name, func(b *testing.B) {
				cpu0 := cpuSeconds()
				for b.Loop() {
					v.kern(k, &a[0], v.lda, &bp[0], g.nr, &c[0], g.nr, 1, 1)
				}
				reportFlops(b, 2*float64(g.mr*g.nr*k), cpu0)
			})
		}
	}
}

// BenchmarkFMAPeak measures the AVX-512 FMA throughput of one core, the
// ceiling for every SGEMM figure above.
func BenchmarkFMAPeak(b *testing.B) {
	if len(gemmImpls) == 0 || gemmImpls[0].name != "avx512" {
		b.Skip("no AVX-512")
	}
	const iters = 1 << 16
	cpu0 := cpuSeconds()
	for b.Loop() {
		fmaPeakAvx512(iters)
	}
	reportFlops(b, 768*iters, cpu0)
}
