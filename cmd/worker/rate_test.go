package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/ratelimit"
	"github.com/payrun/payrun/pkg/sandbox"
)

// startPool starts n workers and waits until the rate limiter counts all of them.
func (e *testEnv) startPool(prefix string, n int) []*proc {
	e.t.Helper()
	ws := make([]*proc, n)
	for i := range ws {
		ws[i] = e.startWorker(fmt.Sprintf("%s-%d", prefix, i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctl, err := ratelimit.OpenControl(ctx, e.js, e.cfg.Names.RateLimitBucket)
	if err != nil {
		e.t.Fatal(err)
	}
	for {
		st, err := ctl.Status(ctx)
		if err == nil && len(st.Members) == n {
			return ws
		}
		if ctx.Err() != nil {
			e.t.Fatalf("rate limiter members: %v (err %v), want %d", st.Members, err, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *testEnv) stopPool(ws []*proc) {
	e.t.Helper()
	for _, w := range ws {
		w.signal(syscall.SIGTERM)
	}
	for _, w := range ws {
		if code, ok := w.wait(e.cfg.Worker.ShutdownTimeout + 10*time.Second); w.state != nil && (!ok || code != 0) && code != -1 {
			e.t.Errorf("%s after SIGTERM: exited %t, code %d", w.name, ok, code)
		}
	}
}

// pendingJobs is how many jobs no worker has taken yet.
func (e *testEnv) pendingJobs() uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := e.h.Consumer.Info(ctx)
	if err != nil {
		return 1 // unknown: assume backlog
	}
	return info.NumPending
}

// avgPerSecond averages the sandbox's per-second request counts over the clock seconds
// [from, to] (seconds without requests count as 0).
func avgPerSecond(st sandbox.Stats, from, to int64) float64 {
	if to < from {
		return 0
	}
	var sum int64
	for _, s := range st.PerSecond {
		if s.Unix >= from && s.Unix <= to {
			sum += s.Count
		}
	}
	return float64(sum) / float64(to-from+1)
}

// TestPoolWideRateLimit is issue 6's rate test: 3 worker processes share 20 requests/s (payout
// and status calls together, burst 3). No 1-second window at the sandbox holds more than
// 20 + burst requests; while there is backlog the pool averages at least 90% of 20; after one
// worker is SIGKILLed the other two take over its share within a few seconds.
func TestPoolWideRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("process rate-limit test (about 20s)")
	}
	const rate, burst = 20, 3
	e := newTestEnv(t, envOptions{environ: []string{
		fmt.Sprintf("PAYRUN_RATE_LIMIT=%d", rate), fmt.Sprintf("PAYRUN_RATELIMIT_BURST=%d", burst),
		"PAYRUN_CONCURRENCY=4", "PAYRUN_WORKER_ACK_WAIT=6s", "PAYRUN_LOG_LEVEL=warn",
	}})
	csv, want := batchCSV("rate", 200) // 2 requests per row: about 20s of backlog at 20/s
	ws := e.startPool("rate", 3)
	e.enqueue("rate", csv)
	resultSubj := e.cfg.QueueNames().ResultSubject("rate")

	var killedAt, drainedAt time.Time
	startedAt := time.Now()
	e.waitResults("rate", len(want), 2*time.Minute, func() {
		if killedAt.IsZero() && time.Since(startedAt) > 8*time.Second {
			ws[0].kill()
			killedAt = time.Now()
			t.Logf("killed %s at %d results", ws[0].name, e.subjectCount(resultSubj))
		}
		if drainedAt.IsZero() && e.pendingJobs() == 0 {
			drainedAt = time.Now()
		}
	})
	e.stopPool(ws[1:])
	e.checkBatch("rate", want)

	st := e.sb.Stats()
	if len(st.PerSecond) == 0 || killedAt.IsZero() || drainedAt.IsZero() {
		t.Fatalf("no timeline: %d seconds, killed %v, drained %v", len(st.PerSecond), killedAt, drainedAt)
	}
	var timeline []string
	for _, s := range st.PerSecond {
		timeline = append(timeline, fmt.Sprint(s.Count))
	}
	t.Logf("requests per second: %s (kill at +%ds, drained at +%ds)", strings.Join(timeline, " "),
		killedAt.Unix()-st.PerSecond[0].Unix, drainedAt.Unix()-st.PerSecond[0].Unix)

	got := e.sb.MaxRequestsIn(time.Second)
	t.Logf("busiest sliding 1s window: %d requests", got)
	if got > rate+burst {
		t.Errorf("busiest sliding 1s window: %d requests, limit %d + burst %d", got, rate, burst)
	}
	first, kill, drained := st.PerSecond[0].Unix, killedAt.Unix(), drainedAt.Unix()
	before := avgPerSecond(st, first+1, kill-1)  // full seconds of backlog before the kill
	after := avgPerSecond(st, kill+5, drained-1) // after the take-over, while jobs still wait
	t.Logf("average %.1f/s before the kill, %.1f/s from 5s after it until the backlog drained (%d s)", before, after, drained-1-(kill+5)+1)
	if before < 0.9*rate {
		t.Errorf("average %.1f/s with 3 workers and backlog, want >= %.0f", before, 0.9*rate)
	}
	if drained-1-(kill+5) < 2 {
		t.Fatalf("the backlog drained %ds after the kill: too early to measure the take-over", drained-kill)
	}
	if after < 0.9*rate {
		t.Errorf("average %.1f/s after the two survivors took over, want >= %.0f", after, 0.9*rate)
	}
}

// throttleWindow answers every API request with 429 and Retry-After: 1 while it is on, and
// records when requests arrived.
type throttleWindow struct {
	on   atomic.Bool
	next http.Handler

	mu        sync.Mutex
	arrivals  []time.Time
	throttled []time.Time
}

func (tw *throttleWindow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, sandbox.BasePath+"/api/") {
		now := time.Now()
		tw.mu.Lock()
		tw.arrivals = append(tw.arrivals, now)
		if tw.on.Load() {
			tw.throttled = append(tw.throttled, now)
			tw.mu.Unlock()
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		tw.mu.Unlock()
	}
	tw.next.ServeHTTP(w, r)
}

// TestGatewayPushBack429 is issue 6's pressure test: the gateway answers every request with
// 429 and Retry-After for 3 seconds in the middle of a batch. All workers pause (no request
// reaches the gateway during the first pool-wide pause, and every worker logs the backoff),
// then the batch completes with every row's scenario status and no duplicate payout.
func TestGatewayPushBack429(t *testing.T) {
	if testing.Short() {
		t.Skip("process pressure test")
	}
	tw := &throttleWindow{}
	e := newTestEnv(t, envOptions{
		wrap:    func(h http.Handler) http.Handler { tw.next = h; return tw },
		environ: []string{"PAYRUN_CONCURRENCY=8", "PAYRUN_WORKER_ACK_WAIT=6s"},
	})
	csv, want := batchCSV("push", 300)
	ws := e.startPool("push", 3)
	e.enqueue("push", csv)
	resultSubj := e.cfg.QueueNames().ResultSubject("push")
	var onAt time.Time
	e.waitResults("push", len(want), 2*time.Minute, func() {
		switch {
		case onAt.IsZero() && e.subjectCount(resultSubj) >= 30:
			onAt = time.Now()
			tw.on.Store(true)
		case !onAt.IsZero() && tw.on.Load() && time.Since(onAt) > 3*time.Second:
			tw.on.Store(false)
		}
	})
	e.stopPool(ws)
	e.checkBatch("push", want)

	tw.mu.Lock()
	defer tw.mu.Unlock()
	if len(tw.throttled) == 0 {
		t.Fatal("no request was throttled: the batch finished before the 429 window")
	}
	// The first 429 stops the whole pool for its Retry-After (1s): apart from requests
	// already on their way, nothing may arrive until it ends.
	first := tw.throttled[0]
	quietFrom, quietTo := first.Add(150*time.Millisecond), first.Add(900*time.Millisecond)
	var during int
	for _, a := range tw.arrivals {
		if a.After(quietFrom) && a.Before(quietTo) {
			during++
		}
	}
	t.Logf("%d requests answered 429 in the 3s window; %d arrived in the first pause", len(tw.throttled), during)
	if during > 0 {
		t.Errorf("%d requests reached the gateway during the pool-wide pause after the first 429", during)
	}
	for _, w := range ws {
		if line, ok := logLine(w.log, "pool rate changed"); !ok || !strings.Contains(line, `"reason":"retry-after"`) {
			t.Errorf("%s never logged the Retry-After stop (first rate change: %s)", w.name, line)
		}
	}
}
