package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a command as the process: run's context ends on the first SIGINT or SIGTERM (start
// the ordered shutdown). Go's default handling of both signals is restored before that context
// ends, so from the moment run can see the first signal a second one ends the process at once
// (killed by it), however long the shutdown would take. An error is printed as "name: error" on
// stderr, unless it matches ErrReported, and the process exits with exitCode(err): ExitCode, or
// the binary's own table where it has more codes.
func Main(name string, exitCode func(error) int, run func(ctx context.Context) error) {
	ctx, release := shutdownContext()
	err := run(ctx)
	release()
	if err != nil {
		if !errors.Is(err, ErrReported) {
			fmt.Fprintln(os.Stderr, name+":", err)
		}
		os.Exit(exitCode(err))
	}
}

// ErrReported marks an error whose details the command already printed: Main prints nothing more.
var ErrReported = errors.New("reported")

// shutdownContext returns a context that ends at the first SIGINT or SIGTERM, after the
// signals' default handling was restored. release stops watching for the first signal (it too
// restores the default handling); call it once, after run.
func shutdownContext() (ctx context.Context, release func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	released := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-released:
		}
		signal.Reset(os.Interrupt, syscall.SIGTERM) // before cancel: the next signal kills
		cancel()
	}()
	return ctx, func() { close(released) }
}
