package main

import (
	"syscall"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/sandbox"
)

// TestSIGTERMFinishesOrHandsBack stops a busy worker with SIGTERM while 8 gateway calls are in
// flight. When the calls are shorter than shutdown_timeout they finish; when they are longer
// they are cut at the timeout and their jobs handed back (the ledger records the unknown
// outcome). Either way the process exits 0 within the timeout (plus closing), and a second
// worker finishes the batch with exactly one payout and one result per row.
func TestSIGTERMFinishesOrHandsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	const shutdown = time.Second
	for _, tt := range []struct {
		name        string
		latency     time.Duration
		interrupted bool
	}{
		{"calls finish", 300 * time.Millisecond, false},
		{"calls handed back", 1500 * time.Millisecond, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, envOptions{
				sandbox: sandbox.Options{Faults: sandbox.Faults{Latency: tt.latency}},
				environ: []string{"PAYRUN_CONCURRENCY=8", "PAYRUN_HTTP_TIMEOUT=2s", "PAYRUN_SETTLE_DELAY=3s",
					"PAYRUN_WORKER_ACK_WAIT=5s", "PAYRUN_WORKER_SHUTDOWN_TIMEOUT=" + shutdown.String()},
			})
			csv, want := batchCSV("term", 24)
			w := e.startWorker("term-1")
			w.waitLog("payout: pool started", 30*time.Second)
			// Invariant 1: a real gateway on a server whose sync setting this connection cannot
			// read is said so at start (the test server's clients are not in the system account).
			w.waitLog("cannot tell whether the JetStream server fsyncs every write", time.Second)
			e.enqueue("term", csv)
			// Signal once 8 requests are in flight (the sandbox counts them on arrival).
			for deadline := time.Now().Add(20 * time.Second); e.sb.Stats().Requests < 8; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no gateway requests")
				}
			}
			sent := time.Now()
			w.signal(syscall.SIGTERM)
			code, ok := w.wait(shutdown + 5*time.Second)
			if !ok || code != 0 {
				t.Fatalf("after SIGTERM: exited %t, code %d", ok, code)
			}
			t.Logf("exited %s after SIGTERM (shutdown_timeout %s)", time.Since(sent).Round(time.Millisecond), shutdown)
			w.waitLog("worker stopped", time.Second)
			if _, cut := logLine(w.log, "interrupting in-flight jobs"); cut != tt.interrupted {
				t.Errorf("in-flight calls interrupted: %t, want %t", cut, tt.interrupted)
			}

			w2 := e.startWorker("term-2")
			e.waitResults("term", len(want), 60*time.Second, nil)
			w2.signal(syscall.SIGTERM)
			if code, ok := w2.wait(shutdown + 10*time.Second); !ok || code != 0 {
				t.Errorf("second worker after SIGTERM: exited %t, code %d", ok, code)
			}
			e.checkBatch("term", want)
		})
	}
}

// TestSecondSignalForcesExit: the first SIGTERM starts a graceful shutdown that would wait for
// slow calls; a second one ends the process at once.
func TestSecondSignalForcesExit(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	e := newTestEnv(t, envOptions{
		sandbox: sandbox.Options{Faults: sandbox.Faults{Latency: 8 * time.Second}},
		environ: []string{"PAYRUN_HTTP_TIMEOUT=10s", "PAYRUN_SETTLE_DELAY=12s", "PAYRUN_WORKER_ACK_WAIT=15s",
			"PAYRUN_WORKER_SHUTDOWN_TIMEOUT=20s"},
	})
	csv, _ := batchCSV("force", 4)
	w := e.startWorker("force")
	w.waitLog("payout: pool started", 30*time.Second)
	e.enqueue("force", csv)
	for deadline := time.Now().Add(20 * time.Second); e.sb.Stats().Requests < 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no gateway requests")
		}
	}
	w.signal(syscall.SIGTERM)
	w.waitLog("payout: stopping: no new jobs", 5*time.Second)
	if _, exited := w.wait(300 * time.Millisecond); exited {
		t.Fatal("the worker did not wait for its in-flight call")
	}
	w.signal(syscall.SIGTERM)
	code, ok := w.wait(3 * time.Second)
	if !ok {
		t.Fatal("a second SIGTERM did not end the process")
	}
	if code != -1 {
		t.Errorf("exit code %d, want -1 (ended by the signal)", code)
	}
}
