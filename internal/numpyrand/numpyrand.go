// Package numpyrand reproduces the parts of numpy's legacy
// numpy.random.RandomState that seqconv needs to match Keras bit for bit:
// the MT19937 generator seeded from an integer, random_sample, bounded
// integers (random_interval) and the in-place shuffle of a 1-D array.
//
// Keras's imdb.load_data shuffles with RandomState(113); reproducing the
// exact stream is the only way to get the same sample order as Keras.
package numpyrand

const (
	n         = 624
	m         = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// RandomState is numpy's legacy MT19937 generator. The zero value is not
// usable; create one with New.
type RandomState struct {
	mt  [n]uint32
	pos int
}

// New returns a generator in the state of numpy.random.RandomState(seed).
// numpy accepts integer seeds in [0, 2**32-1], exactly the uint32 range.
func New(seed uint32) *RandomState {
	r := &RandomState{}
	r.Seed(seed)
	return r
}

// Seed resets the generator as RandomState.seed(seed) does for an integer
// seed (MT19937's init_genrand).
func (r *RandomState) Seed(seed uint32) {
	r.mt[0] = seed
	for i := 1; i < n; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.pos = n
}

// generate refills the state vector (the classic MT19937 twist).
func (r *RandomState) generate() {
	mt := &r.mt
	var i int
	for ; i < n-m; i++ {
		y := mt[i]&upperMask | mt[i+1]&lowerMask
		mt[i] = mt[i+m] ^ y>>1 ^ -(y&1)&matrixA
	}
	for ; i < n-1; i++ {
		y := mt[i]&upperMask | mt[i+1]&lowerMask
		mt[i] = mt[i+m-n] ^ y>>1 ^ -(y&1)&matrixA
	}
	y := mt[n-1]&upperMask | mt[0]&lowerMask
	mt[n-1] = mt[m-1] ^ y>>1 ^ -(y&1)&matrixA
	r.pos = 0
}

// Uint32 returns the next tempered 32-bit output, the value
// randint(0, 2**32, dtype=np.uint32) returns.
func (r *RandomState) Uint32() uint32 {
	if r.pos >= n {
		r.generate()
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// Uint64 returns two consecutive 32-bit outputs, the first in the high
// half, as numpy's MT19937 next_uint64 does.
func (r *RandomState) Uint64() uint64 {
	hi := uint64(r.Uint32())
	return hi<<32 | uint64(r.Uint32())
}

// Float64 returns a float in [0, 1) with 53 random bits, the value of
// random_sample().
func (r *RandomState) Float64() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}

// Interval returns a uniform integer in [0, max] the way numpy's
// random_interval does: mask to the next power of two minus one and reject
// values above max, drawing 32-bit outputs while max fits in 32 bits.
func (r *RandomState) Interval(max uint64) uint64 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	mask |= mask >> 32
	if max <= 0xffffffff {
		for {
			if v := uint64(r.Uint32()) & mask; v <= max {
				return v
			}
		}
	}
	for {
		if v := r.Uint64() & mask; v <= max {
			return v
		}
	}
}

// Shuffle permutes a sequence of length n in place exactly as numpy's
// legacy RandomState.shuffle permutes a 1-D array: a Fisher–Yates pass from
// the last element down to the second, swapping element i with
// Interval(i). swap must exchange elements i and j.
func (r *RandomState) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		j := int(r.Interval(uint64(i)))
		swap(i, j)
	}
}

// Permutation returns the result of shuffling np.arange(n) with r, the
// index order Keras applies to a dataset's samples and labels.
func (r *RandomState) Permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}
