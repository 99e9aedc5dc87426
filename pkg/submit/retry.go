package submit

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// retry runs once (attempt numbers from 1) until it succeeds, fails with an error that
// shouldRetry refuses, the backoff budget (Backoff.MaxElapsed, Backoff.MaxAttempts) is spent,
// or ctx ends. A wait is at least the error's RetryAfter; a RetryAfter beyond the remaining
// budget ends the loop at once, and so does a Limiter refusal. It returns the last error with
// Attempts set.
func (c *Client) retry(ctx context.Context, once func(n int) error, shouldRetry func(*Error) bool) error {
	bo := c.opts.Backoff
	b := &backoff.ExponentialBackOff{
		InitialInterval:     bo.Initial,
		RandomizationFactor: bo.RandomizationFactor,
		Multiplier:          bo.Multiplier,
		MaxInterval:         bo.Max,
		MaxElapsedTime:      max(bo.MaxElapsed, 0),
		Stop:                backoff.Stop,
		Clock:               backoff.SystemClock,
	}
	b.Reset()
	for n := 1; ; n++ {
		err := once(n)
		if err == nil {
			return nil
		}
		var e *Error
		if !errors.As(err, &e) {
			return err
		}
		e.Attempts = n
		if !shouldRetry(e) || errors.Is(e.Err, errLimiter) || ctx.Err() != nil || bo.MaxElapsed < 0 || (bo.MaxAttempts > 0 && n >= bo.MaxAttempts) {
			return e
		}
		wait := b.NextBackOff()
		if wait == backoff.Stop {
			return e
		}
		if e.RetryAfter > wait {
			if e.RetryAfter > bo.MaxElapsed-b.GetElapsedTime() {
				return e
			}
			wait = e.RetryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return e
		case <-t.C:
		}
	}
}
