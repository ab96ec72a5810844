//go:build !cgo

package ortcheck

import "testing"

// TestNeedsCgo reports why the ONNX Runtime checks did not run.
func TestNeedsCgo(t *testing.T) {
	t.Skip("the ONNX Runtime checks need cgo (CGO_ENABLED=1 and a C compiler)")
}
