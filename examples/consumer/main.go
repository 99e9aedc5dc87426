// Command consumer is a downstream service's view of payrun: a durable JetStream pull consumer
// on the results stream that prints every result, dead letter and batch summary as it arrives
// and survives restarts without missing or double-counting one (docs/consumers.md).
//
//	consumer [--nats-url URL] [--durable NAME] [--batch ID] [--out FILE]
//
// Exactly once, end to end: each new message is appended to --out (one JSON line, synced) before
// it is acknowledged, and the keys already in --out are skipped, so a message redelivered after a
// crash between the append and the ack is acknowledged and not counted again. Stop it with
// SIGINT/SIGTERM; start it again with the same --durable and --out and it continues where it was.
//
// Exit codes: 0 stopped by a signal, 1 NATS or file failure, 2 usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/payrun/payrun/pkg/buildinfo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `usage: consumer [--nats-url URL] [--durable NAME] [--batch ID] [--out FILE]

Prints payrun's results, dead letters and batch summaries as they arrive, from the first one on
(deliver all), through a durable pull consumer with explicit acks. Every new message is appended
to --out before it is acknowledged; keys already there are skipped, so restarts neither miss nor
double-count. See docs/consumers.md.

Environment: PAYRUN_NATS_URL (default for --nats-url).
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 NATS or file failure, 2 usage.

`

// run parses the flags and consumes until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("consumer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	defURL := getenv("PAYRUN_NATS_URL")
	if defURL == "" {
		defURL = "nats://127.0.0.1:4222"
	}
	o := Options{}
	fs.StringVar(&o.NATSURL, "nats-url", defURL, "NATS server `URL`(s), comma-separated")
	fs.StringVar(&o.Durable, "durable", "payrun-example-consumer", "durable consumer `name`; one per downstream service")
	fs.StringVar(&o.Batch, "batch", "", "only this batch `id` (default: every batch)")
	version := fs.Bool("version", false, "print the build and exit")
	fs.StringVar(&o.Out, "out", "payrun-results.jsonl", "append-only record of every message handled (JSON lines); its keys are skipped on redelivery")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *version {
		fmt.Fprintln(stdout, buildinfo.Read().String("payrun-example-consumer"))
		return nil
	}
	if o.Out == "" {
		return fmt.Errorf("%w: --out must name a file: without it a restart could count a message twice", errUsage)
	}
	c, err := Open(ctx, o, stdout, stderr)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Run(ctx)
}
