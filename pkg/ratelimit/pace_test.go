package ratelimit_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// Invariant 5 of ARCHITECTURE (the configured rate holds at the gateway): requests that took
// their tokens apart but reach the wire together (their ledger writes finished at once) are
// spread again by Pace at the member's share: with rate 20 and burst 3, ten requests released at
// one instant leave no faster than three at once and then one every 50 ms. Waiting can only make
// them later, so the bound is a lower one and holds on a loaded machine.
func TestPaceSpreadsRequestsReleasedTogether(t *testing.T) {
	t.Parallel()
	const rate, burst, n = 20, 3, 10
	srv := startServer(t)
	l := newLimiter(t, connect(t, srv), testOptions(rate, burst))
	testwait.Eventually(t, 5*time.Second, "admitted", func() bool { return l.Stats().Active })
	for range n { // the tokens, granted apart
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	var mu sync.Mutex
	var left []time.Duration
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := l.Pace(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			left = append(left, time.Since(start))
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(left)
	interval := time.Second / rate
	for k, at := range left {
		if want := time.Duration(k-burst+1)*interval - 5*time.Millisecond; k >= burst && at < want {
			t.Errorf("request %d left %s after the release, want at least %s (share %d/s, burst %d): %v", k+1, at, want, rate, burst, left)
		}
	}
}

// A request whose place is further away than MaxPace is held for MaxPace (then it leaves, so a
// request is never held longer), and a caller whose context ends is let go with its error.
func TestPaceHoldsUpToMaxPaceAndHonoursContext(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	l := newLimiter(t, connect(t, srv), testOptions(0.5, 1)) // one place every 2 s
	testwait.Eventually(t, 5*time.Second, "admitted", func() bool { return l.Stats().Active })
	_ = l.Pace(context.Background()) // takes the place the bucket may hold
	start := time.Now()
	if err := l.Pace(context.Background()); err != nil {
		t.Fatal(err)
	}
	if held := time.Since(start); held < ratelimit.MaxPace-5*time.Millisecond {
		t.Errorf("held %s, want MaxPace (%s): the next place is 2 s away", held, ratelimit.MaxPace)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Pace(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Pace with an ended context = %v, want context.Canceled", err)
	}
}
