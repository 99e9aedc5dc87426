package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// One member reports a 429 with a Retry-After longer than PressureMax (the worker's own
// per-row backoff cap relies on this): every member stops granting until it has passed, then
// the pool goes on at the full rate (one 429 is no congestion).
func TestRetryAfterStopsWholePoolExactly(t *testing.T) {
	t.Parallel()
	const r, burst = 40.0, 3
	srv := startServer(t)
	o := testOptions(r, burst)
	o.PressureBase, o.PressureMax = 50*time.Millisecond, 100*time.Millisecond
	ls := pool(t, srv, 3, o)
	testwait.Eventually(t, 5*time.Second, "3 members share", func() bool { return settled(ls, 3, r) })

	var g grants
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); wg.Wait() }()
	for _, l := range ls {
		drive(ctx, &wg, l, 3, &g)
	}
	testwait.Eventually(t, 5*time.Second, "traffic before pressure", func() bool { return len(g.sorted()) >= 5 })

	const retryAfter = 700 * time.Millisecond
	reported := time.Now()
	ls[0].Pressure(retryAfter)
	var until time.Time
	testwait.Eventually(t, 5*time.Second, "every member sees the Retry-After", func() bool {
		until = time.Time{}
		for _, l := range ls {
			u, ok := l.Paused()
			if !ok || l.Stats().Reason != ratelimit.ReasonRetryAfter {
				return false
			}
			if until.IsZero() || u.Before(until) {
				until = u
			}
		}
		return true
	})
	seen := time.Now()
	if min := reported.Add(retryAfter); until.Before(min) {
		t.Fatalf("stopped until %s, want >= the Retry-After (%s)", until, min)
	}
	// Grants recorded a little after the last member saw the stop were granted before it.
	const recordSlack = 100 * time.Millisecond
	testwait.Eventually(t, 5*time.Second, "traffic after the stop", func() bool { return g.between(until, until.Add(time.Hour)) >= 5 })
	if n := g.between(seen.Add(recordSlack), until); n != 0 {
		t.Errorf("%d grants during the pool-wide Retry-After", n)
	}
	for _, l := range ls {
		if st := l.Stats(); st.Factor != 1 || st.Reason != ratelimit.ReasonConfigured || st.PoolRate != r {
			t.Errorf("%s after the Retry-After: factor %v, reason %s, pool rate %v; want 1, configured, %v", st.ID, st.Factor, st.Reason, st.PoolRate, r)
		}
	}
}

// pressureOptions are fast adaptive windows for the pool tests.
func pressureOptions(r float64) ratelimit.Options {
	o := testOptions(r, 3)
	o.Window = 150 * time.Millisecond
	o.PressureBase, o.PressureMax = 200*time.Millisecond, 2*time.Second
	o.StormAnswers = 4
	return o
}

// answers reports n answers to l, the first p of them pressure without Retry-After.
func answers(l *ratelimit.Limiter, n, p int) {
	for i := range n {
		if i < p {
			l.Pressure(0)
		} else {
			l.Answered()
		}
	}
}

// A sporadic 503 (no Retry-After) stops nothing and lowers nothing; a congested window at one
// member lowers the whole pool's rate once, healthy windows bring it back.
func TestCongestionLowersPoolRateThenRecovers(t *testing.T) {
	t.Parallel()
	const r = 30.0
	srv := startServer(t)
	o := pressureOptions(r)
	ls := pool(t, srv, 3, o)
	testwait.Eventually(t, 5*time.Second, "3 members share", func() bool { return settled(ls, 3, r) })

	ls[0].Pressure(0)
	if _, paused := ls[0].Paused(); paused {
		t.Fatal("a single 503 without Retry-After stopped the member")
	}
	answers(ls[0], 20, 1) // 2 of 21 answers in this window: sporadic
	pool := func(factor float64, reason string) func() bool {
		return func() bool {
			for _, l := range ls {
				st := l.Stats()
				if !near(st.Factor, factor) || st.Reason != reason || !near(st.Rate, r*factor/3) {
					return false
				}
			}
			return true
		}
	}
	sent := time.Now() // the window closes on its own; give its verdict time to spread
	testwait.Eventually(t, 5*time.Second, "three windows later", func() bool { return time.Since(sent) > 3*o.Window })
	for _, l := range ls {
		if st := l.Stats(); st.Factor != 1 {
			t.Fatalf("%s: factor %v after sporadic 503s, want 1", st.ID, st.Factor)
		}
	}

	// One congested window (3 of 10 pressure) at one member; another member healthy in the
	// same window: the decrease wins, once for the pool.
	early := func() bool { return time.Now().UnixNano()%int64(o.Window) < int64(o.Window)/3 }
	testwait.Eventually(t, 5*time.Second, "early in a window", early)
	answers(ls[0], 10, 3)
	answers(ls[1], 10, 0)
	testwait.Eventually(t, 5*time.Second, "every member at 0.7 of the rate, congested", pool(0.7, ratelimit.ReasonCongested))

	// Healthy windows: +0.1 per window back to the configured rate.
	testwait.Eventually(t, 10*time.Second, "recovered", func() bool {
		answers(ls[2], 2, 0)
		return pool(1, ratelimit.ReasonConfigured)()
	})
}

