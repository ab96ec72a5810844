package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/losses"
	"github.com/seqconv/seqconv/metrics"
	"github.com/seqconv/seqconv/optimizers"
	"github.com/seqconv/seqconv/tensor"
)

// Layout constants of the file format described on Save.
const (
	fileMagic   = "SEQCONV\x00"
	fileVersion = 1
	prefixLen   = 8 + 4 + 8
)

type fileHeader struct {
	Model     modelEntry    `json:"model"`
	RNG       []byte        `json:"rng_state,omitempty"`
	Weights   []tensorEntry `json:"weights"`
	Compile   *compileEntry `json:"compile,omitempty"`
	DataBytes int64         `json:"data_bytes"`
}

type modelEntry struct {
	Class      string       `json:"class_name"`
	Name       string       `json:"name"`
	InputShape []int        `json:"input_shape"`
	Seed       uint64       `json:"seed"`
	Layers     []layerEntry `json:"layers"`
}

type layerEntry struct {
	Class  string         `json:"class_name"`
	Config map[string]any `json:"config"`
}

type tensorEntry struct {
	Layer string `json:"layer"`
	Name  string `json:"name"`
	Slot  string `json:"slot,omitempty"`
	Shape []int  `json:"shape"`
}

type namedConfig struct {
	Name   string         `json:"name"`
	Config map[string]any `json:"config"`
}

type compileEntry struct {
	Loss       namedConfig      `json:"loss"`
	Optimizer  namedConfig      `json:"optimizer"`
	Metrics    []map[string]any `json:"metrics"`
	Iterations int64            `json:"iterations"`
	Slots      []tensorEntry    `json:"slots"`
}

// Save writes the model — architecture, weights and, when compiled, the
// compile configuration and optimizer state — to path as one file. It is
// written to a temporary file in the same directory, synced and renamed
// over path, so a crash never leaves a half-written model.
//
// The file format (version 1), all integers little-endian:
//
//	offset    size  content
//	0         8     magic "SEQCONV\x00"
//	8         4     format version (uint32), 1
//	12        8     header length H (uint64)
//	20        H     header: UTF-8 JSON, see below
//	20+H      B     tensor data: float32 values, little-endian, of every
//	                tensor the header lists, concatenated in header order
//	                (weights, then optimizer slots); B = header.data_bytes
//	20+H+B    4     CRC-32 (IEEE) of all preceding bytes (uint32)
//
// The header holds the architecture ("model": class Sequential, name, input
// shape, seed, and each layer's Keras class_name and config, rebuilt with
// layers.FromConfig), the state of the model's random generator (so that
// dropout masks continue exactly), the weight list (layer, name, shape), and,
// for a compiled model, the compile configuration (loss, optimizer and
// metrics by name and config) with the optimizer's iteration count and slot
// list. Nothing follows the checksum.
func (m *Sequential) Save(path string) error {
	data, err := m.encode()
	if err != nil {
		return fmt.Errorf("model: save %s: %w", path, err)
	}
	if err := writeAtomic(path, data); err != nil {
		return fmt.Errorf("model: save %s: %w", path, err)
	}
	return nil
}

// layerOf returns the name of the layer owning each param index.
func (m *Sequential) paramOwners() []string {
	var out []string
	for _, l := range m.layers {
		for range l.Params() {
			out = append(out, l.Name())
		}
	}
	return out
}

func (m *Sequential) encode() ([]byte, error) {
	if !m.built {
		return nil, errors.New("the model is not built")
	}
	h := fileHeader{Model: modelEntry{Class: "Sequential", Name: m.name, InputShape: m.inShape, Seed: m.seed}}
	for _, l := range m.layers {
		h.Model.Layers = append(h.Model.Layers, layerEntry{Class: l.ClassName(), Config: l.Config()})
	}
	rng, err := m.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	h.RNG = rng
	owners := m.paramOwners()
	var blobs []*tensor.Tensor
	for i, p := range m.params {
		h.Weights = append(h.Weights, tensorEntry{Layer: owners[i], Name: p.Name, Shape: p.Value.Shape})
		blobs = append(blobs, p.Value)
	}
	if m.opt != nil {
		c := &compileEntry{
			Loss:      namedConfig{m.loss.Name(), m.loss.Config()},
			Optimizer: namedConfig{m.opt.Name(), m.opt.Config()},
			Metrics:   []map[string]any{},
		}
		for _, mt := range m.metrics {
			c.Metrics = append(c.Metrics, mt.Config())
		}
		iter, slots := m.opt.State()
		c.Iterations = iter
		names := m.opt.SlotNames()
		for i, ps := range slots {
			for j, s := range ps {
				c.Slots = append(c.Slots, tensorEntry{Layer: owners[i], Name: m.params[i].Name, Slot: names[j], Shape: s.Shape})
				blobs = append(blobs, s)
			}
		}
		h.Compile = c
	}
	for _, b := range blobs {
		h.DataBytes += 4 * int64(len(b.Data))
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encoding the header: %w", err)
	}
	buf := make([]byte, 0, prefixLen+len(hj)+int(h.DataBytes)+4)
	buf = append(buf, fileMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, fileVersion)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(hj)))
	buf = append(buf, hj...)
	for _, b := range blobs {
		for _, v := range b.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	return binary.LittleEndian.AppendUint32(buf, crc32.ChecksumIEEE(buf)), nil
}

