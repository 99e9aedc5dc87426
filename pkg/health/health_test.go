package health_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/payrun/payrun/pkg/health"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

func TestCheckerLifecycle(t *testing.T) {
	t.Parallel()
	c := health.New("NATS at nats://127.0.0.1:4222")
	mux := http.NewServeMux()
	c.Register(mux, time.Second)

	paused := errors.New("pool paused: maintenance")
	var pauseErr error
	steps := []struct {
		name     string
		do       func()
		healthz  int
		readyz   int
		readyMsg string
	}{
		{"before NATS", func() {}, 200, 503, "not ready: waiting for NATS at nats://127.0.0.1:4222"},
		{"checks added, not started", func() { c.Add("pause", func(context.Context) error { return pauseErr }) }, 200, 503, "waiting for NATS"},
		{"started", c.Started, 200, 200, "ready"},
		{"a check fails", func() { pauseErr = paused }, 200, 503, "not ready: pause: pool paused: maintenance"},
		{"it passes again", func() { pauseErr = nil }, 200, 200, "ready"},
		{"waiting again", func() { c.Waiting("the consumer") }, 200, 503, "not ready: waiting for the consumer"},
	}
	for _, s := range steps {
		s.do()
		if code, body := get(t, mux, "/healthz"); code != s.healthz || body != "ok" {
			t.Errorf("%s: /healthz %d %q", s.name, code, body)
		}
		code, body := get(t, mux, "/readyz")
		if code != s.readyz || !strings.Contains(body, s.readyMsg) {
			t.Errorf("%s: /readyz %d %q, want %d %q", s.name, code, body, s.readyz, s.readyMsg)
		}
		if err := c.Ready(context.Background()); (err == nil) != (s.readyz == 200) || (err != nil && !errors.Is(err, health.ErrNotReady)) {
			t.Errorf("%s: Ready %v", s.name, err)
		}
	}
}

func TestGauge(t *testing.T) {
	t.Parallel()
	c := health.New("NATS")
	g := c.Gauge("payrun_ready", "test", time.Second)
	if v := testutil.ToFloat64(g); v != 0 {
		t.Errorf("waiting: %v", v)
	}
	c.Started()
	if v := testutil.ToFloat64(g); v != 1 {
		t.Errorf("ready: %v", v)
	}
}

func TestLater(t *testing.T) {
	t.Parallel()
	var l health.Later
	if code, _ := get(t, &l, "/callback"); code != http.StatusServiceUnavailable {
		t.Fatalf("before Set: %d", code)
	}
	l.Set(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	if code, _ := get(t, &l, "/callback"); code != http.StatusTeapot {
		t.Fatalf("after Set: %d", code)
	}
}
