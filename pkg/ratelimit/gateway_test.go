package ratelimit_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/ratelimit"
)

// countingPacer counts Wait (a token) and Pace calls; Wait blocks until ctx ends when block is set.
type countingPacer struct {
	tokens, paces atomic.Int32
	block         bool
}

func (c *countingPacer) Pace(context.Context) error {
	c.paces.Add(1)
	return nil
}

func (c *countingPacer) Wait(ctx context.Context) error {
	c.tokens.Add(1)
	if c.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

// One token per gateway request: within a prepaid call the first request is only paced (its
// token was taken by the step's hold wait), every other request takes a token; a call that is
// not marked takes a token for every request.
func TestRequestLimiterOneTokenPerRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		prepaid               bool
		requests              int
		wantTokens, wantPaces int32
	}{
		{"prepaid call, one request", true, 1, 0, 1},
		{"prepaid call, a retry", true, 2, 1, 1},
		{"prepaid call, lookup and two retries", true, 4, 3, 1},
		{"unmarked call, one request", false, 1, 1, 0},
		{"unmarked call, a retry", false, 2, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := &countingPacer{}
			lim := ratelimit.RequestLimiter{Lim: pool}
			ctx := context.Background()
			if tt.prepaid {
				ctx = ratelimit.WithPrepaid(ctx)
			}
			for range tt.requests {
				if err := lim.Wait(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := pool.tokens.Load(); got != tt.wantTokens {
				t.Errorf("%d requests took %d tokens, want %d", tt.requests, got, tt.wantTokens)
			}
			if got := pool.paces.Load(); got != tt.wantPaces {
				t.Errorf("%d requests were paced %d times, want %d", tt.requests, got, tt.wantPaces)
			}
		})
	}
}

// Each WithPrepaid mark pays for one request only: two calls, two paced first requests.
func TestWithPrepaidMarksOneCall(t *testing.T) {
	t.Parallel()
	pool := &countingPacer{}
	lim := ratelimit.RequestLimiter{Lim: pool}
	for range 2 {
		ctx := ratelimit.WithPrepaid(context.Background())
		if err := errors.Join(lim.Wait(ctx), lim.Wait(ctx)); err != nil {
			t.Fatal(err)
		}
	}
	if pool.paces.Load() != 2 || pool.tokens.Load() != 2 {
		t.Errorf("two prepaid calls of two requests: %d paces, %d tokens; want 2 and 2", pool.paces.Load(), pool.tokens.Load())
	}
}

// A hold wait that gets no token within the hold gives up with an error wrapping the limiter's
// (the pool hands the job back); one that gets it returns nil.
func TestHoldLimiterGivesUpAfterHold(t *testing.T) {
	t.Parallel()
	err := ratelimit.HoldLimiter{Lim: &countingPacer{block: true}, Hold: 20 * time.Millisecond}.Wait(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked limiter: err %v, want the hold to expire (context.DeadlineExceeded)", err)
	}
	pool := &countingPacer{}
	if err := (ratelimit.HoldLimiter{Lim: pool, Hold: time.Minute}).Wait(context.Background()); err != nil || pool.tokens.Load() != 1 {
		t.Fatalf("free limiter: err %v, %d tokens; want nil and 1", err, pool.tokens.Load())
	}
}
