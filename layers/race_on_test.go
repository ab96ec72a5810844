//go:build race

package layers

// raceEnabled: the race detector's instrumentation allocates on its own,
// so allocation counts are meaningless under it.
const raceEnabled = true
