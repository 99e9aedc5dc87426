package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// MaxPace bounds how long Pace holds one request.
const MaxPace = time.Second

// Pace holds a caller that already has its token (from Wait) and is about to send, so that this
// member's requests leave the machine at no more than its share of the rate and burst, the same
// share Wait grants at. A token taken before a slow step (the payout ledger's fsync'd write)
// would otherwise let requests that were granted apart leave together, and the limit would hold
// at the grant but not at the gateway.
//
// Pace takes no token from the pool and never refuses: it waits at most MaxPace (a request whose
// place is further away leaves then, its place kept for the next), and returns at once when this
// member holds no share (the grant already decided). It returns an error wrapping ctx.Err() only
// when ctx ends while it waits.
func (l *Limiter) Pace(ctx context.Context) error {
	res := l.wire.Reserve()
	if !res.OK() {
		return nil
	}
	d := min(res.Delay(), MaxPace)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		res.Cancel()
		return fmt.Errorf("ratelimit: pace: %w", ctx.Err())
	}
}
