package npz

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/seqconv/seqconv/tensor"
)

// Tensor returns a C-order array of little-endian float32 ('<f4') or
// float64 ('<f8', narrowed to float32), as numpy.save writes them, as a
// tensor of the array's shape.
func (a *Array) Tensor() (*tensor.Tensor, error) {
	if a.Fortran {
		return nil, fmt.Errorf("npy array is in Fortran order; only C order is supported")
	}
	t := tensor.New(a.Shape...)
	if size, err := itemSize(a.Descr); err == nil && len(a.data) != size*t.Len() {
		return nil, fmt.Errorf("npy array of shape %v holds %d data bytes", a.Shape, len(a.data))
	}
	switch a.Descr {
	case "<f4":
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.data[4*i:]))
		}
	case "<f8":
		for i := range t.Data {
			t.Data[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(a.data[8*i:])))
		}
	default:
		return nil, fmt.Errorf("npy dtype %q is not supported (want '<f4' or '<f8')", a.Descr)
	}
	return t, nil
}

// ReadTensors reads the positional arrays arr_0.npy … arr_{n-1}.npy of an
// .npz archive (numpy.savez(path, *arrays) or numpy.savez_compressed, so
// stored or deflated) in order, as tensors (see Array.Tensor). Members not
// ending in .npy are ignored.
func ReadTensors(r io.ReaderAt, size int64) ([]*tensor.Tensor, error) {
	zr, err := zip.NewReader(r, size)
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
		a, err := readMember(byIndex[i])
		if err == nil {
			out[k], err = a.Tensor()
		}
		if err != nil {
			return nil, fmt.Errorf("arr_%d.npy: %w", i, err)
		}
	}
	return out, nil
}

// WriteNPY writes t as a version 1.0 .npy array of little-endian float32
// ('<f4'), C order, in t's shape.
func WriteNPY(w io.Writer, t *tensor.Tensor) error {
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

// WriteNPZ writes ts as an uncompressed zip of arr_0.npy, arr_1.npy, …,
// the layout numpy.savez gives to positional arrays.
func WriteNPZ(w io.Writer, ts []*tensor.Tensor) error {
	zw := zip.NewWriter(w)
	for i, t := range ts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("arr_%d.npy", i), Method: zip.Store})
		if err != nil {
			return err
		}
		if err := WriteNPY(f, t); err != nil {
			return fmt.Errorf("arr_%d: %w", i, err)
		}
	}
	return zw.Close()
}
