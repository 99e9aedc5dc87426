package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/stack"
	"github.com/payrun/payrun/pkg/ratelimit"
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
		t.Skip("process pressure test (about 30s)")
	}
	// 10% of the requests answer 500, 502 or 503 (a third each), half of them before the
	// commit, half after it.
	e := pressureEnv(t, sandbox.Faults{Error5xxBefore: 0.05, Error5xxAfter: 0.05, Error5xxCodes: []int{500, 502, 503}, Seed: 10})
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
	rateChanges(t, ws)

	st := e.sb.Stats()
	if len(st.PerSecond) == 0 || drainedAt.IsZero() {
		t.Fatalf("no timeline: %d seconds, drained %v", len(st.PerSecond), drainedAt)
	}
	first, drained := st.PerSecond[0].Unix, drainedAt.Unix()
	avg := avgPerSecond(st, first+1, drained-1)
	busiest := e.sb.MaxRequestsIn(time.Second)
	t.Logf("requests per second: %s; 5xx answers %v", timeline(st), st.ServerErrors)
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

// rateChanges logs every worker's "pool rate changed" lines (reason and rate) and returns them.
func rateChanges(t *testing.T, ws []*proc) []string {
	t.Helper()
	var all []string
	for _, w := range ws {
		var brief []string
		for _, line := range logLines(w.log, "pool rate changed") {
			var rec struct {
				Time   string  `json:"time"`
				Rate   float64 `json:"rate_per_second"`
				Reason string  `json:"reason"`
			}
			_ = json.Unmarshal([]byte(line), &rec)
			brief = append(brief, fmt.Sprintf("%s %s %.1f", rec.Time[min(11, len(rec.Time)):], rec.Reason, rec.Rate))
			all = append(all, line)
		}
		t.Logf("%s rate changes: %s", w.name, strings.Join(brief, ", "))
	}
	return all
}

