package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/signer"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// httpGet polls url until it answers want, failing after timeout; it returns the body.
func httpGet(t *testing.T, url string, want int, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == want {
				return string(body)
			}
			err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v (want %d within %s)", url, err, want, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEmbeddedSandboxOpsPauseResume runs one `worker --embedded --sandbox` process: /healthz,
// /readyz, /metrics and /callback answer on the logged address; a client of the embedded server (what
// enqueue does) gets its batch paid; `worker pause` stops the pool from paying and `worker
// resume` lets it finish; SIGTERM exits 0.
func TestEmbeddedSandboxOpsPauseResume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", freePort(t))
	cfgFile := filepath.Join(dir, "payrun.yaml")
	yaml := fmt.Sprintf(`nats: {url: "%s", reconnect_wait: 100ms}
gateway: {http_timeout: 1s, control_key: test-control-key}
worker: {ack_wait: 3s, settle_delay: 2s, shutdown_timeout: 3s, poll: {first_interval: 100ms, fast_phase: 10s, slow_interval: 1s, horizon: 30s}}
http_addr: 127.0.0.1:0
`, natsURL)
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	w := startProc(t, "embedded", []string{"--config", cfgFile, "--embedded", "--store-dir", filepath.Join(dir, "store"), "--sandbox"}, nil)
	var addr struct{ Addr string }
	if err := json.Unmarshal([]byte(w.waitLog("http listening", 30*time.Second)), &addr); err != nil || addr.Addr == "" {
		t.Fatalf("http address not logged: %v", err)
	}
	w.waitLog("JetStream server fsyncs every write (sync_interval: always)", time.Second) // the embedded server's own
	base := "http://" + addr.Addr
	httpGet(t, base+"/healthz", http.StatusOK, 10*time.Second)
	httpGet(t, base+"/readyz", http.StatusOK, 10*time.Second)

	e := clientEnv(t, cfgFile)
	cfg := e.cfg

	csv, want := batchCSV("ops", 10)
	e.enqueue("ops", csv)
	e.waitResults("ops", len(want), 30*time.Second, nil)
	checkResults(t, e, "ops", want)

	metrics := httpGet(t, base+"/metrics", http.StatusOK, 5*time.Second)
	checkMetrics(t, metrics)
	checkDeployMetrics(t, metrics)

	// Server callbacks are served when a control key is set: a wrong control is refused, a
	// verified callback (here for an order the ledger does not know) is answered 200.
	cb := "/callback?status=approved&orderid=42&merchant_order=ops-0001&client_orderid=ops-0001&control="
	httpGet(t, base+cb+"0000", http.StatusForbidden, 5*time.Second)
	httpGet(t, base+cb+signer.CallbackControl("approved", "42", "ops-0001", "test-control-key"), http.StatusOK, 5*time.Second)

	// Pause: the worker must not pay the next batch until resumed.
	control := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(workerBinary(t), args...)
		cmd.Env = processEnv([]string{"PAYRUN_NATS_URL=" + cfg.NATS.URL})
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("worker %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := control("pause", "--reason", "test maintenance"); !strings.Contains(out, "paused (test maintenance)") {
		t.Errorf("pause output: %q", out)
	}
	for !strings.Contains(httpGet(t, base+"/metrics", http.StatusOK, 5*time.Second), "payrun_ratelimit_paused 1") {
		time.Sleep(20 * time.Millisecond) // the worker sees the pause record through its KV watch
	}
	if body := httpGet(t, base+"/readyz", http.StatusServiceUnavailable, 5*time.Second); !strings.Contains(body, "pool paused: test maintenance") {
		t.Errorf("/readyz while paused: %q", body)
	}
	var st struct {
		Pool struct {
			Paused      bool     `json:"paused"`
			PauseReason string   `json:"pause_reason"`
			Workers     []string `json:"workers"`
		} `json:"pool"`
		Sending string `json:"sending"`
	}
	if out := control("status", "--json"); json.Unmarshal([]byte(out), &st) != nil || !st.Pool.Paused ||
		st.Pool.PauseReason != "test maintenance" || len(st.Pool.Workers) != 1 || st.Sending != "paused" {
		t.Errorf("worker status --json while paused: %+v\n%s", st, out)
	}
	if out := control("status"); !strings.Contains(out, "pool:      paused since") || !strings.Contains(out, "1 registered") {
		t.Errorf("worker status while paused:\n%s", out)
	}
	csv2, want2 := batchCSV("paused", 5)
	e.enqueue("paused", csv2)
	// Observe a fixed window: a paused pool publishes nothing (a negative check, bounded).
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if n := e.subjectCount(cfg.QueueNames().ResultSubject("paused")); n != 0 {
			t.Fatalf("%d results published while the pool was paused", n)
		}
	}
	if out := control("resume"); !strings.Contains(out, "pool running") {
		t.Errorf("resume output: %q", out)
	}
	httpGet(t, base+"/readyz", http.StatusOK, 10*time.Second)
	e.waitResults("paused", len(want2), 30*time.Second, nil)
	checkResults(t, e, "paused", want2)

	w.signal(syscall.SIGTERM)
	code, ok := w.wait(cfg.Worker.ShutdownTimeout + 10*time.Second)
	if !ok || code != 0 {
		t.Fatalf("after SIGTERM: exited %t, code %d", ok, code)
	}
	w.waitLog("worker stopped", time.Second)
}

