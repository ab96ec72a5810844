package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/seqconv/seqconv/export/keras"
	"github.com/seqconv/seqconv/export/onnx"
	"github.com/seqconv/seqconv/model"
	"github.com/seqconv/seqconv/tensor"
)

var exportCmd = &cobra.Command{
	Use:   "export (--onnx MODELFILE OUT.onnx | --keras MODELFILE OUTDIR)",
	Short: "Export a saved model to ONNX or to Keras (model.json + weights.npz)",
	Long: `Export a model saved by seqconv.

--onnx writes an ONNX model (opset 17) with input "input" and output
"output" and a symbolic batch axis; a model starting with an Embedding takes
int64 token ids, any other float32 values in Keras's (batch, time, features)
layout. ONNX Runtime and other ONNX consumers load it.

--keras writes OUTDIR/model.json (Keras model.to_json()) and
OUTDIR/weights.npz (model.get_weights() as arr_0, arr_1, …). In Python:

  model = keras.models.model_from_json(open("model.json").read())
  w = np.load("weights.npz")
  model.set_weights([w[f"arr_{i}"] for i in range(len(w.files))])`,
	Args: cobra.ExactArgs(2),
	RunE: runExport,
}

func init() {
	exportCmd.Flags().Bool("onnx", false, "write an ONNX model file")
	exportCmd.Flags().Bool("keras", false, "write a Keras model.json and weights.npz into a directory")
	exportCmd.MarkFlagsOneRequired("onnx", "keras")
	exportCmd.MarkFlagsMutuallyExclusive("onnx", "keras")
	rootCmd.AddCommand(exportCmd)
}

func runExport(cmd *cobra.Command, args []string) error {
	toONNX, _ := cmd.Flags().GetBool("onnx")
	src, dst := args[0], args[1]
	m, err := model.Load(src)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if toONNX {
		if err := onnx.WriteModelFile(dst, m); err != nil {
			return err
		}
		in := "float32"
		if ls := m.Layers(); len(ls) > 0 && ls[0].ClassName() == "Embedding" {
			in = "int64 token ids"
		}
		_, err := fmt.Fprintf(out, "wrote %s: input %q %s %s, output %q %s (ONNX opset %d)\n",
			dst, onnx.InputName, in, tensor.ShapeString(append([]int{-1}, m.InputShape()...)),
			onnx.OutputName, tensor.ShapeString(append([]int{-1}, m.OutputShape()...)), onnx.Opset)
		return err
	}
	if err := keras.ExportSequential(dst, m); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "wrote %s and %s (%d weight arrays)\n",
		filepath.Join(dst, keras.ConfigFile), filepath.Join(dst, keras.WeightsFile), len(m.Params()))
	return err
}