// countIn is how many of ts fall in [from, to).
func countIn(ts []time.Time, from, to time.Time) int {
	n := 0
	for _, t := range ts {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

// TestRetryAfterStormStopsPoolThenRecovers: for 30 s (10 s with -short) the gateway answers
// every request 429 with Retry-After: 5. No request reaches it inside any announced Retry-After
// (from any worker: the stop is shared through NATS), the batch completes afterwards, and
// the pool is back at >= 90% of the limit within the documented ramp time after it resumes.
func TestRetryAfterStormStopsPoolThenRecovers(t *testing.T) {
	storm, rows := 30*time.Second, 220
	if testing.Short() {
		storm = 10 * time.Second
	}
	const retryAfter = 5 * time.Second
	// Requests already on their way when a worker learns of the stop may still arrive
	// (sent before it, or granted in the moment it spreads through NATS).
	const inFlight = 250 * time.Millisecond
	e := pressureEnv(t, sandbox.Faults{})
	ws, stormFrom := e.runStorm("storm", rows, storm, retryAfter)
	stormTo := stormFrom.Add(storm)
	changes := rateChanges(t, ws)

	arrivals := e.sb.Arrivals()
	st := e.sb.Stats()
	throttled := 0
	var violations []string
	for _, a := range arrivals {
		if a.Before(stormFrom) || !a.Before(stormTo) {
			continue
		}
		throttled++
		if n := countIn(arrivals, a.Add(inFlight), a.Add(retryAfter)); n > 0 {
			violations = append(violations, fmt.Sprintf("%d after the 429 at +%s", n, a.Sub(stormFrom).Round(time.Millisecond)))
		}
	}
	t.Logf("requests per second: %s", timeline(st))
	t.Logf("storm %s: %d requests answered 429 (sandbox counted %d)", storm, throttled, st.Faults[string(sandbox.FaultThrottleWindow)])
	if throttled == 0 {
		t.Fatal("no request during the storm")
	}
	if len(violations) > 0 {
		t.Errorf("requests inside an announced Retry-After: %s", strings.Join(violations, "; "))
	}

	t.Logf("%d rate changes logged", len(changes))
	checkRecovery(t, e, arrivals, stormTo)
}

// TestStormWithoutRetryAfterPausesThenRamps: for 6 s the gateway answers every request 429
// without Retry-After. The pool stops with growing pauses (storm level 2 or more) and sends
// far less than the limit meanwhile; afterwards it ramps back up (the storm's congested
// windows lowered the factor) to >= 90% of the limit within the documented ramp time, and the
// batch completes.
func TestStormWithoutRetryAfterPausesThenRamps(t *testing.T) {
	if testing.Short() {
		t.Skip("process pressure test (about 35s)")
	}
	const storm = 6 * time.Second
	e := pressureEnv(t, sandbox.Faults{})
	ws, stormFrom := e.runStorm("bare", 200, storm, 0)
	stormTo := stormFrom.Add(storm)
	changes := strings.Join(rateChanges(t, ws), "\n")

	arrivals := e.sb.Arrivals()
	t.Logf("requests per second: %s", timeline(e.sb.Stats()))
	during := countIn(arrivals, stormFrom, stormTo)
	t.Logf("%d requests during the %s storm (the limit allows %d)", during, storm, int(storm.Seconds())*pressureRate)
	if during > int(storm.Seconds())*pressureRate/2 {
		t.Errorf("%d requests during the storm: the pool did not stop", during)
	}
	if !strings.Contains(changes, `"reason":"storm","previous_reason"`) || !strings.Contains(changes, `"storm_level":2`) {
		t.Errorf("no storm stop of level 2 (growing pauses) in the logs")
	}
	if !strings.Contains(changes, `"reason":"recovering"`) {
		t.Errorf("no ramp after the storm in the logs")
	}
	checkRecovery(t, e, arrivals, stormTo)
}

// runStorm runs a batch of rows on three workers, opens a storm window of 429 (with
// retryAfter, none when 0) once 20 rows are done, and checks the batch after it completed.
func (e *testEnv) runStorm(batchID string, rows int, storm, retryAfter time.Duration) ([]*proc, time.Time) {
	e.t.Helper()
	csv, want := batchCSV(batchID, rows)
	ws := e.startPool(batchID, 3)
	e.enqueue(batchID, csv)
	resultSubj := e.cfg.QueueNames().ResultSubject(batchID)
	var stormFrom time.Time
	e.waitResults(batchID, len(want), 3*time.Minute, func() {
		if stormFrom.IsZero() && e.subjectCount(resultSubj) >= 20 {
			stormFrom = time.Now()
			e.sb.ThrottleFor(storm, retryAfter)
		}
	})
	e.stopPool(ws)
	e.checkBatch(batchID, want)
	return ws, stormFrom
}

// checkRecovery measures, from the first request after the storm (the pool resumed) to the
// first 2 s at >= 90% of the limit, and fails beyond the documented ramp time.
func checkRecovery(t *testing.T, e *testEnv, arrivals []time.Time, stormTo time.Time) {
	t.Helper()
	var resumed, recovered time.Time
	for _, a := range arrivals {
		if resumed.IsZero() && !a.Before(stormTo) {
			resumed = a
		}
		if !resumed.IsZero() && countIn(arrivals, a, a.Add(2*time.Second)) >= 2*pressureRate*9/10 {
			recovered = a
			break
		}
	}
	o, err := stack.LimiterOptions(e.cfg).WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	ramp := rampTime(o)
	t.Logf("resumed %s after the storm ended; at >= 90%% of the limit %s after resuming (documented ramp %s)",
		resumed.Sub(stormTo).Round(time.Millisecond), recovered.Sub(resumed).Round(time.Millisecond), ramp)
	switch {
	case resumed.IsZero() || recovered.IsZero():
		t.Errorf("never back at 90%% of the limit after the storm (resumed %v)", resumed)
	case recovered.Sub(resumed) > ramp:
		t.Errorf("back at 90%% of the limit %s after resuming, documented ramp %s", recovered.Sub(resumed), ramp)
	}
}

// rampTime is docs/ratelimit.md's recovery bound: from the lowest factor to 0.9 at Increase
// per window, plus the window the pool resumes in.
func rampTime(o ratelimit.Options) time.Duration {
	windows := math.Ceil((0.9 - o.MinFactor) / o.Increase)
	return time.Duration(windows+1) * o.Window
}

// TestSlowGatewayIsNotPressure: the gateway slows down from 0 to 1 s, then 2 s per request
// (beyond the 1.5 s HTTP timeout), without an error, then recovers. The pool does not react
// as to pressure (no rate change, no stop: timeouts are not 429/503), the requests at the
// gateway at once stay bounded by the workers' concurrency, and the batch completes.
func TestSlowGatewayIsNotPressure(t *testing.T) {
	if testing.Short() {
		t.Skip("process pressure test (about 30s)")
	}
	const concurrency = 4
	e := pressureEnv(t, sandbox.Faults{}, fmt.Sprintf("PAYRUN_CONCURRENCY=%d", concurrency), "PAYRUN_HTTP_TIMEOUT=1500ms")
	csv, want := batchCSV("slow", 150)
	ws := e.startPool("slow", 3)
	e.enqueue("slow", csv)
	resultSubj := e.cfg.QueueNames().ResultSubject("slow")
	var slowFrom time.Time
	phase := 0
	e.waitResults("slow", len(want), 2*time.Minute, func() {
		switch {
		case phase == 0 && e.subjectCount(resultSubj) >= 20:
			slowFrom, phase = time.Now(), 1
			e.sb.SetLatency(time.Second)
		case phase == 1 && time.Since(slowFrom) > 4*time.Second:
			phase = 2
			e.sb.SetLatency(2 * time.Second)
		case phase == 2 && time.Since(slowFrom) > 10*time.Second:
			phase = 3
			e.sb.SetLatency(0)
		}
	})
	e.stopPool(ws)
	e.checkBatch("slow", want)

	st := e.sb.Stats()
	timeouts := 0
	for _, w := range ws {
		timeouts += len(logLines(w.log, "Client.Timeout exceeded"))
	}
	t.Logf("requests per second: %s", timeline(st))
	t.Logf("max %d requests at the gateway at once (3 workers x concurrency %d); %d requests timed out", st.MaxInFlight, concurrency, timeouts)
	if phase != 3 {
		t.Fatalf("the batch finished in phase %d: the slow gateway was not exercised", phase)
	}
	if timeouts == 0 {
		t.Error("no request timed out: the 2 s phase did not exercise timeouts")
	}
	if st.MaxInFlight > 3*concurrency {
		t.Errorf("%d requests at the gateway at once, want <= %d", st.MaxInFlight, 3*concurrency)
	}
	if changes := rateChanges(t, ws); len(changes) > 0 {
		t.Errorf("the pool reacted to a slow gateway as to pressure: %s", changes[0])
	}
}
