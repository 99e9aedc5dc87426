package config

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

// NATS's keys: server URLs, at most one authentication method, TLS files in pairs, timings.
func (n NATS) validate() problems {
	var p problems
	if strings.TrimSpace(n.URL) == "" {
		p.add("nats.url", "must not be empty")
	}
	for _, u := range strings.Split(n.URL, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" || !oneOf(pu.Scheme, "nats", "tls", "ws", "wss") {
			p.add("nats.url", "%q is not a nats://, tls://, ws:// or wss:// URL with a host", redactURL(u))
		}
	}
	auth := 0
	for _, set := range []bool{n.CredsFile != "", n.NKeyFile != "", n.User != "" || n.Password != "", n.Token != ""} {
		if set {
			auth++
		}
	}
	if auth > 1 {
		p.add("nats.creds_file", "set only one of nats.creds_file, nats.nkey_file, nats.user/password, nats.token")
	}
	if n.Password != "" && n.User == "" {
		p.add("nats.user", "must be set with nats.password")
	}
	if (n.TLS.CertFile == "") != (n.TLS.KeyFile == "") {
		p.add("nats.tls.cert_file", "nats.tls.cert_file and nats.tls.key_file go together")
	}
	p.positive("nats.connect_timeout", n.ConnectTimeout)
	p.positive("nats.reconnect_wait", n.ReconnectWait)
	if n.ReconnectJitter < 0 {
		p.add("nats.reconnect_jitter", "must not be negative")
	}
	p.positive("nats.ping_interval", n.PingInterval)
	return p
}

// Names' keys: stream, consumer and bucket names; distinct, wildcard-free subject prefixes.
func (n Names) validate() problems {
	var p problems
	for _, kv := range []struct{ key, v string }{
		{"names.job_stream", n.JobStream}, {"names.result_stream", n.ResultStream},
		{"names.consumer", n.Consumer}, {"names.batches_bucket", n.BatchesBucket},
		{"names.orders_bucket", n.OrdersBucket}, {"names.ledger_bucket", n.LedgerBucket},
		{"names.ratelimit_bucket", n.RateLimitBucket},
	} {
		if !nameRE.MatchString(kv.v) {
			p.add(kv.key, "%q: want 1-64 letters, digits, '_' or '-'", kv.v)
		}
	}
	seen := map[string]string{}
	for _, kv := range []struct{ key, v string }{
		{"names.job_subject_prefix", n.JobSubjectPrefix}, {"names.chunk_subject_prefix", n.ChunkSubjectPrefix},
		{"names.result_subject_prefix", n.ResultSubjectPrefix}, {"names.summary_subject_prefix", n.SummarySubjectPrefix},
		{"names.dead_subject_prefix", n.DeadSubjectPrefix},
	} {
		if !prefixRE.MatchString(kv.v) {
			p.add(kv.key, "%q: want dot-separated tokens of letters, digits, '_' or '-' (no wildcards)", kv.v)
		}
		if other, dup := seen[kv.v]; dup {
			p.add(kv.key, "same as %s; every subject prefix must differ", other)
		}
		seen[kv.v] = kv.key
	}
	if n.JobStream == n.ResultStream {
		p.add("names.result_stream", "must differ from names.job_stream")
	}
	return p
}

// Streams' keys: replicas, explicit (positive) limits, duplicate windows within the max age.
func (s Streams) validate() problems {
	var p problems
	if s.Replicas < 0 || s.Replicas > 5 {
		p.add("streams.replicas", "must be 1-5, or 0: 3 in a cluster, 1 on a single server")
	}
	for _, kv := range []struct {
		key string
		v   int64
	}{
		{"streams.job_max_msgs", s.JobMaxMsgs}, {"streams.job_max_bytes", s.JobMaxBytes},
		{"streams.max_msg_size", int64(s.MaxMsgSize)},
		{"streams.result_max_msgs", s.ResultMaxMsgs}, {"streams.result_max_bytes", s.ResultMaxBytes},
	} {
		if kv.v <= 0 {
			p.add(kv.key, "must be > 0 (an explicit limit)")
		}
	}
	p.positive("streams.job_duplicates", s.JobDuplicates)
	p.positive("streams.result_max_age", s.ResultMaxAge)
	p.positive("streams.result_duplicates", s.ResultDuplicates)
	if s.ResultDuplicates > s.ResultMaxAge && s.ResultMaxAge > 0 {
		p.add("streams.result_duplicates", "must not exceed streams.result_max_age (%s)", s.ResultMaxAge)
	}
	return p
}
