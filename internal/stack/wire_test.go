package stack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testlog"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/health"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/ratelimit"
)

func parseConfig(t *testing.T, yaml string, environ ...string) config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), "test.yaml", environ)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestWireMapsConfig(t *testing.T) {
	t.Parallel()
	cfg := parseConfig(t, `
gateway: {url: "https://gw.example/paynet", endpoint_id: "7", login: m, private_key_file: k.pem, http_timeout: 4s, max_conns: 9}
worker: {concurrency: 5, ack_wait: 20s, settle_delay: 12s, max_failures: 7, shutdown_timeout: 9s,
  max_attempts: 3, backoff_initial: 2s, backoff_max: 40s,
  poll: {first_interval: 2s, fast_phase: 1m, slow_interval: 30s, horizon: 30m}}
ratelimit: {rate: 12.5, burst: 4, heartbeat: 500ms, dead_after: 2s}
`)
	po := cfg.PayoutOptions()
	if err := po.Validate(); err != nil {
		t.Fatal(err)
	}
	ct := cfg.CallTimeout()
	if ct != 8*time.Second || po.CallTimeout != ct {
		t.Errorf("call timeout %s (options %s), want 8s: halfway from http_timeout 4s to settle_delay 12s", ct, po.CallTimeout)
	}
	want := payout.PollOptions{FastInterval: 2 * time.Second, FastPhase: time.Minute, SlowInterval: 30 * time.Second, Horizon: 30 * time.Minute}
	if po.Concurrency != 5 || po.SettleDelay != 12*time.Second || po.MaxFailures != 7 || po.ShutdownTimeout != 9*time.Second || po.Poll != want {
		t.Errorf("payout options %+v", po)
	}
	if po.MaxAttempts != 3 || po.BackoffInitial != 2*time.Second || po.BackoffMax != 40*time.Second {
		t.Errorf("payout attempts/backoff: max_attempts %d, backoff %s..%s, want 3, 2s..40s", po.MaxAttempts, po.BackoffInitial, po.BackoffMax)
	}
	so := submitOptions(cfg)
	if so.BaseURL != cfg.Gateway.URL || so.EndpointID != "7" || so.Login != "m" || so.Timeout != 4*time.Second ||
		so.MaxConnsPerHost != 9 || so.Backoff.MaxElapsed != 4*time.Second {
		t.Errorf("submit options %+v", so)
	}
	if lo := LimiterOptions(cfg); lo.Rate != 12.5 || lo.Burst != 4 || lo.Heartbeat != 500*time.Millisecond || lo.DeadAfter != 2*time.Second {
		t.Errorf("limiter options %+v", lo)
	}
	if lo := LimiterOptions(cfg); lo.Kinds != nil {
		t.Errorf("no status_rate: limiter kinds %+v, want none", lo.Kinds)
	}
	if lo := LimiterOptions(parseConfig(t, "ratelimit: {rate: 20, burst: 2, status_rate: 5}\n")); lo.Kinds[ratelimit.KindStatus] != (ratelimit.Limit{Rate: 5, Burst: 2}) {
		t.Errorf("status_rate 5: limiter kinds %+v", lo.Kinds)
	}
	if lo := LimiterOptions(parseConfig(t, "")); lo.Rate != ratelimit.UnlimitedRate {
		t.Errorf("rate 0: limiter rate %v, want %v (pressure and pause still apply)", lo.Rate, ratelimit.UnlimitedRate)
	}
	if holdFor(cfg) >= cfg.Worker.AckWait {
		t.Errorf("hold %s must stay inside ack_wait %s", holdFor(cfg), cfg.Worker.AckWait)
	}
}

