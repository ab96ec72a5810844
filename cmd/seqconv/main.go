// Command seqconv trains, evaluates and serves seqconv's sequence models and
// looks at their data. Run "seqconv help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// rootCmd is the top of the command tree; each subcommand file adds itself
// in an init function.
var rootCmd = &cobra.Command{
	Use:           "seqconv",
	Short:         "Train, evaluate and serve 1D convnets and recurrent networks, Keras-style, in pure Go",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// dataCmd groups the commands that look at datasets ("seqconv data imdb").
var dataCmd = &cobra.Command{
	Use:   "data",
	Short: "Look at the shipped datasets",
}

func init() {
	rootCmd.AddCommand(dataCmd)
}

func main() {
	ctx, stop := interruptContext()
	err := rootCmd.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "seqconv:", err)
		os.Exit(1)
	}
}

// interruptContext returns a context that the first Ctrl-C (or SIGTERM)
// cancels, so that long work can stop cleanly and save a checkpoint. The
// signals' default handling comes back at that moment, so a second Ctrl-C
// ends the process at once if stopping takes too long.
func interruptContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sig:
			// Default handling first, so that it is in place by the time
			// anyone sees the context cancelled.
			signal.Stop(sig)
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sig)
		cancel()
	}
}
