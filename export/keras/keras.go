// Package keras moves seqconv models to and from Keras: the architecture as
// the JSON text of Keras's model.to_json() and the weights as an .npz archive
// holding model.get_weights() in order (arr_0.npy, arr_1.npy, …, float32, in
// Keras's shapes), the layout numpy.savez(path, *model.get_weights()) writes.
//
// In Python the exported pair loads with
//
//	model = keras.models.model_from_json(open("model.json").read())
//	w = np.load("weights.npz")
//	model.set_weights([w[f"arr_{i}"] for i in range(len(w.files))])
//
// and a Keras model saved the same way imports with Import.
//
// The JSON follows Keras 2's layout (an InputLayer carrying
// batch_input_shape, then each layer's {class_name, config}); Keras 3 reads
// it through its legacy-config path. Import also accepts Keras 3's own
// to_json() output (module keys, batch_shape).
package keras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/seqconv/seqconv/internal/npz"
	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/tensor"
)

// File names used by Export and Import inside their directory.
const (
	ConfigFile  = "model.json"
	WeightsFile = "weights.npz"
)

// KerasVersion is the keras_version written into exported JSON: the Keras 2
// config format this package writes and reads.
const KerasVersion = "2.15.0"

// Model is a Keras Sequential model as this package sees it: a name, the
// input shape and the layers in order.
type Model struct {
	// Name is the Keras model name, such as "sequential".
	Name string
	// InputShape is the shape of one input sample (batch axis omitted, -1
	// for a variable axis): (500) for IMDB token ids, (480, 14) for Jena.
	InputShape []int
	// Layers are the model's layers, built for InputShape when exporting.
	Layers []layers.Layer
}

// Weights returns the model's weight values in Keras get_weights() order:
// each layer's Params in turn. The tensors are the layers' own.
func (m *Model) Weights() []*tensor.Tensor {
	var ws []*tensor.Tensor
	for _, l := range m.Layers {
		for _, p := range l.Params() {
			ws = append(ws, p.Value)
		}
	}
	return ws
}

// SetWeights copies ws, in get_weights() order, into the layers' Params,
// checking the count and every shape first, so that a mismatched file
// leaves the model unchanged.
func (m *Model) SetWeights(ws []*tensor.Tensor) error {
	var ps []*layers.Param
	var owner []string
	for _, l := range m.Layers {
		for _, p := range l.Params() {
			ps = append(ps, p)
			owner = append(owner, l.Name()+"/"+p.Name)
		}
	}
	if len(ws) != len(ps) {
		return fmt.Errorf("keras: %d weight arrays for a model with %d weights", len(ws), len(ps))
	}
	for i, p := range ps {
		if !tensor.SameShape(ws[i].Shape, p.Value.Shape) {
			return fmt.Errorf("keras: weight %d (%s) has shape %v, want %v", i, owner[i], ws[i].Shape, p.Value.Shape)
		}
	}
	for i, p := range ps {
		copy(p.Value.Data, ws[i].Data)
	}
	return nil
}

// jsonModel is the outer object of model.to_json().
type jsonModel struct {
	Module       string     `json:"module,omitempty"`
	ClassName    string     `json:"class_name"`
	Config       jsonConfig `json:"config"`
	KerasVersion string     `json:"keras_version,omitempty"`
	Backend      string     `json:"backend,omitempty"`
}

type jsonConfig struct {
	Name            string      `json:"name"`
	Layers          []jsonLayer `json:"layers"`
	BuildInputShape []any       `json:"build_input_shape,omitempty"`
}

type jsonLayer struct {
	ClassName string         `json:"class_name"`
	Config    map[string]any `json:"config"`
}

// batchShape writes shape with a leading batch axis, -1 as null.
func batchShape(shape []int) []any {
	out := []any{nil}
	for _, d := range shape {
		if d < 0 {
			out = append(out, nil)
		} else {
			out = append(out, d)
		}
	}
	return out
}

