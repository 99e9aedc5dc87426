package main

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
	po := payoutOptions(cfg)
	if err := po.Validate(); err != nil {
		t.Fatal(err)
	}
	ct := callTimeout(cfg)
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
	if lo := limiterOptions(cfg); lo.Rate != 12.5 || lo.Burst != 4 || lo.Heartbeat != 500*time.Millisecond || lo.DeadAfter != 2*time.Second {
		t.Errorf("limiter options %+v", lo)
	}
	if lo := limiterOptions(cfg); lo.Kinds != nil {
		t.Errorf("no status_rate: limiter kinds %+v, want none", lo.Kinds)
	}
	if lo := limiterOptions(parseConfig(t, "ratelimit: {rate: 20, burst: 2, status_rate: 5}\n")); lo.Kinds[ratelimit.KindStatus] != (ratelimit.Limit{Rate: 5, Burst: 2}) {
		t.Errorf("status_rate 5: limiter kinds %+v", lo.Kinds)
	}
	if lo := limiterOptions(parseConfig(t, "")); lo.Rate != ratelimit.UnlimitedRate {
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
	po := payoutOptions(cfg)
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
	lo := limiterOptions(cfg)
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
		{"horizon equal to the first poll interval", "worker: {sandbox: true, settle_delay: 30s, poll: {first_interval: 1m, horizon: 1m}}\n", "worker.poll.horizon"},
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
			case exitCode(err) != 2:
				t.Errorf("exit code %d, want 2", exitCode(err))
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
		if err := checkWorkerRules(cfg); err != nil {
			t.Fatalf("%s with PAYRUN_POLL_INTERVAL=200ms: %v", yaml, err)
		}
		s := queueSettings(cfg)
		if need := payoutOptions(cfg).DeliveriesNeeded(); s.MaxDeliver != -1 && s.MaxDeliver < need {
			t.Errorf("%s: consumer max_deliver %d, below the %d deliveries a row may need", yaml, s.MaxDeliver, need)
		}
	}
}

func TestFlagsOverrideConfig(t *testing.T) {
	t.Parallel()
	env := []string{"PAYRUN_SETTLE_DELAY=30s", "PAYRUN_WORKER_SANDBOX=false", "PAYRUN_GATEWAY_URL=https://gw.example/paynet",
		"PAYRUN_LOGIN=m", "PAYRUN_PRIVATE_KEY_FILE=k.pem", "PAYRUN_ENDPOINT_ID=1"}
	f, err := parseWorkerFlags([]string{"--sandbox", "--store-dir", "/tmp/store"}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(f, env)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Worker.Sandbox || !cfg.Worker.Embedded || cfg.Worker.StoreDir != "/tmp/store" {
		t.Errorf("flags not applied: sandbox %t, embedded %t, store %q", cfg.Worker.Sandbox, cfg.Worker.Embedded, cfg.Worker.StoreDir)
	}
	if _, err := parseWorkerFlags([]string{"extra"}, &strings.Builder{}); !errors.Is(err, errUsage) || exitCode(err) != 2 {
		t.Errorf("stray argument: %v", err)
	}
}

// countingWaiter counts Wait and Pace calls; Wait blocks until ctx ends when block is set.
type countingWaiter struct {
	calls, paces atomic.Int32
	block        bool
}

func (c *countingWaiter) Pace(context.Context) error {
	c.paces.Add(1)
	return nil
}

func (c *countingWaiter) Wait(ctx context.Context) error {
	c.calls.Add(1)
	if c.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

// fakeGateway records whether each call's context was prepaid and asks the retry limiter twice,
// like a client that retries once.
type fakeGateway struct{ lim retryLimiter }

func (g fakeGateway) Payout(ctx context.Context, _ []job.Param) (payout.Reply, error) {
	return payout.Reply{}, errors.Join(g.lim.Wait(ctx), g.lim.Wait(ctx))
}

func (g fakeGateway) Status(ctx context.Context, _ payout.StatusQuery) (payout.StatusReply, error) {
	return payout.StatusReply{}, g.lim.Wait(ctx)
}

func TestOneTokenPerRequest(t *testing.T) {
	t.Parallel()
	pool := &countingWaiter{}
	gw := prepaidGateway{fakeGateway{retryLimiter{pool}}}
	if _, err := gw.Payout(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := pool.calls.Load(); n != 1 {
		t.Errorf("payout with one retry took %d tokens from the pool inside the call, want 1 (the first is prepaid)", n)
	}
	if n := pool.paces.Load(); n != 1 {
		t.Errorf("payout: the prepaid first request was paced %d times, want 1 (right before it is sent)", n)
	}
	if _, err := gw.Status(context.Background(), payout.StatusQuery{}); err != nil {
		t.Fatal(err)
	}
	if n := pool.calls.Load(); n != 1 {
		t.Errorf("status call without retry took a token inside the call (%d), want none", n)
	}
	if n := pool.paces.Load(); n != 2 {
		t.Errorf("status call: its prepaid request was not paced (%d paces in all, want 2)", n)
	}
	if err := (retryLimiter{pool}).Wait(context.Background()); err != nil || pool.calls.Load() != 2 {
		t.Errorf("an unmarked request must wait on the pool: err %v, calls %d", err, pool.calls.Load())
	}
}

func TestHoldLimiterHandsBack(t *testing.T) {
	t.Parallel()
	start := time.Now()
	err := holdLimiter{lim: &countingWaiter{block: true}, hold: 50 * time.Millisecond}.Wait(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the hold to expire", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("hold of 50ms took %s", took)
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
	cancel() // serve logs the configuration, then stops before anything runs
	if err := serve(ctx, cfg, zerolog.New(&buf), "json"); err != nil {
		t.Fatalf("serve with a cancelled context: %v", err)
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
