package npz

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// The pickle numpy writes for an object ndarray is
//
//	_reconstruct(ndarray, (0,), b'b')            # REDUCE: an empty array
//	.__setstate__((1, shape, dtype('O8', False, True), is_fortran, [elements]))
//
// where the dtype itself is rebuilt by REDUCE then BUILD. The types below
// play those roles; every other global is refused.

// reconstructFunc stands for numpy.core.multiarray._reconstruct.
type reconstructFunc struct{}

// ndarrayClass stands for numpy.ndarray, only ever passed to _reconstruct.
type ndarrayClass struct{}

// dtypeClass stands for numpy.dtype.
type dtypeClass struct{}

// codecsEncode stands for _codecs.encode, with which Python 3 writes
// bytes objects in pickle protocols below 3.
type codecsEncode struct{}

// pickledDtype is a dtype rebuilt from a pickle.
type pickledDtype struct{ name string }

// pickledArray is an ndarray rebuilt from a pickle.
type pickledArray struct {
	shape   []int
	objects []any
	set     bool
}

func (reconstructFunc) Call(args ...any) (any, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("_reconstruct takes 3 arguments, got %d", len(args))
	}
	if _, ok := args[0].(ndarrayClass); !ok {
		return nil, fmt.Errorf("_reconstruct of %T, want numpy.ndarray", args[0])
	}
	return &pickledArray{}, nil
}

func (dtypeClass) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("dtype() without arguments")
	}
	name, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("dtype(%T), want a string", args[0])
	}
	return &pickledDtype{name: name}, nil
}

func (codecsEncode) Call(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("_codecs.encode takes 2 arguments, got %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("_codecs.encode(%T), want a string", args[0])
	}
	return []byte(s), nil
}

// PySetState accepts the dtype's state tuple; an object dtype needs none of it.
func (d *pickledDtype) PySetState(any) error { return nil }

// PySetState receives (version, shape, dtype, is_fortran, data).
func (a *pickledArray) PySetState(state any) error {
	t, ok := state.(*types.Tuple)
	if !ok || t.Len() != 5 {
		return fmt.Errorf("ndarray state is %T, want a 5-tuple", state)
	}
	st, ok := t.Get(1).(*types.Tuple)
	if !ok {
		return fmt.Errorf("ndarray shape is %T, want a tuple", t.Get(1))
	}
	n := 1
	for i := 0; i < st.Len(); i++ {
		d, ok := st.Get(i).(int)
		if !ok || d < 0 || (d != 0 && n > maxElements/d) {
			return fmt.Errorf("ndarray shape element %v is not a valid dimension", st.Get(i))
		}
		n *= d
		a.shape = append(a.shape, d)
	}
	dt, ok := t.Get(2).(*pickledDtype)
	if !ok {
		return fmt.Errorf("ndarray dtype is %T, want numpy.dtype", t.Get(2))
	}
	if dt.name != "O8" && dt.name != "O4" && dt.name != "O" {
		return fmt.Errorf("pickled ndarray has dtype %q; only object arrays are pickled by np.save", dt.name)
	}
	if f, _ := t.Get(3).(bool); f && len(a.shape) > 1 {
		return errors.New("Fortran-ordered object arrays are not supported")
	}
	l, ok := asList(t.Get(4))
	if !ok {
		return fmt.Errorf("object ndarray data is %T, want a list", t.Get(4))
	}
	if len(l) != n {
		return fmt.Errorf("object ndarray has %d elements for shape %v", len(l), a.shape)
	}
	a.objects = l
	a.set = true
	return nil
}

// asList returns the items of a pickled list or tuple.
func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case *types.List:
		return *l, true
	case *types.Tuple:
		return *l, true
	}
	return nil, false
}

func findClass(module, name string) (any, error) {
	switch module + "." + name {
	case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct":
		return reconstructFunc{}, nil
	case "numpy.ndarray":
		return ndarrayClass{}, nil
	case "numpy.dtype":
		return dtypeClass{}, nil
	case "_codecs.encode":
		return codecsEncode{}, nil
	}
	return nil, fmt.Errorf("pickle refers to %s.%s, which an object .npy array does not need", module, name)
}

// unpickleArray reads the pickled object ndarray that follows an object
// array's .npy header.
func unpickleArray(r io.Reader) (objs []any, shape []int, err error) {
	// The pickle library is not hardened against hostile input; turn any
	// panic inside it into an error rather than crash the caller.
	defer func() {
		if p := recover(); p != nil {
			objs, shape, err = nil, nil, fmt.Errorf("npy: malformed pickle: %v", p)
		}
	}()
	data, err := io.ReadAll(io.LimitReader(r, maxDataBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("npy: reading pickled object array: %w", err)
	}
	if len(data) > maxDataBytes {
		return nil, nil, fmt.Errorf("npy: pickled object array exceeds %d bytes", int64(maxDataBytes))
	}
	if _, err := prescanPickle(data); err != nil {
		return nil, nil, fmt.Errorf("npy: unpickling object array: %w", err)
	}
	u := pickle.NewUnpickler(bytes.NewReader(data))
	u.FindClass = findClass
	u.PersistentLoad = func(any) (any, error) { return nil, errors.New("persistent ids are not allowed") }
	v, err := u.Load()
	if err != nil {
		return nil, nil, fmt.Errorf("npy: unpickling object array: %w", noEOF(err))
	}
	a, ok := v.(*pickledArray)
	if !ok || !a.set {
		return nil, nil, fmt.Errorf("npy: pickle holds %T, want a numpy object array", v)
	}
	return a.objects, a.shape, nil
}
