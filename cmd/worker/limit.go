package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/payout"
)

// How the pool-wide limit is applied (one token per HTTP request, no request outside it):
//
//   - pkg/payout waits on holdLimiter before each step that calls the gateway, BEFORE the ledger
//     counts a payout attempt. That wait takes the step's token and also waits out an operator
//     pause or gateway pressure; it is not bounded by the call timeout, so a long wait never
//     turns into a failed attempt. Past holdFor the job is handed back with a delay (counted
//     as nothing: no ledger write, no failure).
//   - The gateway client's own retries inside one call (requests that were definitely not
//     sent, status lookups) take a token each through retryLimiter; the first request of a
//     call uses the token the step already holds (prepaidGateway marks the call's context) and
//     is only paced (ratelimit.Limiter.Pace): the ledger write between the token and the send
//     would otherwise let requests granted apart leave together, above the limit at the
//     gateway. The pace (at most ratelimit.MaxPace) runs inside the call's deadline, which the
//     ledger recorded before the write, so no request leaves after it.
//   - Every gateway answer is reported to the limiter (submit.Options.Pressure): 429/503 as
//     pressure, anything else as a plain answer. The limiter adapts the pool's rate to the share
//     of pressure, stops the pool for a Retry-After and for storms (pkg/ratelimit).

// waiter is what both adapters need from the pool-wide limiter (*ratelimit.Limiter).
type waiter interface {
	Wait(ctx context.Context) error
}

// holdLimiter is payout's Limiter: the pool-wide limiter, bounded by hold.
type holdLimiter struct {
	lim  waiter
	hold time.Duration
}

// Wait implements payout.Limiter.
func (h holdLimiter) Wait(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, h.hold)
	defer cancel()
	if err := h.lim.Wait(ctx); err != nil {
		return fmt.Errorf("no gateway slot within %s (rate limit, pause or gateway pressure): %w", h.hold, err)
	}
	return nil
}

type prepaidKey struct{}

// prepaidGateway marks every call's context: its first HTTP request was paid for by the step's
// holdLimiter wait.
type prepaidGateway struct{ gw payout.Gateway }

func withPrepaid(ctx context.Context) context.Context {
	return context.WithValue(ctx, prepaidKey{}, new(atomic.Bool))
}

func (p prepaidGateway) Payout(ctx context.Context, params []job.Param) (payout.Reply, error) {
	return p.gw.Payout(withPrepaid(ctx), params)
}

func (p prepaidGateway) Status(ctx context.Context, q payout.StatusQuery) (payout.StatusReply, error) {
	return p.gw.Status(withPrepaid(ctx), q)
}

// pacedWaiter is what the gateway client's limiter needs: a token per request, and pacing for
// a request whose token was taken earlier (*ratelimit.Limiter).
type pacedWaiter interface {
	waiter
	Pace(ctx context.Context) error
}

// retryLimiter is the gateway client's Limiter: a call's first request, when the call is
// prepaid, is only paced; every other request takes a token from the pool-wide limiter.
type retryLimiter struct{ lim pacedWaiter }

// Wait implements submit.Limiter.
func (r retryLimiter) Wait(ctx context.Context) error {
	if used, ok := ctx.Value(prepaidKey{}).(*atomic.Bool); ok && used.CompareAndSwap(false, true) {
		return r.lim.Pace(ctx)
	}
	return r.lim.Wait(ctx)
}
