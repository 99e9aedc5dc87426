package config

import (
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/queue"
)

var (
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

// Validate checks every key's format and the rules between keys that both binaries rely on. It
// does not require the gateway keys (enqueue does not need them): see ValidateWorker. Every problem
// is a *FieldError; several are joined.
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) { errs = append(errs, fieldErr(key, format, args...)) }
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			add(key, "must be a positive duration, got %s", d)
		}
	}

	// nats
	if strings.TrimSpace(c.NATS.URL) == "" {
		add("nats.url", "must not be empty")
	}
	for _, u := range strings.Split(c.NATS.URL, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" || !oneOf(pu.Scheme, "nats", "tls", "ws", "wss") {
			add("nats.url", "%q is not a nats://, tls://, ws:// or wss:// URL with a host", redactURL(u))
		}
	}
	auth := 0
	for _, set := range []bool{c.NATS.CredsFile != "", c.NATS.NKeyFile != "", c.NATS.User != "" || c.NATS.Password != "", c.NATS.Token != ""} {
		if set {
			auth++
		}
	}
	if auth > 1 {
		add("nats.creds_file", "set only one of nats.creds_file, nats.nkey_file, nats.user/password, nats.token")
	}
	if c.NATS.Password != "" && c.NATS.User == "" {
		add("nats.user", "must be set with nats.password")
	}
	if (c.NATS.TLS.CertFile == "") != (c.NATS.TLS.KeyFile == "") {
		add("nats.tls.cert_file", "nats.tls.cert_file and nats.tls.key_file go together")
	}
	positive("nats.connect_timeout", c.NATS.ConnectTimeout)
	positive("nats.reconnect_wait", c.NATS.ReconnectWait)
	if c.NATS.ReconnectJitter < 0 {
		add("nats.reconnect_jitter", "must not be negative")
	}
	positive("nats.ping_interval", c.NATS.PingInterval)

	// names
	for key, v := range map[string]string{
		"names.job_stream": c.Names.JobStream, "names.result_stream": c.Names.ResultStream,
		"names.consumer": c.Names.Consumer, "names.batches_bucket": c.Names.BatchesBucket,
		"names.orders_bucket": c.Names.OrdersBucket, "names.ledger_bucket": c.Names.LedgerBucket,
		"names.ratelimit_bucket": c.Names.RateLimitBucket,
	} {
		if !nameRE.MatchString(v) {
			add(key, "%q: want 1-64 letters, digits, '_' or '-'", v)
		}
	}
	prefixes := map[string]string{
		"names.job_subject_prefix": c.Names.JobSubjectPrefix, "names.chunk_subject_prefix": c.Names.ChunkSubjectPrefix,
		"names.result_subject_prefix": c.Names.ResultSubjectPrefix, "names.summary_subject_prefix": c.Names.SummarySubjectPrefix,
		"names.dead_subject_prefix": c.Names.DeadSubjectPrefix,
	}
	seen := map[string]string{}
	for key, v := range prefixes {
		if !prefixRE.MatchString(v) {
			add(key, "%q: want dot-separated tokens of letters, digits, '_' or '-' (no wildcards)", v)
		}
		if other, dup := seen[v]; dup {
			add(key, "same as %s; every subject prefix must differ", other)
		}
		seen[v] = key
	}
	if c.Names.JobStream == c.Names.ResultStream {
		add("names.result_stream", "must differ from names.job_stream")
	}

	// streams
	if c.Streams.Replicas < 0 || c.Streams.Replicas > 5 {
		add("streams.replicas", "must be 1-5, or 0: 3 in a cluster, 1 on a single server")
	}
	for key, v := range map[string]int64{
		"streams.job_max_msgs": c.Streams.JobMaxMsgs, "streams.job_max_bytes": c.Streams.JobMaxBytes,
		"streams.result_max_msgs": c.Streams.ResultMaxMsgs, "streams.result_max_bytes": c.Streams.ResultMaxBytes,
		"streams.max_msg_size": int64(c.Streams.MaxMsgSize),
	} {
		if v <= 0 {
			add(key, "must be > 0 (an explicit limit)")
		}
	}
	positive("streams.job_duplicates", c.Streams.JobDuplicates)
	positive("streams.result_max_age", c.Streams.ResultMaxAge)
	positive("streams.result_duplicates", c.Streams.ResultDuplicates)
	if c.Streams.ResultDuplicates > c.Streams.ResultMaxAge && c.Streams.ResultMaxAge > 0 {
		add("streams.result_duplicates", "must not exceed streams.result_max_age (%s)", c.Streams.ResultMaxAge)
	}

	// enqueue
	if c.Enqueue.PublishWindow < 1 || c.Enqueue.PublishWindow > 50 {
		add("enqueue.publish_window", "must be 1-50 (the server allows 50 atomic batches in flight per stream), got %d", c.Enqueue.PublishWindow)
	}
	if c.Enqueue.ChunkSize < 1 || c.Enqueue.ChunkSize > queue.MaxAtomicBatch-1 {
		add("enqueue.chunk_size", "must be 1-%d (an atomic batch holds at most %d messages, one is the chunk marker), got %d", queue.MaxAtomicBatch-1, queue.MaxAtomicBatch, c.Enqueue.ChunkSize)
	}
	if c.Enqueue.MaxErrors < 1 {
		add("enqueue.max_errors", "must be >= 1")
	}
	if c.Enqueue.MaxFileBytes < 1 {
		add("enqueue.max_file_bytes", "must be >= 1")
	}
	if c.Enqueue.WaitTimeout < 0 {
		add("enqueue.wait_timeout", "must not be negative (0 waits without limit)")
	}

	// gateway (format only; ValidateWorker requires them)
	if c.Gateway.URL != "" {
		pu, err := url.Parse(c.Gateway.URL)
		if err != nil || !oneOf(pu.Scheme, "http", "https") || pu.Host == "" {
			add("gateway.url", "must be an absolute http(s) URL")
		} else if !strings.HasSuffix(strings.TrimRight(pu.Path, "/"), "/paynet") {
			add("gateway.url", "must be the base URL ending in /paynet (e.g. https://gateway.example/paynet)")
		} else if pu.User != nil {
			add("gateway.url", "must not carry credentials")
		} else if pu.Scheme == "http" && !isLoopback(pu.Hostname()) && !c.Gateway.AllowInsecureHTTP {
			add("gateway.url", "plain http:// to %s would send card data and the signed request in clear: use https://, or set gateway.allow_insecure_http: true (PAYRUN_GATEWAY_ALLOW_INSECURE_HTTP) for a test gateway", pu.Hostname())
		}
	}
	if c.Gateway.EndpointID != "" && c.Gateway.EndpointGroupID != "" {
		add("gateway.endpoint_id", "set exactly one of gateway.endpoint_id and gateway.endpoint_group_id, not both")
	}
	positive("gateway.http_timeout", c.Gateway.HTTPTimeout)
	if c.Gateway.MaxConns < 1 {
		add("gateway.max_conns", "must be >= 1")
	}
	for _, code := range c.Gateway.NotFoundCodes {
		if code == "" || strings.ContainsAny(code, " \t\r\n,") {
			add("gateway.not_found_codes", "%q: want error-code values without spaces or commas", code)
		}
	}

	// worker
	w := c.Worker
	if w.Concurrency < 1 || w.Concurrency > 10000 {
		add("worker.concurrency", "must be 1-10000, got %d", w.Concurrency)
	}
	if w.AckWait <= c.Gateway.HTTPTimeout {
		add("worker.ack_wait", "must exceed gateway.http_timeout (%s): a job must not be redelivered while its HTTP call may still be running", c.Gateway.HTTPTimeout)
	}
	if w.MaxDeliver != -1 && w.MaxDeliver < 2 {
		add("worker.max_deliver", "must be -1 (unbounded: the ledger bounds each row) or >= 2")
	}
	if w.MaxAckPending < 1 {
		add("worker.max_ack_pending", "must be >= 1")
	} else if w.MaxAckPending < w.Concurrency {
		add("worker.max_ack_pending", "must be >= worker.concurrency (%d)", w.Concurrency)
	}
	if w.MaxFailures < 1 {
		add("worker.max_failures", "must be >= 1")
	} else if w.MaxDeliver != -1 && w.MaxFailures >= w.MaxDeliver {
		add("worker.max_failures", "must be below worker.max_deliver (%d)", w.MaxDeliver)
	}
	if w.MaxAttempts < 1 {
		add("worker.max_attempts", "must be >= 1")
	}
	positive("worker.backoff_initial", w.BackoffInitial)
	if w.BackoffMax < w.BackoffInitial {
		add("worker.backoff_max", "must be at least worker.backoff_initial (%s)", w.BackoffInitial)
	}
	if w.SettleDelay <= c.Gateway.HTTPTimeout {
		add("worker.settle_delay", "must exceed gateway.http_timeout (%s): a status lookup must not race a payout request still in flight", c.Gateway.HTTPTimeout)
	}
	positive("worker.poll.first_interval", w.Poll.FirstInterval)
	positive("worker.poll.slow_interval", w.Poll.SlowInterval)
	if w.Poll.FastPhase < 0 {
		add("worker.poll.fast_phase", "must not be negative")
	}
	if w.Poll.Horizon < w.Poll.FirstInterval {
		add("worker.poll.horizon", "must be at least worker.poll.first_interval (%s)", w.Poll.FirstInterval)
	}
	positive("worker.shutdown_timeout", w.ShutdownTimeout)
	if !(w.CallbackRate > 0) {
		add("worker.callback_rate", "must be above 0 (status lookups per second caused by callbacks), got %v", w.CallbackRate)
	}
	if w.CallbackBurst < 1 {
		add("worker.callback_burst", "must be >= 1, got %d", w.CallbackBurst)
	}
	if w.StoreDir != "" && !w.Embedded {
		add("worker.store_dir", "only used with worker.embedded: true")
	}

	// ratelimit
	if c.RateLimit.Rate < 0 {
		add("ratelimit.rate", "must be >= 0 (0 turns the limit off)")
	}
	if c.RateLimit.StatusRate < 0 {
		add("ratelimit.status_rate", "must be >= 0 (0: status calls share ratelimit.rate)")
	}
	if c.RateLimit.Burst < 1 {
		add("ratelimit.burst", "must be >= 1")
	}
	positive("ratelimit.heartbeat", c.RateLimit.Heartbeat)
	if c.RateLimit.DeadAfter < 2*c.RateLimit.Heartbeat {
		add("ratelimit.dead_after", "must be at least twice ratelimit.heartbeat (%s): one late heartbeat must not count a worker dead", c.RateLimit.Heartbeat)
	}
	pr := c.RateLimit.Pressure
	positive("ratelimit.pressure.window", pr.Window)
	fraction := func(key string, v float64, upTo1 bool) {
		if !(v > 0 && (v < 1 || upTo1 && v == 1)) {
			bound := "1)"
			if upTo1 {
				bound = "1]"
			}
			add(key, "must be in (0, %s, got %v", bound, v)
		}
	}
	fraction("ratelimit.pressure.congested_share", pr.CongestedShare, true)
	fraction("ratelimit.pressure.decrease", pr.Decrease, false)
	fraction("ratelimit.pressure.increase", pr.Increase, true)
	fraction("ratelimit.pressure.min_factor", pr.MinFactor, true)
	if pr.CongestedMin < 1 {
		add("ratelimit.pressure.congested_min", "must be >= 1")
	}
	if pr.StormAnswers < 1 {
		add("ratelimit.pressure.storm_answers", "must be >= 1")
	}
	positive("ratelimit.pressure.storm_pause", pr.StormPause)
	if pr.StormPauseMax < pr.StormPause {
		add("ratelimit.pressure.storm_pause_max", "must be at least ratelimit.pressure.storm_pause (%s)", pr.StormPause)
	}
	positive("ratelimit.pressure.storm_reset", pr.StormReset)
	if pr.MaxRetryAfter < pr.StormPause {
		add("ratelimit.pressure.max_retry_after", "must be at least ratelimit.pressure.storm_pause (%s)", pr.StormPause)
	}

	// http_addr, log
	if c.HTTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			add("http_addr", "want host:port (e.g. 127.0.0.1:9090 or :9090), or empty to turn it off")
		}
	}
	if !oneOf(c.Log.Level, "trace", "debug", "info", "warn", "error") {
		add("log.level", "%q: want trace, debug, info, warn or error", c.Log.Level)
	}
	if !oneOf(c.Log.Format, "json", "console") {
		add("log.format", "%q: want json or console", c.Log.Format)
	}
	errs = append(errs, c.validateConsole()...)
	return errors.Join(errs...)
}

// ValidateWorker is Validate plus what the worker needs to pay: the gateway keys, unless
// worker.sandbox uses the built-in sandbox gateway.
func (c Config) ValidateWorker() error {
	errs := []error{c.Validate()}
	if !c.Worker.Sandbox {
		for key, v := range map[string]string{
			"gateway.url": c.Gateway.URL, "gateway.login": c.Gateway.Login, "gateway.private_key_file": c.Gateway.PrivateKeyFile,
		} {
			if v == "" {
				errs = append(errs, fieldErr(key, "is required (or set worker.sandbox: true)"))
			}
		}
		if c.Gateway.EndpointID == "" && c.Gateway.EndpointGroupID == "" {
			errs = append(errs, fieldErr("gateway.endpoint_id", "set exactly one of gateway.endpoint_id and gateway.endpoint_group_id"))
		}
	}
	return errors.Join(errs...)
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// redactURL hides userinfo in a URL for error messages.
func redactURL(u string) string {
	if pu, err := url.Parse(u); err == nil && pu.User != nil {
		pu.User = url.User("***")
		return pu.String()
	}
	return u
}

// isLoopback reports whether host is "localhost" or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
