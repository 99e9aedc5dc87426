package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/poolstatus"
)

// runStatus is `worker status [--json]`: the pool's state as pkg/poolstatus reads it from NATS.
func runStatus(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, statusUsage); fs.PrintDefaults() }
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
	st, err := poolstatus.Read(ctx, js, poolstatus.Options{Names: cfg.QueueNames(), ConfiguredRate: cfg.RateLimit.Rate})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return st.WriteText(stdout)
}
