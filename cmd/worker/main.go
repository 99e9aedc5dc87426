// Command worker pays payout jobs from JetStream through the ConnPay gateway.
//
// Subcommands:
//
//	worker [flags]        run the worker pool (see docs/worker.md)
//	worker sign [flags]   print what the signer signs for one request (see docs/signing.md)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		stop()
		os.Exit(exitCode(err))
	}
}

// run dispatches to a subcommand; everything below it writes only to the given streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sign" {
		return runSign(ctx, args[1:], stdin, stdout, stderr)
	}
	return runWorker(ctx, args, stdin, stdout, stderr)
}

// errUsage marks command-line mistakes (exit code 2).
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}
