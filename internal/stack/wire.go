package stack

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/ratelimit"
	"github.com/payrun/payrun/pkg/submit"
)

// This file is where the configuration becomes the options of the packages the worker wires
// together; pkg/config maps what it validates itself (Config.PayoutOptions, QueueSettings).

// submitOptions maps the gateway section to pkg/submit. The client's retries of unsent
// requests stay inside the call timeout; limiter and pressure are set by the caller.
func submitOptions(cfg config.Config) submit.Options {
	g := cfg.Gateway
	o := submit.Options{
		BaseURL:         g.URL,
		EndpointID:      g.EndpointID,
		EndpointGroupID: g.EndpointGroupID,
		Login:           g.Login,
		Timeout:         g.HTTPTimeout,
		MaxConnsPerHost: g.MaxConns,
		NotFoundCodes:   g.NotFoundCodes,
		UserAgent:       "payrun-worker",
	}
	o.MaxIdleConnsPerHost = g.MaxConns
	o.Backoff.MaxElapsed = max(cfg.CallTimeout()-g.HTTPTimeout, time.Millisecond)
	return o
}

// LimiterOptions maps the ratelimit section to pkg/ratelimit. Rate 0 (no limit) becomes
// ratelimit.UnlimitedRate: the limiter still runs so that gateway pressure (429/503) and
// `worker pause` reach every worker.
func LimiterOptions(cfg config.Config) ratelimit.Options {
	r := cfg.RateLimit
	p := r.Pressure
	o := ratelimit.Options{Rate: r.Rate, Burst: r.Burst, Heartbeat: r.Heartbeat, DeadAfter: r.DeadAfter,
		Window: p.Window, CongestedShare: p.CongestedShare, CongestedMin: p.CongestedMin,
		Decrease: p.Decrease, Increase: p.Increase, MinFactor: p.MinFactor,
		StormAnswers: p.StormAnswers, PressureBase: p.StormPause, PressureMax: p.StormPauseMax,
		PressureReset: p.StormReset, MaxRetryAfter: p.MaxRetryAfter}
	if o.Rate == 0 {
		o.Rate, o.Burst = ratelimit.UnlimitedRate, max(r.Burst, 1000)
	}
	if r.StatusRate > 0 {
		// Status calls take a token of their own kind and one of the total (pkg/payout tags
		// every wait with its kind).
		o.Kinds = map[string]ratelimit.Limit{ratelimit.KindStatus: {Rate: r.StatusRate, Burst: r.Burst}}
	}
	return o
}

// holdFor is how long a job may wait for the rate limit (or a pause) before it is handed back
// with a delay: well inside the ack deadline, which restarts only once the call begins.
func holdFor(cfg config.Config) time.Duration { return cfg.Worker.AckWait / 3 }

// embeddedOptions maps worker.embedded's settings: the server listens on the host and port of
// the first nats.url so that enqueue (and other workers) reach it there.
func embeddedOptions(cfg config.Config) (queue.EmbeddedOptions, error) {
	first := strings.TrimSpace(strings.Split(cfg.NATS.URL, ",")[0])
	u, err := url.Parse(first)
	if err != nil || u.Host == "" {
		return queue.EmbeddedOptions{}, cfg.KeyError("nats.url", "worker.embedded needs a nats://host:port URL to listen on")
	}
	host, portStr := u.Hostname(), u.Port()
	port := 4222
	if portStr != "" {
		if port, err = strconv.Atoi(portStr); err != nil {
			return queue.EmbeddedOptions{}, cfg.KeyError("nats.url", "port %q is not a number", portStr)
		}
	}
	return queue.EmbeddedOptions{StoreDir: cfg.Worker.StoreDir, Host: host, Port: port}, nil
}

// CheckConfig validates cfg for the worker: pkg/config's rules (Config.ValidateWorker, which
// include pkg/payout's), then the rules about how the worker runs that only the binary knows.
// Every error is a *config.FieldError naming a key and where the user set it (it matches
// config.ErrInvalid).
func CheckConfig(cfg config.Config) error {
	if err := cfg.ValidateWorker(); err != nil {
		return err
	}
	return checkWorkerRules(cfg)
}

// checkWorkerRules checks the rules about how the worker runs (embedded server, sandbox, data
// key); errors name the key and where the user set it.
func checkWorkerRules(cfg config.Config) error {
	var errs []error
	if cfg.Worker.Embedded {
		if _, err := embeddedOptions(cfg); err != nil {
			errs = append(errs, err)
		}
		if cfg.Worker.StoreDir == "" && !cfg.Worker.Sandbox {
			// A temporary store is removed at exit, and with it the ledger and the order
			// reservations: re-enqueueing the batch would then pay its rows again.
			errs = append(errs, cfg.KeyError("worker.store_dir", "worker.embedded with a real gateway needs a store directory that outlives the process (the ledger that prevents paying a row twice lives there); a temporary store is only for worker.sandbox"))
		}
	}
	if cfg.Security.DataKeyFile == "" && !cfg.Worker.Sandbox && !cfg.Security.AllowCleartextJobs {
		errs = append(errs, cfg.KeyError("security.data_key_file", "required with a real gateway: without it job messages hold card and account numbers in clear; create one (docs/security.md) or opt out with security.allow_cleartext_jobs: true"))
	}
	return errors.Join(errs...)
}

// queueSettings are the stream, consumer and bucket settings the worker provisions: the
// configuration's, with a finite max_deliver raised to what one row may need
// (Config.PayoutOptions: computed, never demanded). Provision never lowers a running
// consumer's limits.
func queueSettings(cfg config.Config) queue.Settings {
	s := cfg.QueueSettings()
	s.MaxDeliver = cfg.PayoutOptions().MaxDeliver
	return s
}
