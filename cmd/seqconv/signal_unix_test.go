//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// child starts the test binary as a child process in the given mode with
// args, returning the command, a reader of its standard output and a
// buffer that collects its standard error.
func child(t *testing.T, mode string, args ...string) (*exec.Cmd, *bufio.Reader, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, bufio.NewReader(out), &stderr
}

// waitFor reads the child's output until a line contains want.
func waitFor(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	var seen strings.Builder
	for {
		line, err := r.ReadString('\n')
		seen.WriteString(line)
		if strings.Contains(line, want) {
			return
		}
		if err != nil {
			t.Fatalf("child output ended (%v) before %q:\n%s", err, want, seen.String())
		}
	}
}

// waitExit waits for the child with a time limit.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("child still running after %v", limit)
		return nil
	}
}

// A real Ctrl-C (SIGINT) during training stops the run after saving a
// checkpoint, with a one-line message and exit status 1; --resume then
// finishes the run.
func TestCtrlCSavesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	args := []string{"jena", "--quick", "--epochs", "6", "--out", dir}
	cmd, out, stderr := child(t, "main", args...)
	waitFor(t, out, "Epoch 2/6")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, out)
	err := waitExit(t, cmd, time.Minute)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit after Ctrl-C: %v, want status 1; stderr:\n%s", err, stderr)
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Count(msg, "\n") != 0 || !strings.HasPrefix(msg, "seqconv: interrupted during epoch ") || !strings.Contains(msg, "--resume") {
		t.Fatalf("stderr after Ctrl-C: %q, want one line naming the epoch and --resume", msg)
	}
	cp := readInfo(t, filepath.Join(dir, "jena.checkpoint.json"))
	if cp.EpochsDone < 1 || cp.EpochsDone >= 6 {
		t.Fatalf("checkpoint after %d epochs, want 1–5", cp.EpochsDone)
	}

	cmd, out, stderr = child(t, "main", append(args, "--resume")...)
	rest, _ := io.ReadAll(out)
	if err := waitExit(t, cmd, time.Minute); err != nil {
		t.Fatalf("resume: %v\n%s\n%s", err, rest, stderr)
	}
	if h := readHistory(t, filepath.Join(dir, "jena_history.csv")); len(h["loss"]) != 6 {
		t.Errorf("history after resuming has %d epochs, want 6", len(h["loss"]))
	}
}

// The first interrupt cancels the context; a second one ends the process
// at once, even if the program is stuck.
func TestSecondCtrlCKills(t *testing.T) {
	cmd, out, _ := child(t, "wait-interrupt")
	waitFor(t, out, "ready")
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, out, "cancelled")
	cmd.Process.Signal(syscall.SIGINT)
	err := waitExit(t, cmd, 30*time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child exit: %v, want killed by SIGINT", err)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Fatalf("child exit status %v, want killed by SIGINT", exit)
	}
}
