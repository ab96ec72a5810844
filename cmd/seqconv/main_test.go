package main

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// childEnv names the variable that makes the test binary act as a child
// process: "main" runs the seqconv command with the arguments after the
// binary's name, "wait-interrupt" waits for the first interrupt, says so
// and then blocks (the second interrupt must end it).
const childEnv = "SEQCONV_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "main":
		main()
		os.Exit(0)
	case "wait-interrupt":
		ctx, _ := interruptContext()
		fmt.Println("ready")
		<-ctx.Done()
		fmt.Println("cancelled")
		<-context.Background().Done() // forever
	}
	os.Exit(m.Run())
}
