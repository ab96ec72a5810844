package optimizers_test

import (
	"fmt"

	"github.com/seqconv/seqconv/layers"
	"github.com/seqconv/seqconv/optimizers"
)

func ExampleNewRMSprop() {
	opt := optimizers.NewRMSprop(optimizers.RMSpropConfig{}) // Keras defaults
	w := layers.NewParam("kernel", 2)
	w.Value.Data[0], w.Value.Data[1] = 1, 1
	w.Grad.Data[0], w.Grad.Data[1] = 0.5, -0.001
	_ = opt.Apply([]*layers.Param{w})
	// The first step moves a weight by lr/√(1−ρ) ≈ 0.0032 against its
	// gradient when g² ≫ ε; for a tiny gradient Keras's ε inside the root
	// damps the step (0.0022 here for g = −0.001).
	fmt.Printf("%.4f %.4f\n", w.Value.Data[0], w.Value.Data[1])
	iter, _ := opt.State()
	fmt.Println(opt.Name(), opt.Config()["rho"], iter)
	// Output:
	// 0.9968 1.0022
	// RMSprop 0.9 1
}
