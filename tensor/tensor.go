// Package tensor holds the two small dense array types that seqconv's layers
// pass around: Tensor (float32 values) and Int32 (token ids, indices).
//
// Both are row-major and contiguous: the element at index (i0, i1, …, in) of a
// tensor with shape (d0, d1, …, dn) is Data[((i0*d1+i1)*d2+…)*dn+in]. There is
// no view or stride machinery on purpose: layers read and write Data directly
// and the kernels take leading dimensions where they need them.
package tensor

import (
	"fmt"
	"strings"
)

// Tensor is a dense row-major float32 array.
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zero-filled tensor of the given shape. It panics on a
// negative dimension, which is a programming error.
func New(shape ...int) *Tensor {
	n := Size(shape)
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
}

// FromData wraps data (not copied) as a tensor of the given shape.
// It returns an error if len(data) does not match the shape.
func FromData(data []float32, shape ...int) (*Tensor, error) {
	if n := Size(shape); n != len(data) {
		return nil, fmt.Errorf("tensor: %d values do not fill shape %v (%d)", len(data), shape, n)
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}, nil
}

// Size returns the number of elements of a shape (1 for a scalar shape).
// It panics on a negative dimension.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			// Format a copy so that shape does not escape: Resize's
			// variadic argument then stays on the caller's stack.
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", append([]int(nil), shape...)))
		}
		n *= d
	}
	return n
}

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// Reshape returns a tensor sharing t's data with a new shape of the same size.
func (t *Tensor) Reshape(shape ...int) (*Tensor, error) {
	return FromData(t.Data, shape...)
}

// Resize sets t's shape, reusing its backing array when it is large enough,
// and returns t. The contents are unspecified afterwards. Layers use it to
// keep per-batch buffers without allocating on every step.
func (t *Tensor) Resize(shape ...int) *Tensor {
	n := Size(shape)
	if cap(t.Data) >= n {
		t.Data = t.Data[:n]
	} else {
		t.Data = make([]float32, n)
	}
	t.Shape = append(t.Shape[:0], shape...)
	return t
}

// Row returns the contiguous slice of the i-th entry along the first axis.
func (t *Tensor) Row(i int) []float32 {
	n := len(t.Data) / t.Shape[0]
	return t.Data[i*n : (i+1)*n]
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ShapeString formats a shape the way Keras summaries do, writing -1 (an
// unknown or batch axis) as None: (None, 500, 128).
func ShapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		if d < 0 {
			b.WriteString("None")
		} else {
			fmt.Fprintf(&b, "%d", d)
		}
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// String summarises the tensor (shape and the first values), for debugging.
func (t *Tensor) String() string {
	n := min(len(t.Data), 8)
	s := fmt.Sprintf("Tensor%v%v", t.Shape, t.Data[:n])
	if n < len(t.Data) {
		s = s[:len(s)-1] + " …]"
	}
	return s
}

// Int32 is a dense row-major int32 array, used for token ids and indices.
type Int32 struct {
	Shape []int
	Data  []int32
}

// NewInt32 returns a zero-filled Int32 tensor of the given shape.
func NewInt32(shape ...int) *Int32 {
	return &Int32{Shape: append([]int(nil), shape...), Data: make([]int32, Size(shape))}
}

// Row returns the contiguous slice of the i-th entry along the first axis.
func (t *Int32) Row(i int) []int32 {
	n := len(t.Data) / t.Shape[0]
	return t.Data[i*n : (i+1)*n]
}

// Float returns the ids as a float32 tensor (exact for |id| < 2^24), the form
// in which a model's first layer receives them, as in Keras.
func (t *Int32) Float() *Tensor {
	out := New(t.Shape...)
	for i, v := range t.Data {
		out.Data[i] = float32(v)
	}
	return out
}