// checkResults asserts one result per row with the scenario's status (the sandbox is inside the
// worker process here, so its counters are not visible).
func checkResults(t *testing.T, e *testEnv, batchID string, want map[string]job.Status) {
	t.Helper()
	seen := map[string]int{}
	for _, data := range e.allMessages(e.cfg.QueueNames().ResultSubject(batchID)) {
		r, err := job.DecodeResult(data)
		if err != nil {
			t.Fatal(err)
		}
		seen[r.ClientOrderID]++
		if r.Status != want[r.ClientOrderID] {
			t.Errorf("%s: status %s, want %s", r.ClientOrderID, r.Status, want[r.ClientOrderID])
		}
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("%s: %d results, want 1", id, seen[id])
		}
	}
}

// Health before NATS: with no server at nats.url the worker serves /healthz at once, /readyz
// says what it waits for, and the first connection failure is logged at once with the URL; when
// the server comes up the worker becomes ready without a restart.
func TestReadyzBeforeNATS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := freePort(t)
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", port)
	cfgFile := filepath.Join(dir, "payrun.yaml")
	yaml := fmt.Sprintf(`nats: {url: "%s", reconnect_wait: 100ms}
worker: {sandbox: true}
http_addr: 127.0.0.1:0
`, natsURL)
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	w := startProc(t, "no-nats", []string{"--config", cfgFile}, nil)
	var addr struct{ Addr string }
	if err := json.Unmarshal([]byte(w.waitLog("http listening", 30*time.Second)), &addr); err != nil || addr.Addr == "" {
		t.Fatalf("http address not logged: %v", err)
	}
	base := "http://" + addr.Addr
	httpGet(t, base+"/healthz", http.StatusOK, 5*time.Second)
	if body := httpGet(t, base+"/readyz", http.StatusServiceUnavailable, 5*time.Second); !strings.Contains(body, "waiting for NATS at "+natsURL) {
		t.Errorf("/readyz before NATS: %q", body)
	}
	var failure struct{ URL string }
	if err := json.Unmarshal([]byte(w.waitLog("NATS not reachable", 5*time.Second)), &failure); err != nil || failure.URL != natsURL {
		t.Errorf("first connection failure logged without the URL: %+v %v", failure, err)
	}

	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: filepath.Join(dir, "store"), Host: "127.0.0.1", Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	httpGet(t, base+"/readyz", http.StatusOK, 60*time.Second)

	w.signal(syscall.SIGTERM)
	if code, ok := w.wait(30 * time.Second); !ok || code != 0 {
		t.Fatalf("after SIGTERM: exited %t, code %d", ok, code)
	}
}

// checkMetrics lints a /metrics answer with Prometheus's promlint and checks that the series
// dashboards and alerts rely on are there, known label values included before they happen.
func checkMetrics(t *testing.T, metrics string) {
	t.Helper()
	problems, err := promlint.New(strings.NewReader(metrics)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "payrun_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
	for _, m := range []string{
		"payrun_payout_results_published_total", `payrun_payout_results_published_total{status="unresolved"} 0`,
		`payrun_payout_gateway_calls_total{call="payout",outcome="auth"} 0`,
		`payrun_payout_gateway_call_duration_seconds_count{call="payout",outcome="accepted"}`,
		`payrun_payout_job_end_to_end_seconds_count{status="approved"}`,
		"payrun_payout_consumer_pending_messages", "payrun_payout_consumer_ack_pending_messages",
		"payrun_nats_connected 1", "payrun_build_info{", "payrun_ready 1", `payrun_ratelimit_configured_rate{kind="total"} 0`,
		"payrun_ratelimit_members", "go_goroutines", "process_cpu_seconds_total",
		// The worker's JetStream handle counts API errors: provisioning a fresh store looks the
		// streams up before creating them.
		`payrun_nats_api_errors_total{kind="not_found",op="stream_lookup"}`} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}

// clientEnv connects to the NATS server of cfgFile's nats.url (a worker's embedded one) and
// provisions it with the same settings, as enqueue does; closed at cleanup.
func clientEnv(t *testing.T, cfgFile string) *testEnv {
	t.Helper()
	cfg, err := config.Load(cfgFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, js := queuetest.ConnectURL(t, cfg.NATS.URL)
	h, err := queue.Provision(ctx, js, cfg.QueueNames(), cfg.QueueSettings())
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, js: js, h: h, cfg: cfg}
}