// The config's defaults for pkg/payout's keys are the package's own defaults: a worker run with
// no configuration behaves as docs/worker.md describes.
func TestConfigDefaultsArePackageDefaults(t *testing.T) {
	t.Parallel()
	cfg, pd := config.Default(), payout.DefaultOptions()
	po := cfg.PayoutOptions()
	if po.MaxAttempts != pd.MaxAttempts || po.BackoffInitial != pd.BackoffInitial || po.BackoffMax != pd.BackoffMax {
		t.Errorf("config defaults: max_attempts %d, backoff %s..%s; pkg/payout: %d, %s..%s",
			po.MaxAttempts, po.BackoffInitial, po.BackoffMax, pd.MaxAttempts, pd.BackoffInitial, pd.BackoffMax)
	}
	if po.CallbackRate != pd.CallbackRate || po.CallbackBurst != pd.CallbackBurst {
		t.Errorf("config callback_rate/burst %v/%d, pkg/payout %v/%d", po.CallbackRate, po.CallbackBurst, pd.CallbackRate, pd.CallbackBurst)
	}
	if po.Poll != pd.Poll {
		t.Errorf("config poll defaults %+v, pkg/payout %+v", po.Poll, pd.Poll)
	}
	if r := cfg.RateLimit; r.Heartbeat != ratelimit.DefaultHeartbeat || r.DeadAfter != ratelimit.DeadAfterHeartbeats*ratelimit.DefaultHeartbeat {
		t.Errorf("config ratelimit heartbeat %s, dead_after %s; pkg/ratelimit: %s, %d heartbeats",
			r.Heartbeat, r.DeadAfter, ratelimit.DefaultHeartbeat, ratelimit.DeadAfterHeartbeats)
	}
	lo := LimiterOptions(cfg)
	got, err := lo.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want, err := ratelimit.Options{Rate: lo.Rate, Burst: lo.Burst, ID: lo.ID}.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	got.ID = want.ID // random per call
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config ratelimit.pressure defaults give\n%+v\npkg/ratelimit's defaults\n%+v", got, want)
	}
}

func TestCheckWorkerRulesNamesTheKey(t *testing.T) {
	t.Parallel()
	base := "worker: {sandbox: true, settle_delay: 30s}\n"
	tests := []struct {
		name, yaml string
		key        string // "" = valid
	}{
		{"valid", base, ""},
		{"status rate", base + "ratelimit: {status_rate: 5}\n", ""},
		// Issue 9 item 8 (I4): derived limits are computed, never demanded, and an error names
		// a key that exists.
		{"max_deliver below the poll cadence's needs: raised, not refused", "worker: {sandbox: true, settle_delay: 30s, max_deliver: 20, max_failures: 5}\n", ""},
		{"embedded on the URL's default port", "worker: {sandbox: true, settle_delay: 30s, embedded: true}\nnats: {url: nats://127.0.0.1}\n", ""},
		{"embedded real gateway with a temporary store", "worker: {settle_delay: 30s, embedded: true}\n", "worker.store_dir"},
		{"embedded real gateway with a store", "worker: {settle_delay: 30s, embedded: true, store_dir: /var/lib/payrun}\nsecurity: {data_key_file: /etc/payrun/payrun.key}\n", ""},
		{"real gateway without a data key", "worker: {settle_delay: 30s}\n", "security.data_key_file"},
		{"real gateway, cleartext jobs opted into", "worker: {settle_delay: 30s}\nsecurity: {allow_cleartext_jobs: true}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkWorkerRules(parseConfig(t, tt.yaml))
			var fe *config.FieldError
			switch {
			case tt.key == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.key == "":
			case !errors.As(err, &fe) || fe.Key != tt.key || !errors.Is(err, config.ErrInvalid):
				t.Fatalf("error %v, want a config.FieldError for %s", err, tt.key)
			}
		})
	}
}

// TestFastPollIntervalStarts protects I4 (waiting, polling included, is never failing; every documented setting the user may change starts
// the worker): PAYRUN_POLL_INTERVAL=200ms needs thousands of deliveries per row, which the
// worker computes (an unbounded consumer by default, or a raised bound) instead of refusing to
// start with an error about a key that does not exist.
func TestFastPollIntervalStarts(t *testing.T) {
	t.Parallel()
	for _, yaml := range []string{"worker: {sandbox: true}\n", "worker: {sandbox: true, max_deliver: 500}\n"} {
		cfg := parseConfig(t, yaml, "PAYRUN_POLL_INTERVAL=200ms")
		if err := CheckConfig(cfg); err != nil {
			t.Fatalf("%s with PAYRUN_POLL_INTERVAL=200ms: %v", yaml, err)
		}
		s := queueSettings(cfg)
		if need := cfg.PayoutOptions().DeliveriesNeeded(); s.MaxDeliver != -1 && s.MaxDeliver < need {
			t.Errorf("%s: consumer max_deliver %d, below the %d deliveries a row may need", yaml, s.MaxDeliver, need)
		}
	}
}

// countingPacer counts the pool's tokens (Wait) and paces.
type countingPacer struct{ tokens, paces atomic.Int32 }

func (c *countingPacer) Pace(context.Context) error {
	c.paces.Add(1)
	return nil
}

func (c *countingPacer) Wait(context.Context) error {
	c.tokens.Add(1)
	return nil
}

