package config

import (
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/queue"
)

// Validate checks every key's format and the rules between keys that both binaries rely on, one
// section after the other (each section's check names only its own keys), and the worker keys
// that become pkg/payout's options with pkg/payout's own rules. It does not require the gateway
// keys (enqueue does not need them): see ValidateWorker. Every problem is a *FieldError naming
// where its key was set (see KeyError); all of them are joined.
func (c Config) Validate() error {
	return c.from.name(errors.Join(slices.Concat(
		c.NATS.validate(),
		c.Names.validate(),
		c.Streams.validate(),
		c.Enqueue.validate(),
		c.Gateway.validate(),
		c.Worker.validate(),
		c.payoutProblems(),
		c.RateLimit.validate(),
		validateHTTPAddr(c.HTTPAddr),
		c.Log.validate(),
		c.Console.validate(),
	)...))
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
				errs = append(errs, c.KeyError(key, "is required (or set worker.sandbox: true)"))
			}
		}
		if c.Gateway.EndpointID == "" && c.Gateway.EndpointGroupID == "" {
			errs = append(errs, c.KeyError("gateway.endpoint_id", "set exactly one of gateway.endpoint_id and gateway.endpoint_group_id"))
		}
	}
	return errors.Join(errs...)
}

// problems collects one section's *FieldErrors.
type problems []error

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, fieldErr(key, format, args...))
}

// rule adds the error of a rule between keys (ruleErr).
func (p *problems) rule(first blame, others ...blame) {
	*p = append(*p, ruleErr(first, others...))
}

func (p *problems) positive(key string, d time.Duration) {
	if d <= 0 {
		p.add(key, "must be a positive duration, got %s", d)
	}
}

// Enqueue's keys: the server's limits of atomic batches, positive bounds.
func (e Enqueue) validate() problems {
	var p problems
	if e.PublishWindow < 1 || e.PublishWindow > 50 {
		p.add("enqueue.publish_window", "must be 1-50 (the server allows 50 atomic batches in flight per stream), got %d", e.PublishWindow)
	}
	if e.ChunkSize < 1 || e.ChunkSize > queue.MaxAtomicBatch-1 {
		p.add("enqueue.chunk_size", "must be 1-%d (an atomic batch holds at most %d messages, one is the chunk marker), got %d", queue.MaxAtomicBatch-1, queue.MaxAtomicBatch, e.ChunkSize)
	}
	if e.MaxErrors < 1 {
		p.add("enqueue.max_errors", "must be >= 1")
	}
	if e.MaxFileBytes < 1 {
		p.add("enqueue.max_file_bytes", "must be >= 1")
	}
	if e.WaitTimeout < 0 {
		p.add("enqueue.wait_timeout", "must not be negative (0 waits without limit)")
	}
	return p
}

// validateHTTPAddr checks http_addr, the one key outside a section.
func validateHTTPAddr(addr string) problems {
	var p problems
	if addr != "" {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			p.add("http_addr", "want host:port (e.g. 127.0.0.1:9090 or :9090), or empty to turn it off")
		}
	}
	return p
}

func (l Log) validate() problems {
	var p problems
	if !oneOf(l.Level, "trace", "debug", "info", "warn", "error") {
		p.add("log.level", "%q: want trace, debug, info, warn or error", l.Level)
	}
	if !oneOf(l.Format, "json", "console") {
		p.add("log.format", "%q: want json or console", l.Format)
	}
	return p
}

func oneOf(s string, options ...string) bool {
	return slices.Contains(options, s)
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
