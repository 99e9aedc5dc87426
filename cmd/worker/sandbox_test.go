package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/job"
)

// `worker --embedded --sandbox --store-dir D` killed in the middle of a batch and started again
// with the same directory finishes the batch with every row's scenario status: the built-in
// sandbox keeps its key and its orders in D, so the orders the ledger points to are still known
// (with a fresh sandbox they were "not found" and the rows ended unresolved).
func TestBuiltInSandboxSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", freePort(t))
	cfgFile := filepath.Join(dir, "payrun.yaml")
	yaml := fmt.Sprintf(`nats: {url: "%s", reconnect_wait: 100ms}
gateway: {http_timeout: 1s}
ratelimit: {rate: 10, burst: 1}
worker: {ack_wait: 3s, settle_delay: 2s, shutdown_timeout: 3s, concurrency: 4, poll: {first_interval: 300ms, fast_phase: 1m, slow_interval: 1s, horizon: 2m}}
`, natsURL)
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfgFile, "--embedded", "--store-dir", filepath.Join(dir, "store"), "--sandbox"}
	w1 := startProc(t, "first", args, nil)
	w1.waitLog("started with a generated key", 30*time.Second)
	w1.waitLog("pool started", 30*time.Second)

	e := clientEnv(t, cfgFile)
	cfg := e.cfg
	csv, want := batchCSV("restart", 40)
	e.enqueue("restart", csv)
	for deadline := time.Now().Add(30 * time.Second); e.subjectCount(cfg.QueueNames().ResultSubject("restart")) < 8; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no 8 results within 30s")
		}
	}
	if n := e.subjectCount(cfg.QueueNames().ResultSubject("restart")); n >= uint64(len(want)) {
		t.Fatalf("the batch finished before the kill (%d results): the test proves nothing", n)
	}
	w1.kill() // mid-batch (the rate limit keeps it slow): orders accepted at the sandbox, not yet final in the ledger

	w2 := startProc(t, "second", args, nil)
	w2.waitLog("started with its stored key and orders", 30*time.Second)
	e.waitResults("restart", len(want), 90*time.Second, nil)
	checkResults(t, e, "restart", want)
	for _, data := range e.allMessages(cfg.QueueNames().ResultSubject("restart")) {
		r, err := job.DecodeResult(data)
		if err != nil {
			t.Fatal(err)
		}
		// A second attempt means a lookup found no order the first attempt had made: at a
		// real gateway that is a second payout.
		if r.Status == job.StatusUnresolved || r.Attempts != 1 {
			t.Errorf("%s: %s after %d attempts (%s %s); the restarted sandbox forgot its order", r.ClientOrderID, r.Status, r.Attempts, r.ErrorCode, r.ErrorMessage)
		}
	}
	w2.signal(os.Interrupt)
	if code, ok := w2.wait(20 * time.Second); !ok || code != 0 {
		t.Errorf("after SIGINT: exited %t, code %d", ok, code)
	}
}
