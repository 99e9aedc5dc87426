package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go/jetstream"
)

// pressureRecord is the pool-wide "paused until" record under pressureKey.
type pressureRecord struct {
	Until      time.Time     `json:"until"`
	Level      int           `json:"level"` // 1 for the first pause of an episode, +1 per escalation
	RetryAfter time.Duration `json:"retry_after_ns"`
	By         string        `json:"by"`
	At         time.Time     `json:"at"`
}

// pressureState is this member's view: no grants before until, then a linear ramp.
type pressureState struct {
	until time.Time
}

// factor is the fraction of the configured rate granted at now.
func (p pressureState) factor(now time.Time, o Options) float64 {
	if p.until.IsZero() {
		return 1
	}
	since := now.Sub(p.until)
	switch {
	case since < 0:
		return o.RampFrom
	case since >= o.RampPeriod:
		return 1
	}
	return o.RampFrom + (1-o.RampFrom)*float64(since)/float64(o.RampPeriod)
}

func (p pressureState) ramping(now time.Time, o Options) bool {
	return !p.until.IsZero() && now.Before(p.until.Add(o.RampPeriod))
}

// Pressure reports that the gateway pushed back (429, 503, Retry-After; retryAfter is 0 when
// the answer named no delay). This member stops granting at once for max(retryAfter,
// PressureBase); the report is then merged into the pool-wide record in the background so
// every member stops: the first report of an episode pauses the pool for
// max(retryAfter, PressureBase); a report after that pause ended (within PressureReset)
// doubles the pause, with jitter, up to PressureMax. Reports while the pool is already
// paused only extend it when their retryAfter reaches further. After a pause the rate ramps
// from RampFrom back to the full rate over RampPeriod.
func (l *Limiter) Pressure(retryAfter time.Duration) {
	if l.isClosed() {
		return
	}
	retryAfter = min(max(retryAfter, 0), l.opts.PressureMax)
	now := time.Now()
	l.mu.Lock()
	if until := now.Add(max(retryAfter, l.opts.PressureBase)); until.After(l.pressure.until) {
		l.pressure.until = until
		l.applyLocked(now)
	}
	l.pendingRA = max(l.pendingRA, retryAfter)
	l.mu.Unlock()
	l.metrics.pressureReports.Inc()
	select {
	case l.pressureC <- struct{}{}:
	default:
	}
}

// applyPressure takes a watched pool-wide record. Called with l.mu held.
func (l *Limiter) applyPressure(e jetstream.KeyValueEntry, now time.Time) {
	var rec pressureRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		l.log.Warn().Err(err).Msg("ignoring malformed pressure record")
		return
	}
	// A writer's clock far ahead must not stall the pool for longer than PressureMax.
	until := rec.Until
	if limit := now.Add(l.opts.PressureMax); until.After(limit) {
		until = limit
	}
	if until.After(l.pressure.until) {
		l.pressure.until = until
		if until.After(now) {
			l.log.Warn().Time("until", until).Int("level", rec.Level).Str("by", rec.By).Msg("gateway pressure: pool backing off")
		}
	}
}

// pressureLoop publishes local reports and steps the recovery ramp.
func (l *Limiter) pressureLoop() {
	defer l.loops.Done()
	step := max(l.opts.RampPeriod/20, 10*time.Millisecond)
	for {
		l.mu.Lock()
		now := time.Now()
		var tick <-chan time.Time
		var timer *time.Timer
		if l.pressure.ramping(now, l.opts) {
			wait := step
			if now.Before(l.pressure.until) {
				wait = l.pressure.until.Sub(now)
			}
			timer = time.NewTimer(wait)
			tick = timer.C
		}
		l.mu.Unlock()
		select {
		case <-l.done:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-l.pressureC:
			l.mu.Lock()
			ra := l.pendingRA
			l.pendingRA = 0
			l.mu.Unlock()
			if err := l.publishPressure(l.loopCtx, ra); err != nil && l.loopCtx.Err() == nil {
				l.log.Warn().Err(err).Msg("publish pressure failed; backing off locally only")
			}
		case <-tick:
			l.mu.Lock()
			l.applyLocked(time.Now())
			l.mu.Unlock()
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// publishPressure merges one report into the pool-wide record with compare-and-set.
func (l *Limiter) publishPressure(ctx context.Context, retryAfter time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for range 8 {
		var cur pressureRecord
		var rev uint64
		e, err := l.kv.Get(ctx, pressureKey)
		switch {
		case err == nil:
			rev = e.Revision()
			_ = json.Unmarshal(e.Value(), &cur) // a malformed record is replaced
		case errors.Is(err, jetstream.ErrKeyNotFound):
		default:
			return fmt.Errorf("ratelimit: read pressure: %w", err)
		}
		next, ok := nextPressure(cur, retryAfter, time.Now(), l.opts, l.opts.backoffAt)
		if !ok {
			return nil
		}
		next.By = l.opts.ID
		data, _ := json.Marshal(next) // plain struct: cannot fail
		if rev == 0 {
			_, err = l.kv.Create(ctx, pressureKey, data)
		} else {
			_, err = l.kv.Update(ctx, pressureKey, data, rev)
		}
		if err == nil || !errCAS(err) {
			if err != nil {
				return fmt.Errorf("ratelimit: write pressure: %w", err)
			}
			return nil
		}
	}
	return fmt.Errorf("ratelimit: write pressure: %w", jetstream.ErrKeyRevisionMismatch)
}

// nextPressure merges a report into the current record; false means the record already
// covers it. Pure, so the policy is testable without a server.
func nextPressure(cur pressureRecord, retryAfter time.Duration, now time.Time, o Options, backoffAt func(level int) time.Duration) (pressureRecord, bool) {
	retryAfter = min(max(retryAfter, 0), o.PressureMax)
	if now.Before(cur.Until) {
		// Same episode: requests in flight when the pause began report too; do not escalate.
		until := now.Add(retryAfter)
		if !until.After(cur.Until) {
			return cur, false
		}
		cur.Until, cur.RetryAfter, cur.At = until, retryAfter, now
		return cur, true
	}
	level := 1
	if !cur.Until.IsZero() && now.Sub(cur.Until) < o.PressureReset {
		level = cur.Level + 1
	}
	d := max(backoffAt(level), retryAfter)
	return pressureRecord{Until: now.Add(d), Level: level, RetryAfter: retryAfter, At: now}, true
}

// backoffAt is the jittered exponential pause for the level-th report of an episode.
func (o Options) backoffAt(level int) time.Duration {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     o.PressureBase,
		RandomizationFactor: 0.2,
		Multiplier:          2,
		MaxInterval:         o.PressureMax,
		MaxElapsedTime:      0,
		Stop:                backoff.Stop,
		Clock:               backoff.SystemClock,
	}
	b.Reset()
	d := o.PressureBase
	for range min(max(level, 1), 32) {
		d = b.NextBackOff()
	}
	return min(d, o.PressureMax)
}