// writeAtomic writes data to a temporary file beside path, syncs it and
// renames it over path.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	// Sync the directory so the rename itself survives a crash; not every
	// system allows it, and the data is already safe, so errors are ignored.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Load reads a model written by Save: the rebuilt model has the same
// weights (predicting bit-identically) and, if it was compiled, the same
// compile configuration and optimizer state, so that Fit continues exactly
// where the saved model stopped. Errors name the file and what is wrong
// (not a seqconv model, a newer format version, truncation, checksum
// mismatch, an unknown layer). The checksum detects damage, not tampering:
// the layer sizes of a well-formed file are trusted, so a crafted file can
// ask for large allocations.
func Load(path string) (*Sequential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model: load: %w", err)
	}
	m, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("model: load %s: %w", path, err)
	}
	return m, nil
}

func decode(data []byte) (*Sequential, error) {
	if len(data) < len(fileMagic) || string(data[:len(fileMagic)]) != fileMagic {
		return nil, errors.New("not a seqconv model file (wrong magic bytes)")
	}
	if len(data) < prefixLen+4 {
		return nil, fmt.Errorf("file truncated (%d bytes)", len(data))
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != fileVersion {
		if v > fileVersion {
			return nil, fmt.Errorf("format version %d is newer than this seqconv reads (%d); upgrade seqconv", v, fileVersion)
		}
		return nil, fmt.Errorf("unknown format version %d", v)
	}
	hl := binary.LittleEndian.Uint64(data[12:])
	if hl > uint64(len(data)-prefixLen-4) {
		return nil, fmt.Errorf("file truncated: header of %d bytes does not fit in %d bytes", hl, len(data))
	}
	body := data[:len(data)-4]
	if got, want := crc32.ChecksumIEEE(body), binary.LittleEndian.Uint32(data[len(data)-4:]); got != want {
		return nil, fmt.Errorf("checksum mismatch (stored %08x, computed %08x): the file is corrupt or truncated", want, got)
	}
	var h fileHeader
	dec := json.NewDecoder(bytes.NewReader(data[prefixLen : prefixLen+int(hl)]))
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	blob := body[prefixLen+int(hl):]
	if int64(len(blob)) != h.DataBytes {
		return nil, fmt.Errorf("tensor data is %d bytes, header says %d", len(blob), h.DataBytes)
	}
	if h.Model.Class != "Sequential" {
		return nil, fmt.Errorf("model class %q is not Sequential", h.Model.Class)
	}
	m := NewSequential()
	m.name = h.Model.Name
	m.seed = h.Model.Seed
	for i, le := range h.Model.Layers {
		l, err := layers.FromConfig(le.Class, le.Config)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		m.layers = append(m.layers, l)
	}
	if err := m.Build(h.Model.InputShape...); err != nil {
		return nil, err
	}
	off := 0
	read := func(what string, e tensorEntry, dst *tensor.Tensor) error {
		if !tensor.SameShape(e.Shape, dst.Shape) {
			return fmt.Errorf("%s %s/%s: stored shape %v, the rebuilt model has %v", what, e.Layer, e.Name, e.Shape, dst.Shape)
		}
		n := 4 * len(dst.Data)
		if off+n > len(blob) {
			return fmt.Errorf("%s %s/%s: tensor data ends early", what, e.Layer, e.Name)
		}
		for i := range dst.Data {
			dst.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(blob[off+4*i:]))
		}
		off += n
		return nil
	}
	if len(h.Weights) != len(m.params) {
		return nil, fmt.Errorf("%d weight tensors stored, the rebuilt model has %d", len(h.Weights), len(m.params))
	}
	for i, e := range h.Weights {
		if err := read("weight", e, m.params[i].Value); err != nil {
			return nil, err
		}
	}
	if c := h.Compile; c != nil {
		loss, err := losses.FromConfig(c.Loss.Name, c.Loss.Config)
		if err != nil {
			return nil, err
		}
		opt, err := optimizers.FromConfig(c.Optimizer.Name, c.Optimizer.Config)
		if err != nil {
			return nil, err
		}
		var ms []metrics.Metric
		for _, mc := range c.Metrics {
			mt, err := metrics.FromConfig(mc)
			if err != nil {
				return nil, err
			}
			ms = append(ms, mt)
		}
		if err := m.Compile(opt, loss, ms...); err != nil {
			return nil, err
		}
		var slots [][]*tensor.Tensor
		if len(c.Slots) > 0 {
			per := len(opt.SlotNames())
			if per == 0 || len(c.Slots) != per*len(m.params) {
				return nil, fmt.Errorf("%d optimizer slots stored, %s needs %d per weight for %d weights", len(c.Slots), opt.Name(), per, len(m.params))
			}
			slots = make([][]*tensor.Tensor, len(m.params))
			for i, p := range m.params {
				for j := range per {
					s := tensor.New(p.Value.Shape...)
					if err := read("optimizer slot", c.Slots[i*per+j], s); err != nil {
						return nil, err
					}
					slots[i] = append(slots[i], s)
				}
			}
		}
		if err := opt.SetState(c.Iterations, slots); err != nil {
			return nil, err
		}
	}
	if off != len(blob) {
		return nil, fmt.Errorf("%d bytes of tensor data left over", len(blob)-off)
	}
	if len(h.RNG) > 0 {
		if err := m.pcg.UnmarshalBinary(h.RNG); err != nil {
			return nil, fmt.Errorf("random generator state: %w", err)
		}
	}
	return m, nil
}