// MarshalJSON returns the model's architecture as Keras 2's model.to_json()
// writes it: a Sequential whose first entry is an InputLayer carrying
// batch_input_shape, followed by each layer's Config.
func (m *Model) MarshalJSON() ([]byte, error) {
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("keras: model %q has no layers", m.Name)
	}
	name := m.Name
	if name == "" {
		name = "sequential"
	}
	bs := batchShape(m.InputShape)
	jm := jsonModel{
		// Keras 3 resolves the top-level class through its module; the
		// layers stay in the Keras 2 form (no module) that Keras 3 reads
		// through its legacy path, converting batch_input_shape.
		Module:       "keras",
		ClassName:    "Sequential",
		Config:       jsonConfig{Name: name, BuildInputShape: bs},
		KerasVersion: KerasVersion,
		Backend:      "tensorflow",
	}
	jm.Config.Layers = append(jm.Config.Layers, jsonLayer{ClassName: "InputLayer", Config: map[string]any{
		"batch_input_shape": bs,
		"dtype":             inputDType(m.Layers[0]),
		"sparse":            false,
		"ragged":            false,
		"name":              m.Layers[0].Name() + "_input",
	}})
	for _, l := range m.Layers {
		cfg := maps.Clone(l.Config())
		// The InputLayer carries the input shape; a copy here would make
		// Keras 3 reject the layer's unknown argument.
		delete(cfg, "batch_input_shape")
		delete(cfg, "input_shape")
		if _, ok := cfg["name"]; !ok {
			cfg["name"] = l.Name()
		}
		if _, ok := cfg["trainable"]; !ok {
			cfg["trainable"] = true
		}
		if _, ok := cfg["dtype"]; !ok {
			cfg["dtype"] = "float32"
		}
		if inner, ok := cfg["layer"].(map[string]any); ok && l.ClassName() == "Bidirectional" {
			// Keras 3's Bidirectional.from_config resolves the wrapped
			// layer by module even inside a legacy config.
			inner = maps.Clone(inner)
			if _, ok := inner["module"]; !ok {
				inner["module"] = "keras.layers"
			}
			cfg["layer"] = inner
		}
		jm.Config.Layers = append(jm.Config.Layers, jsonLayer{ClassName: l.ClassName(), Config: cfg})
	}
	return json.MarshalIndent(jm, "", "  ")
}

// inputDType is Keras's dtype for the model input: token ids entering an
// Embedding are integers.
func inputDType(first layers.Layer) string {
	if first.ClassName() == "Embedding" {
		return "int32"
	}
	return "float32"
}

