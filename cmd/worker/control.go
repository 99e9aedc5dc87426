package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// controlTimeout bounds the whole pause/resume command.
const controlTimeout = 15 * time.Second

// runControl is `worker pause [--reason R]` and `worker resume`: it writes or deletes the pool's
// pause record (pkg/ratelimit) through a plain NATS connection. Every worker sharing the NATS
// system stops sending gateway requests within a moment of a pause (jobs wait or are handed
// back, which uses up deliveries: see docs/operations.md for how long a pause may last) and
// continues after resume.
func runControl(ctx context.Context, cmd string, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		if cmd == "pause" {
			fmt.Fprint(stderr, pauseUsage)
		} else {
			fmt.Fprint(stderr, resumeUsage)
		}
		fs.PrintDefaults()
	}
	configFile := fs.String("config", "", "YAML configuration `file` (nats and names sections are used)")
	reason := new(string)
	if cmd == "pause" {
		reason = fs.String("reason", "paused by an operator", "why, shown in the workers' logs and status")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%s: %w: %w", cmd, errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: %w: unexpected arguments %q", cmd, errUsage, fs.Args())
	}
	cfg, err := config.Load(*configFile, environ)
	if err != nil {
		return usage(err)
	}
	ctx, cancel := context.WithTimeout(ctx, controlTimeout)
	defer cancel()
	nc, js, err := connectClient(ctx, cmd, cfg, environ, stderr)
	if err != nil {
		return err
	}
	defer nc.Close()
	ctl, err := ratelimit.OpenControl(ctx, js, cfg.Names.RateLimitBucket)
	if err != nil {
		return err
	}
	if cmd == "pause" {
		err = ctl.Pause(ctx, *reason)
	} else {
		err = ctl.Resume(ctx)
	}
	if err != nil {
		return err
	}
	st, err := ctl.Status(ctx)
	if err != nil {
		return err
	}
	state := "running"
	if st.Paused {
		state = fmt.Sprintf("paused (%s)", st.PauseReason)
	}
	fmt.Fprintf(stdout, "pool %s; %d worker(s) registered\n", state, len(st.Members))
	return nil
}

// connectClient opens the NATS connection of a short command (pause, resume, status), logging
// connection events to stderr as the worker does.
func connectClient(ctx context.Context, cmd string, cfg config.Config, environ []string, stderr io.Writer) (*nats.Conn, jetstream.JetStream, error) {
	log, _ := cli.NewLogger(cfg.Log, stderr, environ, serviceName)
	nc, err := queue.Connect(ctx, cfg.ConnectOptions("payrun-worker-"+cmd, log.With().Str("component", "nats").Logger()))
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("%s: jetstream: %w", cmd, err)
	}
	return nc, js, nil
}
