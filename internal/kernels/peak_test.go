package kernels

import (
	"runtime"
	"testing"
	"time"
)

func TestFMAPeak(t *testing.T) {
	g := FMAPeak(1, 50*time.Millisecond)
	if loop, _ := peakLoop(); runtime.GOARCH == "amd64" && loop != nil && !(g > 1) {
		t.Fatalf("FMA peak %g GFLOP/s", g)
	}
	if FMAPeak(0, time.Millisecond) != 0 {
		t.Fatal("FMAPeak(0 threads) != 0")
	}
}
