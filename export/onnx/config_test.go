package onnx

import (
	"strings"
	"testing"
)

func TestCfgReader(t *testing.T) {
	r := &cfgReader{cfg: map[string]any{
		"strides":   []any{float64(2)}, // JSON form of Keras's (2,)
		"pool_size": []int{3},          // Go form a layer's Config returns
		"units":     float64(8),
		"padding":   "same",
		"keepdims":  true,
		"groups":    nil,
	}}
	if got := r.int("strides", 1); got != 2 {
		t.Errorf("strides = %d, want 2", got)
	}
	if got := r.int("pool_size", 2); got != 3 {
		t.Errorf("pool_size = %d, want 3", got)
	}
	if got := r.int("units", 0); got != 8 {
		t.Errorf("units = %d, want 8", got)
	}
	if got := r.int("groups", 1); got != 1 {
		t.Errorf("null groups = %d, want the default 1", got)
	}
	if got := r.str("padding", "valid"); got != "same" {
		t.Errorf("padding = %q, want same", got)
	}
	if got := r.str("data_format", "channels_last"); got != "channels_last" {
		t.Errorf("missing data_format = %q, want the default", got)
	}
	if !r.bool("keepdims", false) {
		t.Error("keepdims = false, want true")
	}
	if r.err != nil {
		t.Fatalf("err = %v after valid reads", r.err)
	}

	r.cfg["activation"] = 3
	r.cfg["units"] = 1.5
	_ = r.str("activation", "linear")
	_ = r.int("units", 0)
	if r.err == nil || !strings.HasPrefix(r.err.Error(), "config activation") {
		t.Errorf("err = %v, want the first bad key (activation) named", r.err)
	}
}
