package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/stack"
	"github.com/payrun/payrun/pkg/config"
)

// runDemo runs the example batch end to end on this machine (stack.StartDemo: an embedded
// JetStream server in a temporary directory on a free loopback port, the built-in sandbox with a
// generated key, the pool with fast timings). It prints every row's result and the batch
// summary; it fails (exit 1) if they are not all in within the demo's timeout. cfg is
// loadConfig's (stack.DemoConfig).
func runDemo(ctx context.Context, f workerFlags, cfg config.Config, log zerolog.Logger, stdout io.Writer) error {
	d, err := stack.StartDemo(ctx, cfg, log, f.storeDir)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(stdout, "payrun demo: JetStream %s, sandbox gateway %s\n", d.NATSURL(), d.GatewayURL())
	rep, err := d.Enqueue(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "enqueued batch %s: %d rows from %s\n\n", rep.BatchID, rep.Enqueued, stack.DemoSource)
	out, err := d.Wait(ctx, rep.BatchID)
	if err != nil {
		return err
	}
	if err := out.WriteText(stdout); err != nil || f.console == "" {
		return err
	}
	return d.ServeConsole(ctx, f.console, func(url, users string) {
		fmt.Fprintf(stdout, "\nconsole: %s  %s (Ctrl-C stops)\n", url, users)
	})
}