// StormAnswers pressure answers in a row stop the pool; more pressure right after the stop
// escalates; a healthy answer ends the streak.
func TestStormStopsWithGrowingPauses(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctl, err := ratelimit.OpenControl(context.Background(), connect(t, srv), "")
	if err != nil {
		t.Fatal(err)
	}
	ls := pool(t, srv, 2, pressureOptions(20))
	testwait.Eventually(t, 5*time.Second, "2 members share", func() bool { return settled(ls, 2, 20) })

	answers(ls[0], 3, 3)
	if _, paused := ls[0].Paused(); paused {
		t.Fatal("stopped after 3 pressure answers, StormAnswers is 4")
	}
	ls[0].Pressure(0)
	stopped := func(level int) func() bool {
		return func() bool {
			st, err := ctl.Status(context.Background())
			if err != nil || st.PressureLevel != level || st.PressureReason != ratelimit.ReasonStorm {
				return false
			}
			_, ok := ls[1].Paused()
			return ok && ls[1].Stats().Reason == ratelimit.ReasonStorm
		}
	}
	testwait.Eventually(t, 5*time.Second, "storm level 1 on both members", stopped(1))
	st, _ := ctl.Status(context.Background())
	first := st.PressureUntil.Sub(st.PressureAt)
	testwait.Eventually(t, 5*time.Second, "the first stop ends", func() bool { _, ok := ls[1].Paused(); return !ok })

	ls[0].Pressure(0) // the streak goes on: the storm goes on
	testwait.Eventually(t, 5*time.Second, "storm level 2", stopped(2))
	st, _ = ctl.Status(context.Background())
	if second := st.PressureUntil.Sub(st.PressureAt); second <= first {
		t.Errorf("second stop %s, not longer than the first %s", second, first)
	}
	testwait.Eventually(t, 5*time.Second, "the second stop ends", func() bool { _, ok := ls[1].Paused(); return !ok })

	ls[0].Answered() // the storm is over
	ls[0].Pressure(0)
	if _, paused := ls[0].Paused(); paused {
		t.Error("one 503 after a healthy answer stopped the member")
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// A Wait that outlasts its context during a pause says so (ErrPaused), so the worker hands
// the job back instead of counting a failure; a Wait that outlasts the pause returns nil.
func TestPauseResumeAcrossMembers(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ls := pool(t, srv, 2, testOptions(50, 2))
	testwait.Eventually(t, 5*time.Second, "2 members share", func() bool { return settled(ls, 2, 50) })
	ctl, err := ratelimit.OpenControl(context.Background(), connect(t, srv), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Pause(context.Background(), "gateway maintenance"); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 5*time.Second, "both members paused", func() bool {
		for _, l := range ls {
			if until, ok := l.Paused(); !ok || !until.IsZero() {
				return false
			}
		}
		return true
	})
	st, err := ctl.Status(context.Background())
	if err != nil || !st.Paused || st.PauseReason != "gateway maintenance" || len(st.Members) != 2 {
		t.Fatalf("Status = %+v, %v", st, err)
	}

	for _, l := range ls {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err := l.Wait(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ratelimit.ErrPaused) {
			t.Errorf("Wait during pause = %v, want DeadlineExceeded and ErrPaused", err)
		}
	}

	results := make(chan error, len(ls))
	for _, l := range ls {
		go func() { results <- l.Wait(context.Background()) }()
	}
	testwait.Eventually(t, 5*time.Second, "waiters queued", func() bool { return ls[0].Queued("") == 1 && ls[1].Queued("") == 1 })
	if err := ls[1].Resume(context.Background()); err != nil { // a member can resume too
		t.Fatal(err)
	}
	for range ls {
		if err := <-results; err != nil {
			t.Errorf("Wait across the pause = %v, want nil", err)
		}
	}
	if _, ok := ls[0].Paused(); ok {
		t.Error("still paused after Resume")
	}
}

// Every stop has its own reason in Stats (and so in the metric and the log line).
func TestStopReasons(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	l := newLimiter(t, connect(t, srv), testOptions(10, 1))
	reason := func(want string) func() bool { return func() bool { return l.Stats().Reason == want } }
	testwait.Eventually(t, 5*time.Second, "configured", reason(ratelimit.ReasonConfigured))
	if err := l.Pause(context.Background(), "maintenance"); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 5*time.Second, "paused", reason(ratelimit.ReasonPaused))
	if err := l.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 5*time.Second, "configured again", reason(ratelimit.ReasonConfigured))
	l.AuthRefused("merchant", "SHA256:x", 401)
	testwait.Eventually(t, 5*time.Second, "auth", reason(ratelimit.ReasonAuth))
	if st := l.Stats(); st.PoolRate != 0 {
		t.Errorf("pool rate %v during the auth stop, want 0", st.PoolRate)
	}
}
