package stack

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/ratelimit"
	"github.com/payrun/payrun/pkg/submit"
)

// This file is the one place where the configuration becomes each package's options.

// callTimeout bounds one gateway call including the client's own retries of unsent requests:
// at least gateway.http_timeout, and below both worker.ack_wait and worker.settle_delay
// (pkg/payout's rules), halfway between.
func callTimeout(cfg config.Config) time.Duration {
	ceiling := min(cfg.Worker.AckWait, cfg.Worker.SettleDelay)
	return cfg.Gateway.HTTPTimeout + (ceiling-cfg.Gateway.HTTPTimeout)/2
}

// payoutOptions maps the worker section to pkg/payout. AckWait and MaxDeliver are read from the
// consumer by the pool (Provision sets them from the same keys).
func payoutOptions(cfg config.Config) payout.Options {
	w := cfg.Worker
	o := payout.DefaultOptions()
	o.Names = cfg.QueueNames()
	o.Concurrency = w.Concurrency
	o.ShutdownTimeout = w.ShutdownTimeout
	o.CallTimeout = callTimeout(cfg)
	o.AckWait = w.AckWait
	o.MaxDeliver = w.MaxDeliver
	o.SettleDelay = w.SettleDelay
	o.MaxFailures = w.MaxFailures
	o.MaxAttempts = w.MaxAttempts
	o.BackoffInitial, o.BackoffMax = w.BackoffInitial, w.BackoffMax
	o.CallbackRate, o.CallbackBurst = w.CallbackRate, w.CallbackBurst
	o.Poll = payout.PollOptions{
		FastInterval: w.Poll.FirstInterval,
		FastPhase:    w.Poll.FastPhase,
		SlowInterval: w.Poll.SlowInterval,
		Horizon:      w.Poll.Horizon,
	}
	return o
}

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
	o.Backoff.MaxElapsed = max(callTimeout(cfg)-g.HTTPTimeout, time.Millisecond)
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
		return queue.EmbeddedOptions{}, fieldError("nats.url", "worker.embedded needs a nats://host:port URL to listen on")
	}
	host, portStr := u.Hostname(), u.Port()
	port := 4222
	if portStr != "" {
		if port, err = strconv.Atoi(portStr); err != nil {
			return queue.EmbeddedOptions{}, fieldError("nats.url", "port %q is not a number", portStr)
		}
	}
	return queue.EmbeddedOptions{StoreDir: cfg.Worker.StoreDir, Host: host, Port: port}, nil
}

// CheckConfig validates cfg for the worker: pkg/config's rules (Config.ValidateWorker), then the
// rules between keys that pkg/config does not know about because they come from the packages
// the worker wires together. Every error is a *config.FieldError naming a key (it matches
// config.ErrInvalid).
func CheckConfig(cfg config.Config) error {
	if err := cfg.ValidateWorker(); err != nil {
		return err
	}
	return checkWorkerRules(cfg)
}

// checkWorkerRules checks the rules between keys that come from the packages the worker wires
// together; errors name the key.
func checkWorkerRules(cfg config.Config) error {
	var errs []error
	if cfg.Worker.Embedded {
		if _, err := embeddedOptions(cfg); err != nil {
			errs = append(errs, err)
		}
		if cfg.Worker.StoreDir == "" && !cfg.Worker.Sandbox {
			// A temporary store is removed at exit, and with it the ledger and the order
			// reservations: re-enqueueing the batch would then pay its rows again.
			errs = append(errs, fieldError("worker.store_dir", "worker.embedded with a real gateway needs a store directory that outlives the process (the ledger that prevents paying a row twice lives there); a temporary store is only for worker.sandbox"))
		}
	}
	if cfg.Security.DataKeyFile == "" && !cfg.Worker.Sandbox && !cfg.Security.AllowCleartextJobs {
		errs = append(errs, fieldError("security.data_key_file", "required with a real gateway: without it job messages hold card and account numbers in clear; create one (docs/security.md) or opt out with security.allow_cleartext_jobs: true"))
	}
	if len(errs) == 0 {
		if err := payoutOptions(cfg).Validate(); err != nil {
			errs = append(errs, optionFieldError(err))
		}
	}
	return errors.Join(errs...)
}

// optionFieldError is a pkg/payout option error as the error of the configuration key the
// option comes from. payout.Options.Validate names the option of every error it returns
// (*payout.OptionError); anything else is returned as it is rather than blamed on a key.
func optionFieldError(err error) error {
	var oe *payout.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	return fieldError(configKey(oe.Key), "%v", err)
}

// configKey is the configuration key a pkg/payout option comes from (payoutOptions).
func configKey(option string) string {
	switch option {
	case "poll.fast_interval":
		return "worker.poll.first_interval"
	case "call_timeout":
		return "gateway.http_timeout"
	case "names":
		return "names.consumer"
	}
	return "worker." + option
}

// queueSettings are the stream, consumer and bucket settings the worker provisions: the
// configuration's, with a finite max_deliver raised to what one row may need (computed, never
// demanded). Provision never lowers a running consumer's limits.
func queueSettings(cfg config.Config) queue.Settings {
	s := cfg.QueueSettings()
	if s.MaxDeliver != -1 {
		s.MaxDeliver = max(s.MaxDeliver, payoutOptions(cfg).DeliveriesNeeded())
	}
	return s
}

func fieldError(key, format string, args ...any) *config.FieldError {
	return &config.FieldError{Key: key, Env: config.EnvName(key), Reason: fmt.Sprintf(format, args...)}
}