// fakeGateway asks the gateway client's limiter once per request: twice for a payout (a client
// that retries once), once for a status lookup.
type fakeGateway struct{ lim ratelimit.RequestLimiter }

func (g fakeGateway) Payout(ctx context.Context, _ []job.Param) (payout.Reply, error) {
	return payout.Reply{}, errors.Join(g.lim.Wait(ctx), g.lim.Wait(ctx))
}

func (g fakeGateway) Status(ctx context.Context, _ payout.StatusQuery) (payout.StatusReply, error) {
	return payout.StatusReply{}, g.lim.Wait(ctx)
}

// The pool's gateway is wired so that each call's first request is prepaid (the pool's hold wait
// took its token): inside a call only the other requests take a token.
func TestPrepaidGatewayOneTokenPerRequest(t *testing.T) {
	t.Parallel()
	pool := &countingPacer{}
	gw := prepaidGateway{fakeGateway{ratelimit.RequestLimiter{Lim: pool}}}
	if _, err := gw.Payout(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if pool.tokens.Load() != 1 || pool.paces.Load() != 1 {
		t.Errorf("payout with one retry: %d tokens, %d paces inside the call; want 1 and 1 (the first request is prepaid)", pool.tokens.Load(), pool.paces.Load())
	}
	if _, err := gw.Status(context.Background(), payout.StatusQuery{}); err != nil {
		t.Fatal(err)
	}
	if pool.tokens.Load() != 1 || pool.paces.Load() != 2 {
		t.Errorf("status call without retry: %d tokens, %d paces in all; want 1 and 2", pool.tokens.Load(), pool.paces.Load())
	}
}

func TestOpsMux(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "payrun_test_total", Help: "test"})
	reg.MustRegister(c)
	var ready atomic.Bool
	checker := health.New("NATS at nats://127.0.0.1:4222")
	checker.Add("pool", func(context.Context) error {
		if !ready.Load() {
			return payout.ErrNotRunning
		}
		return nil
	})
	mux := newOpsMux(reg, checker, nil)
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "waiting for NATS at nats://127.0.0.1:4222") {
		t.Errorf("/readyz before NATS: %d %q", code, body)
	}
	checker.Started()
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not running") {
		t.Errorf("/readyz before the pool runs: %d %q", code, body)
	}
	ready.Store(true)
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz when ready: %d", code)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, "payrun_test_total 0") {
		t.Errorf("/metrics: %d %q", code, body)
	}
	if code, _ := get("/callback"); code != http.StatusNotFound {
		t.Errorf("/callback without a control key: %d, want 404", code)
	}
}

// The configuration logged at start is readable (durations as Go durations, not nanoseconds)
// and carries no secret.
func TestStartLogReadableWithoutSecrets(t *testing.T) {
	t.Parallel()
	const password, controlKey, urlPass = "nats-pa55", "ctrl-s3cret", "url-pa55"
	cfg := parseConfig(t, "worker: {sandbox: true}\n",
		"PAYRUN_NATS_URL=nats://svc:"+urlPass+"@127.0.0.1:1", "PAYRUN_NATS_USER=svc", "PAYRUN_NATS_PASSWORD="+password,
		"PAYRUN_CONTROL_KEY="+controlKey)
	var buf testlog.Buffer // the NATS connection logs its close from its own goroutine
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Serve logs the configuration, then stops before anything runs
	if err := Serve(ctx, cfg, zerolog.New(&buf), "json"); err != nil {
		t.Fatalf("Serve with a cancelled context: %v", err)
	}
	var start map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "worker starting" {
			start = m
		}
	}
	if start == nil {
		t.Fatalf("no start line in %s", buf.String())
	}
	if start["log_format"] != "json" {
		t.Errorf("the start line does not say its format: %v", start["log_format"])
	}
	logged, ok := start["config"].(map[string]any)
	if !ok {
		t.Fatalf("start line without a config object: %v", start)
	}
	for key, want := range map[string]string{"worker.ack_wait": "30s", "worker.poll.horizon": "1h0m0s", "gateway.http_timeout": "10s"} {
		if got := logged[key]; got != want {
			t.Errorf("%s logged as %v, want %q", key, got, want)
		}
	}
	for _, secret := range []string{password, controlKey, urlPass} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("secret %q in the log: %s", secret, buf.String())
		}
	}
	if logged["nats.password"] != "***" || logged["gateway.control_key"] != "***" {
		t.Errorf("secrets not shown as set: password %v, control key %v", logged["nats.password"], logged["gateway.control_key"])
	}
}