// ParseJSON reads a Keras Sequential architecture (model.to_json() of Keras
// 2 or 3) into a Model of unbuilt layers. The input shape comes from a
// leading InputLayer, a first layer's batch_input_shape or input_shape, or
// the Sequential's build_input_shape.
func ParseJSON(data []byte) (*Model, error) {
	var raw struct {
		ClassName string `json:"class_name"`
		Config    struct {
			Name            string      `json:"name"`
			Layers          []jsonLayer `json:"layers"`
			BuildInputShape any         `json:"build_input_shape"`
		} `json:"config"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("keras: model JSON: %w", err)
	}
	if raw.ClassName != "Sequential" {
		return nil, fmt.Errorf("keras: model JSON has class_name %q; only Sequential models are supported", raw.ClassName)
	}
	m := &Model{Name: raw.Config.Name}
	for i, jl := range raw.Config.Layers {
		cfg := jl.Config
		if cfg == nil {
			return nil, fmt.Errorf("keras: layer %d (%s) has no config", i, jl.ClassName)
		}
		for _, key := range []string{"batch_input_shape", "batch_shape", "input_shape"} {
			v, ok := cfg[key]
			if !ok || v == nil {
				continue
			}
			if m.InputShape == nil {
				s, err := parseShape(v, key == "input_shape")
				if err != nil {
					return nil, fmt.Errorf("keras: layer %d (%s) %s: %w", i, jl.ClassName, key, err)
				}
				m.InputShape = s
			}
		}
		if jl.ClassName == "InputLayer" {
			continue
		}
		cfg = maps.Clone(cfg)
		delete(cfg, "batch_input_shape")
		delete(cfg, "batch_shape")
		delete(cfg, "input_shape")
		l, err := layers.FromConfig(jl.ClassName, cfg)
		if err != nil {
			return nil, fmt.Errorf("keras: layer %d: %w", i, err)
		}
		if n, ok := cfg["name"].(string); ok && n != "" {
			l.SetName(n)
		}
		m.Layers = append(m.Layers, l)
	}
	if m.InputShape == nil && raw.Config.BuildInputShape != nil {
		s, err := parseShape(raw.Config.BuildInputShape, false)
		if err != nil {
			return nil, fmt.Errorf("keras: build_input_shape: %w", err)
		}
		m.InputShape = s
	}
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("keras: model JSON has no layers")
	}
	if m.InputShape == nil {
		return nil, fmt.Errorf("keras: model JSON gives no input shape (no InputLayer, batch_input_shape or build_input_shape)")
	}
	return m, nil
}

// parseShape reads a JSON shape list, null as -1, dropping the leading batch
// axis unless noBatch.
func parseShape(v any, noBatch bool) ([]int, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%v is not a list", v)
	}
	if !noBatch {
		if len(list) == 0 {
			return nil, fmt.Errorf("empty shape")
		}
		list = list[1:]
	}
	out := make([]int, len(list))
	for i, e := range list {
		switch d := e.(type) {
		case nil:
			out[i] = -1
		case float64:
			if d != float64(int(d)) || d < 0 {
				return nil, fmt.Errorf("dimension %v is not a size", d)
			}
			out[i] = int(d)
		default:
			return nil, fmt.Errorf("dimension %v is not a size", e)
		}
	}
	return out, nil
}

// Build builds every layer in turn for m.InputShape, drawing initial
// weights from rng.
func (m *Model) Build(rng *rand.Rand) error {
	shape := m.InputShape
	for i, l := range m.Layers {
		if err := l.Build(shape, rng); err != nil {
			return fmt.Errorf("keras: building layer %d (%s %q) for input %v: %w", i, l.ClassName(), l.Name(), shape, err)
		}
		shape = l.OutputShape()
	}
	return nil
}

// Export writes the built model m into dir (created if missing) as
// model.json (the architecture) and weights.npz (the weights).
func Export(dir string, m *Model) error {
	js, err := m.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("keras: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("keras: %w", err)
	}
	return m.WriteWeightsFile(filepath.Join(dir, WeightsFile))
}

// Import reads dir/model.json and dir/weights.npz, as written by Export or
// by Keras (see the package documentation), and returns the built model
// holding those weights.
func Import(dir string) (*Model, error) {
	m, cfgPath, err := readConfigFile(dir)
	if err != nil {
		return nil, err
	}
	// The initial values are overwritten by the file's weights.
	if err := m.Build(rand.New(rand.NewPCG(1, 2))); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	if err := m.ReadWeightsFile(filepath.Join(dir, WeightsFile)); err != nil {
		return nil, err
	}
	return m, nil
}

// readConfigFile parses dir/model.json, also returning its path for the
// caller's error messages.
func readConfigFile(dir string) (*Model, string, error) {
	cfgPath := filepath.Join(dir, ConfigFile)
	js, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, cfgPath, fmt.Errorf("keras: %w", err)
	}
	m, err := ParseJSON(js)
	if err != nil {
		return nil, cfgPath, fmt.Errorf("%s: %w", cfgPath, err)
	}
	return m, cfgPath, nil
}

// readWeightsFile reads the get_weights() arrays of the .npz archive at
// path.
func readWeightsFile(path string) ([]*tensor.Tensor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keras: %w", err)
	}
	ws, err := npz.ReadTensors(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("keras: %s: %w", path, err)
	}
	return ws, nil
}

// ReadWeightsFile reads an .npz archive of get_weights() arrays (arr_0.npy,
// arr_1.npy, …) into m's layers, which must be built.
func (m *Model) ReadWeightsFile(path string) error {
	ws, err := readWeightsFile(path)
	if err != nil {
		return err
	}
	if err := m.SetWeights(ws); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// WriteWeightsFile writes m's weights to path as an .npz archive in
// get_weights() order.
func (m *Model) WriteWeightsFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("keras: %w", err)
	}
	if err := npz.WriteNPZ(f, m.Weights()); err != nil {
		f.Close()
		return fmt.Errorf("keras: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keras: %w", err)
	}
	return nil
}
