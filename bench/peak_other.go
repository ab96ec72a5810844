//go:build !amd64

package bench

// fmaFlopsPerIter is 0: no FMA loop is written for this architecture.
var fmaFlopsPerIter = 0

func fmaLoop(int) {}
