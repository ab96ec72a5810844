package onnx

import "fmt"

// Readers of layer Config values; they accept both the Go values layers
// return and the JSON forms (float64 numbers, []any lists) Keras writes.

func cfgInt(cfg map[string]any, key string, def int) (int, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	case []int:
		if len(x) == 1 {
			return x[0], nil
		}
	case []any:
		if len(x) == 1 {
			return cfgInt(map[string]any{key: x[0]}, key, def)
		}
	}
	return 0, fmt.Errorf("config %s = %v (%T) is not a single integer", key, v, v)
}

func cfgString(cfg map[string]any, key, def string) (string, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def, nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("config %s = %v (%T) is not a string", key, v, v)
}

func cfgBool(cfg map[string]any, key string, def bool) (bool, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def, nil
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, fmt.Errorf("config %s = %v (%T) is not a boolean", key, v, v)
}

// cfgReader collects the first error of a run of reads, so that a layer's
// translation reads its config in straight-line code.
type cfgReader struct {
	cfg map[string]any
	err error
}

func (r *cfgReader) int(key string, def int) int {
	v, err := cfgInt(r.cfg, key, def)
	if r.err == nil {
		r.err = err
	}
	return v
}

func (r *cfgReader) str(key, def string) string {
	v, err := cfgString(r.cfg, key, def)
	if r.err == nil {
		r.err = err
	}
	return v
}

func (r *cfgReader) bool(key string, def bool) bool {
	v, err := cfgBool(r.cfg, key, def)
	if r.err == nil {
		r.err = err
	}
	return v
}
