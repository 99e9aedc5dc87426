package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/sandbox"
)

// Issue 10's process tests: three worker processes share the gateway limit through NATS and
// react to the gateway's answers in proportion to the evidence.

const (
	pressureRate  = 20
	pressureBurst = 3
)

// pressureEnv is a sandbox with fo's faults and a pool environment at 20/s, burst 3.
func pressureEnv(t *testing.T, fo sandbox.Faults, extra ...string) *testEnv {
	t.Helper()
	return newTestEnv(t, envOptions{
		sandbox: sandbox.Options{Faults: fo},
		environ: append([]string{
			fmt.Sprintf("PAYRUN_RATE_LIMIT=%d", pressureRate), fmt.Sprintf("PAYRUN_RATELIMIT_BURST=%d", pressureBurst),
			"PAYRUN_CONCURRENCY=8", "PAYRUN_WORKER_ACK_WAIT=6s", "PAYRUN_LOG_LEVEL=info",
		}, extra...),
	})
}

// timeline formats the sandbox's requests per clock second.
func timeline(st sandbox.Stats) string {
	var b strings.Builder
	for _, s := range st.PerSecond {
		fmt.Fprint(&b, s.Count, " ")
	}
	return strings.TrimSpace(b.String())
}

// TestSporadic5xxOnlySlowDown: a gateway that answers 10% of the calls with 500, 502 or 503
// (no Retry-After) at random. The batch finishes, the pool keeps at least 75% of the limit at
// the gateway while there is backlog, and no 1-second window goes above limit + burst. On the
// code before issue 10 every 503 paused the whole pool, escalating, and the batch stalled.
func TestSporadic5xxOnlySlowDown(t *testing.T) {
	if testing.Short() {
		t.Skip("process pressure test (about 25s)")
	}
	e := pressureEnv(t, sandbox.Faults{Error5xxBefore: 0.034, Error5xxAfter: 0.033, Unavailable: 0.033, Seed: 10})
	csv, want := batchCSV("flaky", 200)
	ws := e.startPool("flaky", 3)
	e.enqueue("flaky", csv)
	var drainedAt time.Time
	e.waitResults("flaky", len(want), 75*time.Second, func() {
		if drainedAt.IsZero() && e.pendingJobs() == 0 {
			drainedAt = time.Now()
		}
	})
	e.stopPool(ws)
	e.checkBatch("flaky", want)

	st := e.sb.Stats()
	if len(st.PerSecond) == 0 || drainedAt.IsZero() {
		t.Fatalf("no timeline: %d seconds, drained %v", len(st.PerSecond), drainedAt)
	}
	first, drained := st.PerSecond[0].Unix, drainedAt.Unix()
	avg := avgPerSecond(st, first+1, drained-1)
	busiest := e.sb.MaxRequestsIn(time.Second)
	t.Logf("requests per second: %s; faults %v", timeline(st), st.Faults)
	t.Logf("average %.1f/s over %d s of backlog (limit %d); busiest 1s window %d", avg, drained-1-first, pressureRate, busiest)
	if drained-1-first < 5 {
		t.Fatalf("backlog lasted only %d s: too short to measure", drained-1-first)
	}
	if avg < 0.75*pressureRate {
		t.Errorf("average %.1f/s with backlog, want >= %.0f (0.75 of the limit)", avg, 0.75*pressureRate)
	}
	if busiest > pressureRate+pressureBurst {
		t.Errorf("busiest 1s window %d requests, want <= %d + %d", busiest, pressureRate, pressureBurst)
	}
}
