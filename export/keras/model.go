package keras

import (
	"fmt"
	"path/filepath"

	"github.com/seqconv/seqconv/model"
)

// FromSequential returns the Keras view of the built Sequential m; it
// shares m's layers and weights.
func FromSequential(m *model.Sequential) (*Model, error) {
	if !m.Built() {
		return nil, fmt.Errorf("keras: model %s is not built (call Build, Fit or Load first)", m.Name())
	}
	return &Model{Name: m.Name(), InputShape: m.InputShape(), Layers: m.Layers()}, nil
}

// ExportSequential writes the built Sequential m into dir as model.json
// and weights.npz (see Export).
func ExportSequential(dir string, m *model.Sequential) error {
	km, err := FromSequential(m)
	if err != nil {
		return err
	}
	return Export(dir, km)
}

// ImportSequential reads dir/model.json and dir/weights.npz (written by
// Export or by Keras) into a built, uncompiled Sequential holding those
// weights.
func ImportSequential(dir string) (*model.Sequential, error) {
	km, cfgPath, err := readConfigFile(dir)
	if err != nil {
		return nil, err
	}
	m := model.NewSequential(km.Layers...)
	if km.Name != "" {
		m.SetName(km.Name)
	}
	if err := m.Build(km.InputShape...); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	wPath := filepath.Join(dir, WeightsFile)
	ws, err := readWeightsFile(wPath)
	if err != nil {
		return nil, err
	}
	if err := m.SetWeights(ws); err != nil {
		return nil, fmt.Errorf("keras: %s: %w", wPath, err)
	}
	return m, nil
}
