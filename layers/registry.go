package layers

import (
	"fmt"
	"sort"
)

// builders maps a Keras class name to a function that rebuilds a layer from
// its Config. Each layer file registers itself in an init function.
var builders = map[string]func(cfg map[string]any) (Layer, error){}

func register(class string, f func(cfg map[string]any) (Layer, error)) {
	if _, dup := builders[class]; dup {
		panic("layers: class registered twice: " + class)
	}
	builders[class] = f
}

// FromConfig rebuilds an unbuilt layer of Keras class class from a config
// as returned by Layer.Config (or found in a Keras model.to_json()).
func FromConfig(class string, cfg map[string]any) (Layer, error) {
	f, ok := builders[class]
	if !ok {
		return nil, fmt.Errorf("layers: unknown layer class %q (known: %v)", class, Classes())
	}
	l, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("layers: %s config: %w", class, err)
	}
	return l, nil
}

// Classes lists the Keras class names FromConfig knows, sorted.
func Classes() []string {
	var out []string
	for k := range builders {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Config readers: JSON decoding yields float64 for numbers and []any for
// lists, so these accept both Go and JSON forms.

// ConfigInt reads the integer key of a layer config (as returned by
// Layer.Config or decoded from Keras JSON), giving def when the key is
// missing or null. A one-element list such as Keras's strides (1,) counts
// as its element; any other value is an error.
func ConfigInt(cfg map[string]any, key string, def int) (int, error) {
	return cfgInt(cfg, key, def)
}

// ConfigString reads the string key of a layer config, giving def when
// the key is missing or null.
func ConfigString(cfg map[string]any, key, def string) (string, error) {
	return cfgString(cfg, key, def)
}

// ConfigBool reads the boolean key of a layer config, giving def when the
// key is missing or null.
func ConfigBool(cfg map[string]any, key string, def bool) (bool, error) {
	return cfgBool(cfg, key, def)
}

func cfgInt(cfg map[string]any, key string, def int) (int, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case float64:
		if x != float64(int(x)) {
			return 0, fmt.Errorf("%s = %v is not an integer", key, x)
		}
		return int(x), nil
	case []any: // Keras writes kernel_size=(7,) and strides=(1,)
		if len(x) == 1 {
			return cfgInt(map[string]any{key: x[0]}, key, def)
		}
	case []int:
		if len(x) == 1 {
			return x[0], nil
		}
	}
	return 0, fmt.Errorf("%s = %v (%T) is not an integer", key, v, v)
}

func cfgFloat(cfg map[string]any, key string, def float64) (float64, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	}
	return 0, fmt.Errorf("%s = %v (%T) is not a number", key, v, v)
}

func cfgString(cfg map[string]any, key, def string) (string, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def, nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("%s = %v (%T) is not a string", key, v, v)
}

func cfgBool(cfg map[string]any, key string, def bool) (bool, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def, nil
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, fmt.Errorf("%s = %v (%T) is not a boolean", key, v, v)
}

// cfgShape reads a shape such as batch_input_shape [null, 500] or
// input_shape [null, 14], writing null as -1.
func cfgShape(cfg map[string]any, key string) ([]int, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case []int:
		return append([]int(nil), x...), nil
	case []any:
		out := make([]int, len(x))
		for i, e := range x {
			switch d := e.(type) {
			case nil:
				out[i] = -1
			case float64:
				out[i] = int(d)
			case int:
				out[i] = d
			default:
				return nil, fmt.Errorf("%s[%d] = %v is not a dimension", key, i, e)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s = %v (%T) is not a shape", key, v, v)
}
