package keras

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/seqconv/seqconv/tensor"
)

// npyMagic starts every .npy file (format version follows in two bytes).
const npyMagic = "\x93NUMPY"

// writeNPY writes t as a version 1.0 .npy array of little-endian float32
// ('<f4'), C order, in t's shape.
func writeNPY(w io.Writer, t *tensor.Tensor) error {
	var shape strings.Builder
	shape.WriteByte('(')
	for i, d := range t.Shape {
		if i > 0 {
			shape.WriteString(", ")
		}
		shape.WriteString(strconv.Itoa(d))
	}
	if len(t.Shape) == 1 {
		shape.WriteByte(',') // Python's one-element tuple
	}
	shape.WriteByte(')')
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape.String() + ", }"
	// numpy pads the header with spaces and a final newline so that the
	// data starts on a 64-byte boundary.
	pre := len(npyMagic) + 2 + 2
	total := pre + len(header) + 1
	if r := total % 64; r != 0 {
		header += strings.Repeat(" ", 64-r)
	}
	header += "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("npy header of %d bytes is too long", len(header))
	}
	buf := make([]byte, 0, pre+len(header)+4*len(t.Data))
	buf = append(buf, npyMagic...)
	buf = append(buf, 1, 0)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(header)))
	buf = append(buf, header...)
	for _, v := range t.Data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	_, err := w.Write(buf)
	return err
}

// readNPY reads a .npy array of float32 ('<f4') or float64 ('<f8', narrowed
// to float32) in C order, as numpy.save writes them.
func readNPY(r io.Reader) (*tensor.Tensor, error) {
	pre := make([]byte, len(npyMagic)+2)
	if _, err := io.ReadFull(r, pre); err != nil {
		return nil, fmt.Errorf("reading npy preamble: %w", err)
	}
	if string(pre[:len(npyMagic)]) != npyMagic {
		return nil, fmt.Errorf("not an npy file (bad magic %q)", pre[:len(npyMagic)])
	}
	var hlen int
	switch major := pre[len(npyMagic)]; major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("reading npy header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("reading npy header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("unsupported npy format version %d", major)
	}
	if hlen > 1<<20 {
		return nil, fmt.Errorf("npy header length %d is implausible", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, fmt.Errorf("reading npy header: %w", err)
	}
	descr, fortran, shape, err := parseNPYHeader(string(hb))
	if err != nil {
		return nil, err
	}
	if fortran {
		return nil, fmt.Errorf("npy array is in Fortran order; only C order is supported")
	}
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return nil, fmt.Errorf("npy shape %v is invalid or too large", shape)
		}
		n *= d
	}
	t := tensor.New(shape...)
	switch descr {
	case "<f4":
		raw := make([]byte, 4*n)
		if _, err := io.ReadFull(r, raw); err != nil {
			return nil, fmt.Errorf("reading %d float32 values of shape %v: %w", n, shape, err)
		}
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case "<f8":
		raw := make([]byte, 8*n)
		if _, err := io.ReadFull(r, raw); err != nil {
			return nil, fmt.Errorf("reading %d float64 values of shape %v: %w", n, shape, err)
		}
		for i := range t.Data {
			t.Data[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	default:
		return nil, fmt.Errorf("npy dtype %q is not supported (want '<f4' or '<f8')", descr)
	}
	return t, nil
}

// parseNPYHeader reads the Python dict literal of an npy header, such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	value := func(key string) (string, error) {
		k := "'" + key + "':"
		i := strings.Index(h, k)
		if i < 0 {
			return "", fmt.Errorf("npy header %q has no %s", h, key)
		}
		return strings.TrimSpace(h[i+len(k):]), nil
	}
	v, err := value("descr")
	if err != nil {
		return "", false, nil, err
	}
	if len(v) < 2 || v[0] != '\'' {
		return "", false, nil, fmt.Errorf("npy header %q: bad descr", h)
	}
	end := strings.IndexByte(v[1:], '\'')
	if end < 0 {
		return "", false, nil, fmt.Errorf("npy header %q: bad descr", h)
	}
	descr = v[1 : 1+end]
	if v, err = value("fortran_order"); err != nil {
		return "", false, nil, err
	}
	fortran = strings.HasPrefix(v, "True")
	if v, err = value("shape"); err != nil {
		return "", false, nil, err
	}
	if len(v) == 0 || v[0] != '(' {
		return "", false, nil, fmt.Errorf("npy header %q: bad shape", h)
	}
	end = strings.IndexByte(v, ')')
	if end < 0 {
		return "", false, nil, fmt.Errorf("npy header %q: bad shape", h)
	}
	shape = []int{}
	for _, f := range strings.Split(v[1:end], ",") {
		f = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "L"))
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil {
			return "", false, nil, fmt.Errorf("npy header %q: bad shape dimension %q", h, f)
		}
		shape = append(shape, d)
	}
	return descr, fortran, shape, nil
}

// writeNPZ writes ts as an uncompressed zip of arr_0.npy, arr_1.npy, …, the
// layout numpy.savez gives to positional arrays.
func writeNPZ(w io.Writer, ts []*tensor.Tensor) error {
	zw := zip.NewWriter(w)
	for i, t := range ts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("arr_%d.npy", i), Method: zip.Store})
		if err != nil {
			return err
		}
		if err := writeNPY(f, t); err != nil {
			return fmt.Errorf("arr_%d: %w", i, err)
		}
	}
	return zw.Close()
}

// readNPZ reads the arrays arr_0 … arr_{n-1} of an .npz archive (stored or
// deflated, as numpy.savez and numpy.savez_compressed write them) in order.
func readNPZ(data []byte) ([]*tensor.Tensor, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not an npz (zip) archive: %w", err)
	}
	byIndex := map[int]*zip.File{}
	for _, f := range zr.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			continue
		}
		num, ok := strings.CutPrefix(name, "arr_")
		if !ok {
			return nil, fmt.Errorf("npz member %q is not named arr_N.npy (save weights with numpy.savez(path, *weights))", f.Name)
		}
		i, err := strconv.Atoi(num)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("npz member %q is not named arr_N.npy", f.Name)
		}
		byIndex[i] = f
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]*tensor.Tensor, len(idx))
	for k, i := range idx {
		if i != k {
			return nil, fmt.Errorf("npz archive has arr_%d but no arr_%d", i, k)
		}
		rc, err := byIndex[i].Open()
		if err != nil {
			return nil, fmt.Errorf("arr_%d.npy: %w", i, err)
		}
		t, err := readNPY(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("arr_%d.npy: %w", i, err)
		}
		out[k] = t
	}
	return out, nil
}
