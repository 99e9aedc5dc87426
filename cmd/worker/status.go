package main

import (
	"context"
	"fmt"
	"io"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/poolstatus"
)

// runStatus is `worker status [--json]`: the pool's state as pkg/poolstatus reads it from NATS.
func runStatus(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("worker status", statusUsage, stderr)
	configFile := fs.String("config", "", "YAML configuration `file` (nats, names and ratelimit sections are used)")
	asJSON := fs.Bool("json", false, "print one JSON object (pkg/poolstatus.Status) instead of text")
	if help, err := cli.ParseFlags(fs, "status", args, false); help || err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, controlTimeout)
	defer cancel()
	cfg, nc, js, err := connect(ctx, "status", *configFile, environ, stderr)
	if err != nil {
		return err
	}
	defer nc.Close()
	// Whatever could be read is printed; a section that could not (the error wraps
	// poolstatus.ErrIncomplete) makes the command fail after printing.
	st, readErr := poolstatus.Read(ctx, js, poolstatus.Options{Names: cfg.QueueNames(), ConfiguredRate: cfg.RateLimit.Rate})
	if *asJSON {
		err = cli.WriteJSON(stdout, st)
	} else {
		err = st.WriteText(stdout)
	}
	if err != nil || readErr == nil {
		return err
	}
	return &cli.ExitError{Code: exitStatusIncomplete, Err: fmt.Errorf("status: %w", readErr)}
}

// exitStatusIncomplete is `worker status`'s exit code when it printed what it could read but
// could not read the pool, the consumer or the batches (docs/operations.md, "Exit codes").
const exitStatusIncomplete = 3
