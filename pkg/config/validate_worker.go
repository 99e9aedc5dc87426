package config

import (
	"net/url"
	"strings"
)

// Gateway's keys, formats only (ValidateWorker requires them): a /paynet base URL, https unless
// loopback or allowed, one endpoint, not-found codes without separators.
func (g Gateway) validate() problems {
	var p problems
	if g.URL != "" {
		pu, err := url.Parse(g.URL)
		if err != nil || !oneOf(pu.Scheme, "http", "https") || pu.Host == "" {
			p.add("gateway.url", "must be an absolute http(s) URL")
		} else if !strings.HasSuffix(strings.TrimRight(pu.Path, "/"), "/paynet") {
			p.add("gateway.url", "must be the base URL ending in /paynet (e.g. https://gateway.example/paynet)")
		} else if pu.User != nil {
			p.add("gateway.url", "must not carry credentials")
		} else if pu.Scheme == "http" && !isLoopback(pu.Hostname()) && !g.AllowInsecureHTTP {
			p.add("gateway.url", "plain http:// to %s would send card data and the signed request in clear: use https://, or set gateway.allow_insecure_http: true (PAYRUN_GATEWAY_ALLOW_INSECURE_HTTP) for a test gateway", pu.Hostname())
		}
	}
	if g.EndpointID != "" && g.EndpointGroupID != "" {
		p.add("gateway.endpoint_id", "set exactly one of gateway.endpoint_id and gateway.endpoint_group_id, not both")
	}
	p.positive("gateway.http_timeout", g.HTTPTimeout)
	if g.MaxConns < 1 {
		p.add("gateway.max_conns", "must be >= 1")
	}
	for _, code := range g.NotFoundCodes {
		if code == "" || strings.ContainsAny(code, " \t\r\n,") {
			p.add("gateway.not_found_codes", "%q: want error-code values without spaces or commas", code)
		}
	}
	return p
}

// Worker's keys, and their rules against the gateway's HTTP timeout: a job is not redelivered,
// nor its order looked up, while its HTTP call may still run.
func (w Worker) validate(g Gateway) problems {
	var p problems
	if w.Concurrency < 1 || w.Concurrency > 10000 {
		p.add("worker.concurrency", "must be 1-10000, got %d", w.Concurrency)
	}
	if w.AckWait <= g.HTTPTimeout {
		p.add("worker.ack_wait", "must exceed gateway.http_timeout (%s): a job must not be redelivered while its HTTP call may still be running", g.HTTPTimeout)
	}
	if w.MaxDeliver != -1 && w.MaxDeliver < 2 {
		p.add("worker.max_deliver", "must be -1 (unbounded: the ledger bounds each row) or >= 2")
	}
	if w.MaxAckPending < 1 {
		p.add("worker.max_ack_pending", "must be >= 1")
	} else if w.MaxAckPending < w.Concurrency {
		p.add("worker.max_ack_pending", "must be >= worker.concurrency (%d)", w.Concurrency)
	}
	if w.MaxFailures < 1 {
		p.add("worker.max_failures", "must be >= 1")
	} else if w.MaxDeliver != -1 && w.MaxFailures >= w.MaxDeliver {
		p.add("worker.max_failures", "must be below worker.max_deliver (%d)", w.MaxDeliver)
	}
	if w.MaxAttempts < 1 {
		p.add("worker.max_attempts", "must be >= 1")
	}
	p.positive("worker.backoff_initial", w.BackoffInitial)
	if w.BackoffMax < w.BackoffInitial {
		p.add("worker.backoff_max", "must be at least worker.backoff_initial (%s)", w.BackoffInitial)
	}
	if w.SettleDelay <= g.HTTPTimeout {
		p.add("worker.settle_delay", "must exceed gateway.http_timeout (%s): a status lookup must not race a payout request still in flight", g.HTTPTimeout)
	}
	p.positive("worker.poll.first_interval", w.Poll.FirstInterval)
	p.positive("worker.poll.slow_interval", w.Poll.SlowInterval)
	if w.Poll.FastPhase < 0 {
		p.add("worker.poll.fast_phase", "must not be negative")
	}
	if w.Poll.Horizon < w.Poll.FirstInterval {
		p.add("worker.poll.horizon", "must be at least worker.poll.first_interval (%s)", w.Poll.FirstInterval)
	}
	p.positive("worker.shutdown_timeout", w.ShutdownTimeout)
	if !(w.CallbackRate > 0) {
		p.add("worker.callback_rate", "must be above 0 (status lookups per second caused by callbacks), got %v", w.CallbackRate)
	}
	if w.CallbackBurst < 1 {
		p.add("worker.callback_burst", "must be >= 1, got %d", w.CallbackBurst)
	}
	if w.StoreDir != "" && !w.Embedded {
		p.add("worker.store_dir", "only used with worker.embedded: true")
	}
	return p
}
