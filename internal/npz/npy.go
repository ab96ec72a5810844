// Package npz reads numpy's .npy and .npz files: numeric arrays (also as
// float32 tensors) and the object arrays of integer lists in which Keras
// ships its text datasets (imdb.npz, reuters.npz). It also writes float32
// tensors as .npy files and positional .npz archives (numpy.savez(path,
// *arrays)), the form of Keras model weights. Object arrays are stored as a Python pickle of
// the whole ndarray; only the few pickle classes numpy writes for them are
// understood, so loading a file never runs or imports foreign code.
package npz

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/seqconv/seqconv/tensor"
)

// npyMagic starts every .npy file; the format version follows in two bytes.
const npyMagic = "\x93NUMPY"

// maxHeaderLen bounds the .npy header, a short Python dict literal; a
// larger value means a corrupt or hostile file.
const maxHeaderLen = 1 << 20

// maxElements bounds the element count a header may declare, so that a
// corrupt shape cannot make a reader allocate without limit.
const maxElements = 1 << 36

// maxDataBytes bounds the bytes read for one array's data or pickle, so a
// compressed .npz member that inflates without end fails instead of
// exhausting memory. Keras's largest text dataset is about 100 MB.
const maxDataBytes = 4 << 30

// Array is one array read from a .npy file or .npz member.
type Array struct {
	// Descr is numpy's dtype string, such as "<i8", "|u1" or "|O".
	Descr string
	// Shape is the array's shape; a scalar has an empty shape.
	Shape []int
	// Fortran reports column-major storage (fortran_order).
	Fortran bool

	data    []byte // raw element bytes of a numeric array
	objects []any  // elements of an object array, in storage order
}

// Len returns the number of elements (the product of Shape).
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// IsObject reports whether the array holds Python objects (dtype "|O").
func (a *Array) IsObject() bool { return a.Descr[1:] == "O" || a.Descr[1:] == "O8" }

var errMagic = errors.New("not a .npy file (bad magic bytes)")

// ReadNPY reads one .npy stream. Object arrays are unpickled; the pickle
// may only use the classes numpy writes for an ndarray of plain Python
// values (see the package comment).
func ReadNPY(r io.Reader) (*Array, error) {
	br := bufio.NewReader(r)
	var pre [8]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: reading magic: %w", noEOF(err))
	}
	if string(pre[:6]) != npyMagic {
		return nil, errMagic
	}
	major := pre[6]
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", noEOF(err))
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", noEOF(err))
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d", major, pre[7])
	}
	if hlen > maxHeaderLen {
		return nil, fmt.Errorf("npy: header length %d exceeds %d bytes", hlen, maxHeaderLen)
	}
	header := make([]byte, hlen)
	if _, err := io.ReadFull(br, header); err != nil {
		return nil, fmt.Errorf("npy: reading %d-byte header: %w", hlen, noEOF(err))
	}
	a, err := parseHeader(string(header))
	if err != nil {
		return nil, err
	}
	n := a.Len()
	if a.IsObject() {
		objs, shape, err := unpickleArray(br)
		if err != nil {
			return nil, err
		}
		if !tensor.SameShape(shape, a.Shape) {
			return nil, fmt.Errorf("npy: pickled array shape %v differs from header shape %v", shape, a.Shape)
		}
		a.objects = objs
		return a, nil
	}
	size, err := itemSize(a.Descr)
	if err != nil {
		return nil, err
	}
	// Grow the buffer as bytes arrive rather than trusting the header's
	// size up front.
	var buf bytes.Buffer
	want := int64(n) * int64(size)
	if want > maxDataBytes {
		return nil, fmt.Errorf("npy: shape %v of %s needs %d bytes, more than the %d this reader accepts", a.Shape, a.Descr, want, int64(maxDataBytes))
	}
	got, err := io.CopyN(&buf, br, want)
	if err != nil {
		return nil, fmt.Errorf("npy: data ends after %d of %d bytes for shape %v dtype %s", got, want, a.Shape, a.Descr)
	}
	a.data = buf.Bytes()
	return a, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseHeader reads the header dict literal, for example
