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

func TestWaitRespectsContext(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	l := newLimiter(t, connect(t, srv), testOptions(1, 1)) // one token a second
	testwait.Eventually(t, 5*time.Second, "admitted", func() bool { return l.Stats().Active })
	// An admitted member starts with an empty bucket: the next Wait queues for ~1s.
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- l.Wait(ctx) }()
	testwait.Eventually(t, 5*time.Second, "waiter queued", func() bool { return l.Queued("") == 1 })
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) || errors.Is(err, ratelimit.ErrPaused) {
		t.Errorf("Wait after cancel = %v, want context.Canceled without ErrPaused", err)
	}
	if n := l.Queued(""); n != 0 {
		t.Errorf("%d waiters still queued after cancel", n)
	}
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with a cancelled context = %v", err)
	}
}

// With a huge backlog on key A and a few waiters on key B, B is served round-robin with A,
// not after A's backlog.
func TestFairnessBetweenKeys(t *testing.T) {
	t.Parallel()
	const backlogA, waitersB = 40, 3
	srv := startServer(t)
	l := newLimiter(t, connect(t, srv), testOptions(100, 1))
	testwait.Eventually(t, 5*time.Second, "admitted", func() bool { return l.Stats().Active })
	// Queue everything while paused so the order of arrival is fixed: all of A, then B.
	if err := l.Pause(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 5*time.Second, "paused", func() bool { _, ok := l.Paused(); return ok })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	start := func(key string) {
		wg.Go(func() {
			if l.WaitFor(ctx, ratelimit.KindPayout, key) == nil {
				mu.Lock()
				order = append(order, key)
				mu.Unlock()
			}
		})
	}
	for range backlogA {
		start("A")
	}
	testwait.Eventually(t, 5*time.Second, "A queued", func() bool { return l.Queued(ratelimit.KindPayout) == backlogA })
	for range waitersB {
		start("B")
	}
	testwait.Eventually(t, 5*time.Second, "B queued", func() bool { return l.Queued(ratelimit.KindPayout) == backlogA+waitersB })
	if err := l.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}

	served := func() (bs, total int) {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range order {
			if k == "B" {
				bs++
			}
		}
		return bs, len(order)
	}
	testwait.Eventually(t, 10*time.Second, "B served", func() bool { bs, _ := served(); return bs == waitersB })
	// Round-robin: A,B,A,B,A,B. Allow for goroutines recording out of grant order.
	mu.Lock()
	t.Logf("grant order: %v", order)
	mu.Unlock()
	if _, total := served(); total > 2*waitersB+2 {
		t.Errorf("B's %d waiters needed %d grants; a FIFO would need %d, round-robin %d", waitersB, total, backlogA+waitersB, 2*waitersB)
	}
	cancel()
	wg.Wait()
	if n := l.Queued(ratelimit.KindPayout); n != 0 {
		t.Errorf("%d waiters left queued after cancel", n)
	}
}

// A kind with its own limit is held to it; other kinds use only the total.
func TestKindLimits(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := testOptions(200, 5)
	o.Kinds = map[string]ratelimit.Limit{ratelimit.KindPayout: {Rate: 10, Burst: 1}}
	l := newLimiter(t, connect(t, srv), o)
	testwait.Eventually(t, 5*time.Second, "admitted", func() bool { return l.Stats().Active })

	var payouts, statuses grants
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	for range 3 {
		wg.Go(func() {
			for l.Wait(ratelimit.WithKind(ctx, ratelimit.KindPayout)) == nil {
				payouts.add(time.Now())
			}
		})
		wg.Go(func() {
			for l.Wait(ratelimit.WithKey(ratelimit.WithKind(ctx, ratelimit.KindStatus), "b1")) == nil {
				statuses.add(time.Now())
			}
		})
	}
	wg.Wait()
	p, s := payouts.sorted(), statuses.sorted()
	if w := maxWindow(p, time.Second); w > 10+1 {
		t.Errorf("payout kind: %d grants in a 1s window, limit 10+1", w)
	}
	if len(s) <= 2*len(p) {
		t.Errorf("status calls (total limit only) got %d grants, payouts %d: the kind limit leaked into other kinds", len(s), len(p))
	}
	if w := maxWindow(append(p, s...), time.Second); w > 200+5 {
		t.Errorf("total: %d grants in a 1s window, limit 205", w)
	}
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    ratelimit.Options
	}{
		{"no rate", ratelimit.Options{}},
		{"negative burst", ratelimit.Options{Rate: 1, Burst: -1}},
		{"bad id", ratelimit.Options{Rate: 1, ID: "a.b"}},
		{"dead before two heartbeats", ratelimit.Options{Rate: 1, Heartbeat: time.Second, DeadAfter: time.Second}},
		{"decrease of 1", ratelimit.Options{Rate: 1, Decrease: 1}},
		{"share above 1", ratelimit.Options{Rate: 1, CongestedShare: 1.5}},
		{"floor above 1", ratelimit.Options{Rate: 1, MinFactor: 2}},
		{"Retry-After cap below PressureBase", ratelimit.Options{Rate: 1, PressureBase: time.Second, MaxRetryAfter: time.Millisecond}},
		{"pressure max below base", ratelimit.Options{Rate: 1, PressureBase: time.Minute, PressureMax: time.Second}},
		{"kind without rate", ratelimit.Options{Rate: 1, Kinds: map[string]ratelimit.Limit{"payout": {}}}},
		{"no jetstream", ratelimit.Options{Rate: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ratelimit.New(context.Background(), nil, tt.o)
			if !errors.Is(err, ratelimit.ErrInvalidOptions) {
				t.Errorf("New = %v, want ErrInvalidOptions", err)
			}
		})
	}
}

func TestCloseReleasesWaiters(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	l := newLimiter(t, connect(t, srv), testOptions(0.5, 1)) // first token after 2s
	errc := make(chan error, 1)
	go func() { errc <- l.WaitFor(context.Background(), ratelimit.KindStatus, "b1") }()
	testwait.Eventually(t, 5*time.Second, "waiter queued", func() bool { return l.Queued(ratelimit.KindStatus) == 1 })
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ratelimit.ErrClosed) {
		t.Errorf("pending Wait at Close = %v, want ErrClosed", err)
	}
}

// A process restarted with the same fixed ID takes over the record its crashed predecessor
// left; the predecessor (if it is in fact alive) has fenced itself.
func TestRestartWithSameID(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := testOptions(10, 1)
	o.ID = "worker-1"
	old := newLimiter(t, connect(t, srv), o)
	testwait.Eventually(t, 5*time.Second, "first admitted", func() bool { return old.Stats().Active })
	old.StopHeartbeats() // crashed without Close

	restarted := newLimiter(t, connect(t, srv), o)
	testwait.Eventually(t, 5*time.Second, "restart admitted", func() bool {
		st := restarted.Stats()
		return st.Active && st.Members == 1 && st.Rate == 10
	})
	testwait.Eventually(t, 5*time.Second, "predecessor fenced", func() bool { return !old.Stats().Active })
	if err := old.Close(); err != nil { // must not delete the new incarnation's record
		t.Fatal(err)
	}
	ctl, err := ratelimit.OpenControl(context.Background(), connect(t, srv), "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ctl.Status(context.Background())
	if err != nil || len(st.Members) != 1 || st.Members[0] != "worker-1" {
		t.Errorf("Status = %+v, %v; want the restarted member's record", st, err)
	}
}
