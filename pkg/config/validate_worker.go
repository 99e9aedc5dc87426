package config

import (
	"net/url"
	"strings"
	"time"
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

// Worker's keys that only the configuration knows: the consumer's (pkg/queue's bounds) and
// worker.store_dir. The keys that become pkg/payout's options are checked with pkg/payout's
// own rules (payoutProblems).
func (w Worker) validate() problems {
	var p problems
	if w.Concurrency > 10000 {
		p.add("worker.concurrency", "must be 1-10000, got %d", w.Concurrency)
	}
	if w.AckWait < time.Second {
		// pkg/queue's bound (Settings.Validate), whose errors name no key: checked here so
		// that provisioning never refuses what the configuration accepted.
		p.add("worker.ack_wait", "must be at least 1s (the consumer's minimum), got %s", w.AckWait)
	}
	if w.MaxDeliver != -1 && w.MaxDeliver < 2 {
		p.add("worker.max_deliver", "must be -1 (unbounded: the ledger bounds each row) or >= 2, got %d", w.MaxDeliver)
	}
	if w.MaxAckPending < 1 {
		p.add("worker.max_ack_pending", "must be >= 1, got %d", w.MaxAckPending)
	} else if w.MaxAckPending < w.Concurrency {
		p.rule(because("worker.max_ack_pending", "must be >= worker.concurrency (%d)", w.Concurrency),
			because("worker.concurrency", "must be <= worker.max_ack_pending (%d)", w.MaxAckPending))
	}
	if w.MaxFailures >= 1 && w.MaxDeliver >= 2 && w.MaxFailures >= w.MaxDeliver {
		p.rule(because("worker.max_failures", "must be below worker.max_deliver (%d)", w.MaxDeliver),
			because("worker.max_deliver", "must be -1 or above worker.max_failures (%d)", w.MaxFailures))
	}
	if w.StoreDir != "" && !w.Embedded {
		p.add("worker.store_dir", "only used with worker.embedded: true")
	}
	return p
}
