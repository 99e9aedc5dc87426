package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// shutdownContext returns a context that ends at the first SIGINT or SIGTERM. Go's default
// handling of both signals is restored before the context ends, so once run sees the end (and
// prints its shutdown line) a second signal kills the process at once, however long the graceful
// shutdown would take. release stops watching for the first signal; call it once, after run.
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
		signal.Stop(sigs)
		cancel()
	}()
	return ctx, func() { close(released) }
}
