// Command seqconv trains, evaluates and serves seqconv's sequence models and
// looks at their data. Run "seqconv help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

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
	// The first Ctrl-C cancels the context so that long work can stop
	// cleanly (save a checkpoint); a second one kills the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := rootCmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "seqconv:", err)
		os.Exit(1)
	}
}
