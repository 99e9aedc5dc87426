package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/ratelimit"
)

// One member reports a 429 with Retry-After 500ms: every member stops granting until then,
// then the pool ramps back up instead of jumping to the full rate.
func TestPressurePausesWholePoolThenRamps(t *testing.T) {
	t.Parallel()
	const r, burst = 40.0, 3
	srv := startServer(t)
	o := testOptions(r, burst)
	o.PressureBase = 100 * time.Millisecond
	o.RampPeriod = time.Second
	ls := pool(t, srv, 3, o)
	eventually(t, 5*time.Second, "3 members share", func() bool { return settled(ls, 3, r) })

	var g grants
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); wg.Wait() }()
	for _, l := range ls {
		drive(ctx, &wg, l, 3, &g)
	}
	eventually(t, 5*time.Second, "traffic before pressure", func() bool { return len(g.sorted()) >= 5 })

	reported := time.Now()
	ls[0].Pressure(500 * time.Millisecond)
	var until time.Time
	eventually(t, 5*time.Second, "every member sees the pressure", func() bool {
		until = time.Time{}
		for _, l := range ls {
			u, ok := l.Paused()
			if !ok {
				return false
			}
			if until.IsZero() || u.Before(until) {
				until = u
			}
		}
		return true
	})
	seen := time.Now()
	if min := reported.Add(500 * time.Millisecond); until.Before(min) {
		t.Fatalf("pressure until %s, want >= Retry-After (%s)", until, min)
	}
	// Grants recorded a little after the last member saw the pressure were granted before it.
	const recordSlack = 100 * time.Millisecond
	eventually(t, 5*time.Second, "traffic after the pause", func() bool { return g.between(until, until.Add(time.Hour)) >= 5 })
	if n := g.between(seen.Add(recordSlack), until); n != 0 {
		t.Errorf("%d grants during the pool-wide pause", n)
	}
	// Full rate would allow r/2 + burst in half a second; the ramp starts at a quarter.
	eventually(t, 5*time.Second, "half a second after the pause", func() bool { return time.Since(until) > 600*time.Millisecond })
	if n, full := g.between(until, until.Add(500*time.Millisecond)), int(r/2); n >= full {
		t.Errorf("%d grants in the first 500ms after the pause, want fewer than full rate's %d (ramp)", n, full)
	} else {
		t.Logf("pause %s..%s; %d grants in the first 500ms after it (full rate: %d)", reported.Format("05.000"), until.Format("05.000"), n, full)
	}
	eventually(t, 5*time.Second, "ramp completes", func() bool {
		for _, l := range ls {
			if l.Stats().Factor != 1 {
				return false
			}
		}
		return true
	})
}

// A Wait that outlasts its context during a pause says so (ErrPaused), so the worker hands
// the job back instead of counting a failure; a Wait that outlasts the pause returns nil.
func TestPauseResumeAcrossMembers(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ls := pool(t, srv, 2, testOptions(50, 2))
	eventually(t, 5*time.Second, "2 members share", func() bool { return settled(ls, 2, 50) })
	ctl, err := ratelimit.OpenControl(context.Background(), connect(t, srv), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Pause(context.Background(), "gateway maintenance"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "both members paused", func() bool {
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
	eventually(t, 5*time.Second, "waiters queued", func() bool { return ls[0].Queued("") == 1 && ls[1].Queued("") == 1 })
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
