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

// Three members driven hard from the moment they start share R: no 1-second window holds
// more than R + burst grants, and with a backlog the pool reaches at least 90% of R.
func TestPoolHoldsLimitAndUsesIt(t *testing.T) {
	const (
		r     = 20.0
		burst = 3
		run   = 4 * time.Second
	)
	srv := startServer(t)
	o := testOptions(r, burst)
	var g, decided grants // seen by the callers; recorded inside the limiter at each grant
	o = ratelimit.WithGrantHook(o, decided.add)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 3 { // each member starts driving as soon as it exists: joins happen under load
		drive(ctx, &wg, newLimiter(t, connect(t, srv), o), 4, &g)
	}
	start := time.Now() // all three exist; the backlog is there from here on
	time.Sleep(run)     // the run length itself; nothing is awaited here
	end := time.Now()
	cancel()
	wg.Wait()

	// The whole run, joins included. The limiter's grant times obey R + burst exactly; the
	// callers see them after a goroutine wake-up, which on a starved machine can move one
	// grant per member across a window's edge.
	if got, limit := maxWindow(decided.sorted(), time.Second), int(r)+burst; got > limit {
		t.Errorf("busiest 1s window of grants had %d, limit %d", got, limit)
	}
	ts := g.sorted()
	if got, limit := maxWindow(ts, time.Second), int(r)+burst+3; got > limit {
		t.Errorf("busiest 1s window seen by callers had %d grants, limit %d + one per member", got, int(r)+burst)
	}
	n := g.between(start, end)
	avg := float64(n) / end.Sub(start).Seconds()
	if avg < 0.9*r {
		t.Errorf("average %.1f/s over %s with backlog, want >= %.1f", avg, end.Sub(start), 0.9*r)
	}
	t.Logf("%d grants in %s: %.2f/s; %d grants in all, busiest 1s window %d (seen by callers %d)",
		n, end.Sub(start), avg, len(ts), maxWindow(decided.sorted(), time.Second), maxWindow(ts, time.Second))
}

// Close deletes the member's record; the others take over its share at once.
func TestCloseRebalances(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ls := pool(t, srv, 3, testOptions(20, 3))
	testwait.Eventually(t, 5*time.Second, "3 members share 20/s", func() bool { return settled(ls, 3, 20) })

	if err := ls[2].Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if st := ls[2].Stats(); st.Active || st.Rate != 0 {
		t.Errorf("closed member still holds a share: %+v", st)
	}
	testwait.Eventually(t, 5*time.Second, "2 members share 20/s", func() bool { return settled(ls[:2], 2, 20) })
	if err := ls[2].Wait(context.Background()); !errors.Is(err, ratelimit.ErrClosed) {
		t.Errorf("Wait after Close = %v, want ErrClosed", err)
	}
}

// A member that dies without Close (its heartbeats stop) fences itself, and the others take
// over its share after DeadAfter and delete its record.
func TestDeadMemberRebalances(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := testOptions(20, 3)
	ls := pool(t, srv, 3, o)
	testwait.Eventually(t, 5*time.Second, "3 members share 20/s", func() bool { return settled(ls, 3, 20) })

	ls[2].StopHeartbeats()
	testwait.Eventually(t, 5*time.Second, "dead member fenced", func() bool {
		st := ls[2].Stats()
		return !st.Active && st.Rate == 0
	})
	testwait.Eventually(t, 5*time.Second, "survivors share 20/s", func() bool { return settled(ls[:2], 2, 20) })

	ctl, err := ratelimit.OpenControl(context.Background(), connect(t, srv), "")
	if err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 5*time.Second, "dead member's record deleted", func() bool {
		st, err := ctl.Status(context.Background())
		return err == nil && len(st.Members) == 2
	})
}

// A newcomer grants nothing until the members already there count it, so the shares never
// sum to more than R while it joins.
func TestJoinNeverOversubscribes(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	o := testOptions(30, 3)
	ls := pool(t, srv, 2, o)
	testwait.Eventually(t, 5*time.Second, "2 members share 30/s", func() bool { return settled(ls, 2, 30) })

	stop := make(chan struct{})
	over := make(chan float64, 1)
	var wg sync.WaitGroup
	var watched []*ratelimit.Limiter
	var mu sync.Mutex
	wg.Go(func() { // sample the sum of rates while the third member joins
		for {
			select {
			case <-stop:
				return
			default:
			}
			mu.Lock()
			sum := 0.0
			for _, l := range watched {
				sum += l.Stats().Rate
			}
			mu.Unlock()
			if sum > 30+1e-6 {
				select {
				case over <- sum:
				default:
				}
			}
		}
	})
	mu.Lock()
	watched = append(watched, ls...)
	mu.Unlock()
	l3 := newLimiter(t, connect(t, srv), o)
	mu.Lock()
	watched = append(watched, l3)
	mu.Unlock()
	all := append(ls, l3)
	testwait.Eventually(t, 5*time.Second, "3 members share 30/s", func() bool { return settled(all, 3, 30) })
	close(stop)
	wg.Wait()
	select {
	case sum := <-over:
		t.Errorf("rates summed to %.2f > 30 while a member joined", sum)
	default:
	}
}
