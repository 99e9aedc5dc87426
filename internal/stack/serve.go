package stack

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/health"
	"github.com/payrun/payrun/pkg/queue"
)

// httpShutdownTimeout bounds the ops server's shutdown (scrapes in flight).
const httpShutdownTimeout = 5 * time.Second

// Serve is the worker process. It serves HTTP from the start (/healthz answers at once, /readyz
// says what the worker waits for), builds the stack, runs the pool until ctx ends, then shuts
// down in order: the pool stops pulling and finishes or hands back in-flight jobs (within
// worker.shutdown_timeout), then the HTTP server, the limiter (deregisters), the NATS connection,
// the sandbox and the embedded server close. cfg must have passed CheckConfig; logFormat is said
// in the start line. A ctx that ends before the pool starts is a clean stop (nil).
func Serve(ctx context.Context, cfg config.Config, log zerolog.Logger, logFormat string) error {
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
				log.Warn().Str("component", "http").Err(err).Msg("http shutdown")
			}
		}
	}
	s, err := Build(ctx, cfg, log, Options{Registry: reg})
	if err != nil {
		stopOps()
		if ctx.Err() != nil {
			log.Info().Err(err).Msg("stopped before the pool started")
			return nil
		}
		return err
	}
	defer s.Close()
	if callback != nil {
		callback.Set(s.pool.CallbackHandler(cfg.Gateway.ControlKey))
	}
	ready.Add("pool", s.pool.Ready)
	ready.Add("pause", pauseCheck(s.lim))
	ready.Started()

	runErr := s.Run(ctx)
	stopOps()
	if runErr != nil {
		return runErr
	}
	log.Info().Msg("worker stopped")
	return nil
}
