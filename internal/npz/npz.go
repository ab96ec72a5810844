package npz

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadNPZ reads every member of an .npz archive (a zip of .npy files, as
// written by np.savez and np.savez_compressed), keyed by member name
// without the ".npy" suffix.
func ReadNPZ(r io.ReaderAt, size int64) (map[string]*Array, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("npz: %w", err)
	}
	out := make(map[string]*Array, len(zr.File))
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, ".npy")
		a, err := readMember(f)
		if err != nil {
			return nil, fmt.Errorf("npz member %s: %w", f.Name, err)
		}
		out[name] = a
	}
	return out, nil
}

func readMember(f *zip.File) (*Array, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return ReadNPY(rc)
}

// Open reads the .npz file at path.
func Open(path string) (map[string]*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	m, err := ReadNPZ(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