// {'descr': '<i8', 'fortran_order': False, 'shape': (25000,), }.
func parseHeader(h string) (*Array, error) {
	p := &lit{s: strings.TrimRight(h, " \n\x00")}
	bad := func(what string) error {
		return fmt.Errorf("npy: header %q: %s at offset %d", truncate(h, 120), what, p.i)
	}
	if !p.eat('{') {
		return nil, bad("expected '{'")
	}
	a := &Array{}
	var seenDescr, seenShape, seenOrder bool
	for {
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return nil, bad("expected a quoted key")
		}
		if !p.eat(':') {
			return nil, bad("expected ':'")
		}
		switch key {
		case "descr":
			d, ok := p.str()
			if !ok {
				return nil, bad("descr must be a simple dtype string (structured dtypes are not supported)")
			}
			a.Descr, seenDescr = d, true
		case "fortran_order":
			switch {
			case p.word("True"):
				a.Fortran = true
			case p.word("False"):
			default:
				return nil, bad("fortran_order must be True or False")
			}
			seenOrder = true
		case "shape":
			s, ok := p.tuple()
			if !ok {
				return nil, bad("shape must be a tuple of non-negative integers")
			}
			a.Shape, seenShape = s, true
		default:
			return nil, bad(fmt.Sprintf("unknown key %q", key))
		}
		if !p.eat(',') {
			if p.eat('}') {
				break
			}
			return nil, bad("expected ',' or '}'")
		}
	}
	if !seenDescr || !seenShape || !seenOrder {
		return nil, bad("missing descr, fortran_order or shape")
	}
	if len(a.Descr) < 2 || !strings.ContainsRune("<>|=", rune(a.Descr[0])) {
		return nil, bad(fmt.Sprintf("dtype %q lacks a byte-order character", a.Descr))
	}
	total := 1
	for _, d := range a.Shape {
		if d != 0 && total > maxElements/d {
			return nil, bad(fmt.Sprintf("shape %v has more than %d elements", a.Shape, maxElements))
		}
		total *= d
	}
	return a, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// lit is a cursor over the small subset of Python literal syntax that .npy
// headers use.
type lit struct {
	s string
	i int
}

func (p *lit) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *lit) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *lit) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *lit) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

func (p *lit) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		if p.eat(')') {
			return shape, true
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		// Python 2 wrote longs as 25000L.
		v, err := strconv.Atoi(p.s[p.i:j])
		if err != nil || v > math.MaxInt32*64 {
			return nil, false
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		shape = append(shape, v)
		if !p.eat(',') {
			if p.eat(')') {
				return shape, true
			}
			return nil, false
		}
	}
}

// itemSize returns the byte size of a numeric dtype this package can
// convert: booleans, signed and unsigned integers, and floats.
func itemSize(descr string) (int, error) {
	kind := descr[1]
	size, err := strconv.Atoi(descr[2:])
	if err != nil || (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f') {
		return 0, fmt.Errorf("npy: unsupported dtype %q (want bool, int, uint, float or object)", descr)
	}
	switch {
	case kind == 'f' && (size == 4 || size == 8):
	case kind != 'f' && (size == 1 || size == 2 || size == 4 || size == 8):
	default:
		return 0, fmt.Errorf("npy: unsupported dtype %q", descr)
	}
	return size, nil
}

// Ints returns the elements of an integer or boolean array as int64, in
// storage order.
func (a *Array) Ints() ([]int64, error) {
	if a.IsObject() {
		return nil, fmt.Errorf("npy: Ints on an object array (dtype %s)", a.Descr)
	}
	size, err := itemSize(a.Descr)
	if err != nil {
		return nil, err
	}
	kind := a.Descr[1]
	if kind == 'f' {
		return nil, fmt.Errorf("npy: Ints on a float array (dtype %s)", a.Descr)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if a.Descr[0] == '>' {
		bo = binary.BigEndian
	}
	n := len(a.data) / size
	out := make([]int64, n)
	for i := range out {
		b := a.data[i*size : (i+1)*size]
		switch {
		case size == 1 && kind == 'i':
			out[i] = int64(int8(b[0]))
		case size == 1:
			out[i] = int64(b[0])
		case size == 2 && kind == 'i':
			out[i] = int64(int16(bo.Uint16(b)))
		case size == 2:
			out[i] = int64(bo.Uint16(b))
		case size == 4 && kind == 'i':
			out[i] = int64(int32(bo.Uint32(b)))
		case size == 4:
			out[i] = int64(bo.Uint32(b))
		default:
			v := bo.Uint64(b)
			if kind == 'u' && v > math.MaxInt64 {
				return nil, fmt.Errorf("npy: element %d (%d) overflows int64", i, v)
			}
			out[i] = int64(v)
		}
	}
	return out, nil
}

// IntLists returns the elements of a one-dimensional object array whose
// elements are Python lists (or tuples) of integers that fit in int32, the
// layout of Keras's x_train and x_test.
func (a *Array) IntLists() ([][]int32, error) {
	if !a.IsObject() {
		return nil, fmt.Errorf("npy: IntLists on a %s array, want an object array", a.Descr)
	}
	if len(a.Shape) != 1 {
		return nil, fmt.Errorf("npy: IntLists on an array of shape %v, want one dimension", a.Shape)
	}
	total := 0
	for i, o := range a.objects {
		l, ok := asList(o)
		if !ok {
			return nil, fmt.Errorf("npy: element %d is %T, want a list of integers", i, o)
		}
		total += len(l)
	}
	flat := make([]int32, 0, total)
	out := make([][]int32, len(a.objects))
	for i, o := range a.objects {
		l, _ := asList(o)
		start := len(flat)
		for j, v := range l {
			x, ok := v.(int)
			if !ok || x < math.MinInt32 || x > math.MaxInt32 {
				return nil, fmt.Errorf("npy: element %d[%d] is %v (%T), want an int32", i, j, v, v)
			}
			flat = append(flat, int32(x))
		}
		out[i] = flat[start:len(flat):len(flat)]
	}
	return out, nil
}
