package ratelimit

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// How the pool-wide limit is applied to the gateway (one token per HTTP request, no request
// outside it):
//
//   - pkg/payout waits on a [HoldLimiter] before each step that calls the gateway, BEFORE the
//     ledger counts a payout attempt. That wait takes the step's token and also waits out an
//     operator pause or gateway pressure; it is not bounded by the call timeout, so a long wait
//     never turns into a failed attempt. Past the hold the job is handed back with a delay
//     (counted as nothing: no ledger write, no failure).
//   - The gateway call's context is marked [WithPrepaid]: its first HTTP request was paid for by
//     that wait.
//   - The gateway client's own requests inside one call go through a [RequestLimiter]: the
//     first request of a prepaid call is only paced ([Limiter.Pace]), because the ledger write
//     between the token and the send would otherwise let requests granted apart leave together,
//     above the limit at the gateway; every other request (retries of requests that were
//     definitely not sent, status lookups) takes a token. The pace (at most MaxPace) runs inside
//     the call's deadline, which the ledger recorded before the write, so no request leaves
//     after it.
//   - Every gateway answer is reported to the limiter (submit.Options.Pressure): 429/503 as
//     pressure, anything else as a plain answer.

// Waiter takes one token for one gateway request (*Limiter).
type Waiter interface {
	Wait(ctx context.Context) error
}

// Pacer is a Waiter that can also pace a request whose token was taken earlier (*Limiter).
type Pacer interface {
	Waiter
	Pace(ctx context.Context) error
}

// HoldLimiter is the payout pool's limiter (payout.Limiter): Lim's Wait, given up after Hold.
type HoldLimiter struct {
	Lim  Waiter
	Hold time.Duration
}

// Wait takes one token from Lim, waiting at most Hold (and not past ctx). The error says that
// no slot came within the hold and wraps Lim's error (context.DeadlineExceeded when the hold
// expired; ErrPaused when a pause or pressure was the reason).
func (h HoldLimiter) Wait(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, h.Hold)
	defer cancel()
	if err := h.Lim.Wait(ctx); err != nil {
		return fmt.Errorf("no gateway slot within %s (rate limit, pause or gateway pressure): %w", h.Hold, err)
	}
	return nil
}

type prepaidKey struct{}

// WithPrepaid marks ctx as one gateway call whose first HTTP request was paid for by an earlier
// Wait (the step's HoldLimiter wait): a RequestLimiter only paces that request.
func WithPrepaid(ctx context.Context) context.Context {
	return context.WithValue(ctx, prepaidKey{}, new(atomic.Bool))
}

// RequestLimiter is the gateway client's limiter (submit.Limiter): one token per HTTP request,
// except the first request of a call marked WithPrepaid, which is only paced.
type RequestLimiter struct{ Lim Pacer }

// Wait paces the first request under a WithPrepaid context (once per mark, also from several
// goroutines) and takes a token from Lim for every other request.
func (r RequestLimiter) Wait(ctx context.Context) error {
	if used, ok := ctx.Value(prepaidKey{}).(*atomic.Bool); ok && used.CompareAndSwap(false, true) {
		return r.Lim.Pace(ctx)
	}
	return r.Lim.Wait(ctx)
}
