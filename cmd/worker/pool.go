package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/health"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
)

// httpShutdownTimeout bounds the ops server's shutdown (scrapes in flight).
const httpShutdownTimeout = 5 * time.Second

// runWorker runs the worker pool until ctx ends (or the demo, with --demo).
func runWorker(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	f, err := parseWorkerFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if f.demo {
		return runDemo(ctx, f, environ, stdout, stderr)
	}
	cfg, err := loadConfig(f, environ)
	if err != nil {
		return err
	}
	log, format := newLogger(cfg.Log, stderr, environ)
	return serve(ctx, cfg, log, format)
}

// serve serves HTTP from the start (/healthz answers at once, /readyz says what the worker waits
// for), wires everything, runs the pool until ctx ends, then shuts down in order: the pool stops
// pulling and finishes or hands back in-flight jobs (within worker.shutdown_timeout), then the
// HTTP server, the limiter (deregisters), the NATS connection, the sandbox and the embedded
// server close.
func serve(ctx context.Context, cfg config.Config, log zerolog.Logger, logFormat string) error {
	log.Info().Str("log_format", logFormat).Object("config", cfg).Msg("worker starting")
	ready := health.New("NATS at " + queue.RedactURL(cfg.NATS.URL))
	reg := prometheus.NewRegistry()
	reg.MustRegister(ready.Gauge("payrun_ready", "1 when /readyz answers ready (NATS provisioned, pool running, not paused or stopped).", 2*time.Second))
	var callback *health.Later // server callbacks need the merchant control key
	stopOps := func() {}
	if cfg.HTTPAddr != "" {
		var cb http.Handler
		if cfg.Gateway.ControlKey != "" {
			callback = &health.Later{}
			cb = callback
		}
		ops, err := startOps(cfg.HTTPAddr, reg, ready, cb, component(log, "http"))
		if err != nil {
			return err
		}
		stopOps = func() {
			if err := ops.shutdown(httpShutdownTimeout); err != nil {
				logOf(component(log, "http")).Warn().Err(err).Msg("http shutdown")
			}
		}
	}
	s, err := buildStack(ctx, cfg, log, stackOptions{reg: reg})
	if err != nil {
		stopOps()
		if ctx.Err() != nil {
			log.Info().Err(err).Msg("stopped before the pool started")
			return nil
		}
		return err
	}
	defer s.close()
	if callback != nil {
		callback.Set(s.pool.CallbackHandler(cfg.Gateway.ControlKey))
	}
	ready.Add("pool", s.pool.Ready)
	ready.Add("pause", pauseCheck(s.lim))
	ready.Started()

	runErr := runPool(ctx, s.pool)
	stopOps()
	if runErr != nil {
		return runErr
	}
	log.Info().Msg("worker stopped")
	return nil
}

// runPool runs the pool until ctx ends. A pool that stops on its own before ctx ends (it
// could not bind the consumer) is a runtime error.
func runPool(ctx context.Context, pool *payout.Pool) error {
	if err := pool.Run(ctx); err != nil {
		return fmt.Errorf("pool: %w", err)
	}
	if ctx.Err() == nil {
		return errors.New("pool: stopped unexpectedly")
	}
	return nil
}
