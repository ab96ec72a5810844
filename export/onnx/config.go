package onnx

import (
	"fmt"

	"github.com/seqconv/seqconv/layers"
)

// cfgReader reads a layer's Config with the layers package's readers and
// keeps the first error of a run of reads, so that a layer's translation
// reads its config in straight-line code.
type cfgReader struct {
	cfg map[string]any
	err error
}

// keep records err as the reader's error unless one is already recorded.
func (r *cfgReader) keep(err error) {
	if r.err == nil && err != nil {
		r.err = fmt.Errorf("config %w", err)
	}
}

func (r *cfgReader) int(key string, def int) int {
	v, err := layers.ConfigInt(r.cfg, key, def)
	r.keep(err)
	return v
}

func (r *cfgReader) str(key, def string) string {
	v, err := layers.ConfigString(r.cfg, key, def)
	r.keep(err)
	return v
}

func (r *cfgReader) bool(key string, def bool) bool {
	v, err := layers.ConfigBool(r.cfg, key, def)
	r.keep(err)
	return v
}
