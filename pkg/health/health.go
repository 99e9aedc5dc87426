package health

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrNotReady is wrapped by every error Ready returns.
var ErrNotReady = errors.New("not ready")

// Check reports nil when its part of the process can work.
type Check func(ctx context.Context) error

type namedCheck struct {
	name string
	fn   Check
}

// Checker holds the readiness state. Safe for concurrent use; the zero value is not usable.
type Checker struct {
	mu      sync.Mutex
	waiting string // non-empty until Started
	checks  []namedCheck
}

// New returns a Checker that is not ready, waiting for what (e.g. "NATS at nats://host:4222");
// with what empty it is started at once.
func New(what string) *Checker { return &Checker{waiting: what} }

// Waiting says what the process waits for now (it is not ready until Started).
func (c *Checker) Waiting(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting = what
}

// Add appends a named check, run by Ready after Started.
func (c *Checker) Add(name string, fn Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks = append(c.checks, namedCheck{name, fn})
}

// Started ends the waiting: from now on Ready runs the checks.
func (c *Checker) Started() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting = ""
}

// Ready returns nil when the process is started and every check passes, else an error wrapping
// ErrNotReady that says why.
func (c *Checker) Ready(ctx context.Context) error {
	c.mu.Lock()
	waiting, checks := c.waiting, c.checks
	c.mu.Unlock()
	if waiting != "" {
		return fmt.Errorf("%w: waiting for %s", ErrNotReady, waiting)
	}
	for _, ch := range checks {
		if err := ch.fn(ctx); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrNotReady, ch.name, err)
		}
	}
	return nil
}

// Register adds GET /healthz and GET /readyz to mux. A readiness check gets at most timeout.
func (c *Checker) Register(mux *http.ServeMux, timeout time.Duration) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		if err := c.Ready(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
}

// Gauge is the readiness as a metric, evaluated at scrape time (at most timeout): name is 1 when
// Ready passes, else 0. Alerts use it for "not ready".
func (c *Checker) Gauge(name, help string, timeout time.Duration) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if c.Ready(ctx) != nil {
			return 0
		}
		return 1
	})
}
