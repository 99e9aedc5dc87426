package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// controlTimeout bounds a whole short command (pause, resume, status).
const controlTimeout = 15 * time.Second

// runControl is `worker pause [--reason R]` and `worker resume`: it writes or deletes the pool's
// pause record (pkg/ratelimit) through a plain NATS connection. Every worker sharing the NATS
// system stops sending gateway requests within a moment of a pause (jobs wait or are handed
// back, which uses up deliveries: see docs/operations.md for how long a pause may last) and
// continues after resume.
func runControl(ctx context.Context, cmd string, args, environ []string, stdout, stderr io.Writer) error {
	usage := resumeUsage
	if cmd == "pause" {
		usage = pauseUsage
	}
	fs := cli.NewFlagSet("worker "+cmd, usage, stderr)
	configFile := fs.String("config", "", "YAML configuration `file` (nats and names sections are used)")
	reason := new(string)
	if cmd == "pause" {
		reason = fs.String("reason", "paused by an operator", "why, shown in the workers' logs and status")
	}
	if help, err := cli.ParseFlags(fs, cmd, args, false); help || err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, controlTimeout)
	defer cancel()
	cfg, nc, js, err := connect(ctx, cmd, *configFile, environ, stderr)
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

// connect loads the configuration of a short command (pause, resume, status) and opens its
// NATS connection without provisioning anything, logging connection events to stderr as the
// worker does.
func connect(ctx context.Context, cmd, configFile string, environ []string, stderr io.Writer) (config.Config, *nats.Conn, jetstream.JetStream, error) {
	cfg, err := config.Load(configFile, environ)
	if err != nil {
		return cfg, nil, nil, cli.Usage(err)
	}
	log, _ := cli.NewLogger(cfg.Log, stderr, environ, serviceName)
	nc, js, err := cfg.Connect(ctx, "payrun-worker-"+cmd, log.With().Str("component", "nats").Logger())
	return cfg, nc, js, err
}
