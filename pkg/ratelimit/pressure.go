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

// What the pool does with the gateway's answers (docs/ratelimit.md has the table):
//
//   - every answer is counted in this member's current window; closed windows are merged
//     into the pool-wide adaptive factor (adaptive.go);
//   - a Retry-After stops the whole pool until it has passed, exactly, without escalating;
//   - a storm (StormAnswers pressure answers in a row at one member, no other answer between)
//     stops the pool with pauses that double per level (PressureBase … PressureMax);
//   - a single 429/503 without Retry-After only counts.

// pressureRecord is the pool-wide "no request before Until" record under pressureKey.
type pressureRecord struct {
	Until      time.Time     `json:"until"`
	Level      int           `json:"level"`  // storm level: 1 for an episode's first storm pause, +1 per escalation; 0 none
	Reason     string        `json:"reason"` // ReasonRetryAfter or ReasonStorm
	RetryAfter time.Duration `json:"retry_after_ns"`
	By         string        `json:"by"`
	At         time.Time     `json:"at"`
}

// pressureState is this member's view of the pool's pressure stop.
type pressureState struct {
	until  time.Time
	reason string
	level  int
}

// pressureReport is what a member still has to merge into the pool's record.
type pressureReport struct {
	retryAfter time.Duration
	storm      bool
}

// windowVerdict is a closed window's verdict still to merge into the pool's factor.
type windowVerdict struct {
	window  int64
	verdict verdict
}

// Pressure reports a 429 or 503 answer (retryAfter is 0 when the answer named no delay). It
// counts in the adaptive rate's current window. With a Retry-After the whole pool stops until
// it has passed (this member at once, the others through the bucket within milliseconds). The
// StormAnswers-th pressure answer in a row at this member (no other answer between) is a
// storm: the pool stops for PressureBase, doubling (with jitter) per storm while the episode
// lasts, up to PressureMax, and never shorter than the Retry-After.
func (l *Limiter) Pressure(retryAfter time.Duration) {
	if l.isClosed() {
		return
	}
	retryAfter = min(max(retryAfter, 0), l.opts.MaxRetryAfter)
	now := time.Now()
	l.mu.Lock()
	l.countLocked(now, true)
	l.streak++
	storm := l.streak >= l.opts.StormAnswers
	stop, reason := retryAfter, ReasonRetryAfter
	if storm {
		stop, reason = max(stop, l.opts.PressureBase), ReasonStorm
	}
	if stop > 0 {
		if until := now.Add(stop); until.After(l.pressure.until) {
			l.pressure.until, l.pressure.reason = until, reason
			l.applyLocked(now)
		}
		l.report.retryAfter = max(l.report.retryAfter, retryAfter)
		l.report.storm = l.report.storm || storm
		l.reported = true
	}
	l.mu.Unlock()
	l.metrics.answers.WithLabelValues("pressure").Inc()
	if stop > 0 {
		l.metrics.pressureReports.Inc()
	}
	l.kickPressure()
}

// Answered reports a gateway answer that is not pressure (anything but 429 and 503: 200,
// 4xx, 500, 502, 504, ...). It counts in the adaptive rate's current window and ends a storm
// streak. Requests that got no answer (timeouts, resets) are reported neither way.
func (l *Limiter) Answered() {
	if l.isClosed() {
		return
	}
	l.mu.Lock()
	l.countLocked(time.Now(), false)
	l.streak = 0
	l.mu.Unlock()
	l.metrics.answers.WithLabelValues("other").Inc()
	l.kickPressure()
}

func (l *Limiter) kickPressure() {
	select {
	case l.pressureC <- struct{}{}:
	default:
	}
}

// countLocked adds one answer to the current window, closing the previous one first.
func (l *Limiter) countLocked(now time.Time, pressure bool) {
	l.rollWindowLocked(now)
	l.win.answers++
	if pressure {
		l.win.pressure++
	}
}

// rollWindowLocked closes the counted window once now is past it, queueing its verdict.
func (l *Limiter) rollWindowLocked(now time.Time) {
	k := l.opts.windowOf(now)
	if k == l.winIdx {
		return
	}
	if v := l.opts.verdict(l.win); v != verdictHold {
		l.verdicts = append(l.verdicts, windowVerdict{window: l.winIdx, verdict: v})
	}
	l.win, l.winIdx = windowCount{}, k
}

// applyPressure takes a watched pool-wide pressure record. Called with l.mu held.
func (l *Limiter) applyPressure(e jetstream.KeyValueEntry, now time.Time) {
	var rec pressureRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		l.log.Warn().Err(err).Msg("ignoring malformed pressure record")
		return
	}
	// A writer's clock far ahead must not stall the pool for longer than the longest stop.
	until := rec.Until
	if limit := now.Add(max(l.opts.PressureMax, l.opts.MaxRetryAfter)); until.After(limit) {
		until = limit
	}
	l.pressure.level = rec.Level
	if until.After(l.pressure.until) {
		l.pressure.until, l.pressure.reason = until, rec.Reason
	}
}

// applyAdaptive takes a watched pool-wide adaptive record. Called with l.mu held.
func (l *Limiter) applyAdaptive(e jetstream.KeyValueEntry, removed bool) {
	if removed {
		l.adaptive = adaptiveRecord{Factor: 1, Verdict: verdictHold}
		return
	}
	var rec adaptiveRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil || !(rec.Factor > 0 && rec.Factor <= 1) {
		l.log.Warn().Str("value", string(e.Value())).Msg("ignoring malformed adaptive record")
		return
	}
	rec.Factor = max(rec.Factor, l.opts.MinFactor)
	l.adaptive = rec
}

// pressureLoop closes windows on time, publishes reports and verdicts, and re-applies the
// state when a stop ends (for the metrics and the log line).
func (l *Limiter) pressureLoop() {
	defer l.loops.Done()
	for {
		l.mu.Lock()
		now := time.Now()
		l.rollWindowLocked(now)
		rep, reported := l.report, l.reported
		l.report, l.reported = pressureReport{}, false
		verdicts := l.verdicts
		l.verdicts = nil
		var wake time.Duration = -1
		if l.win.answers > 0 { // close the window when it ends, answers or not
			wake = time.Duration((l.winIdx+1)*int64(l.opts.Window) - now.UnixNano())
		}
		if d := l.pressure.until.Sub(now); d > 0 && (wake < 0 || d < wake) {
			wake = d
		}
		l.applyLocked(now)
		l.mu.Unlock()

		if reported {
			if err := l.publishPressure(l.loopCtx, rep); err != nil && l.loopCtx.Err() == nil {
				l.log.Warn().Err(err).Msg("publish pressure failed; stopping locally only")
			}
		}
		for _, wv := range verdicts {
			if err := l.publishVerdict(l.loopCtx, wv); err != nil && l.loopCtx.Err() == nil {
				l.log.Warn().Err(err).Msg("publish rate verdict failed")
			}
		}

		var timer *time.Timer
		var tick <-chan time.Time
		if wake >= 0 {
			timer = time.NewTimer(wake + time.Millisecond)
			tick = timer.C
		}
		select {
		case <-l.done:
		case <-l.pressureC:
		case <-tick:
		}
		if timer != nil {
			timer.Stop()
		}
		if l.isClosed() {
			return
		}
	}
}

// casUpdate merges into the record under key with compare-and-set, retrying lost races:
// merge gets the current value (nil when there is none) and returns the new one, or false
// when nothing is to be written.
func (l *Limiter) casUpdate(ctx context.Context, key string, merge func(cur []byte) ([]byte, bool)) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for range 8 {
		var cur []byte
		var rev uint64
		e, err := l.kv.Get(ctx, key)
		switch {
		case err == nil:
			cur, rev = e.Value(), e.Revision()
		case errors.Is(err, jetstream.ErrKeyNotFound):
		default:
			return fmt.Errorf("ratelimit: read %s: %w", key, err)
		}
		data, ok := merge(cur)
		if !ok {
			return nil
		}
		if rev == 0 {
			_, err = l.kv.Create(ctx, key, data)
		} else {
			_, err = l.kv.Update(ctx, key, data, rev)
		}
		if err == nil {
			return nil
		}
		if !errCAS(err) {
			return fmt.Errorf("ratelimit: write %s: %w", key, err)
		}
	}
	return fmt.Errorf("ratelimit: write %s: %w", key, jetstream.ErrKeyRevisionMismatch)
}

// publishPressure merges one member's report into the pool-wide stop record.
func (l *Limiter) publishPressure(ctx context.Context, rep pressureReport) error {
	return l.casUpdate(ctx, pressureKey, func(data []byte) ([]byte, bool) {
		var cur pressureRecord
		if data != nil {
			_ = json.Unmarshal(data, &cur) // a malformed record is replaced
		}
		next, ok := nextPressure(cur, rep, time.Now(), l.opts, l.opts.backoffAt)
		if !ok {
			return nil, false
		}
		next.By = l.opts.ID
		out, _ := json.Marshal(next) // plain struct: cannot fail
		return out, true
	})
}

// publishVerdict merges one closed window's verdict into the pool-wide factor.
func (l *Limiter) publishVerdict(ctx context.Context, wv windowVerdict) error {
	return l.casUpdate(ctx, adaptiveKey, func(data []byte) ([]byte, bool) {
		var cur adaptiveRecord
		exists := data != nil && json.Unmarshal(data, &cur) == nil
		next, ok := nextAdaptive(cur, exists, wv.window, wv.verdict, l.opts)
		if !ok {
			return nil, false
		}
		next.By, next.At = l.opts.ID, time.Now().UTC()
		out, _ := json.Marshal(next) // plain struct: cannot fail
		return out, true
	})
}

// nextPressure merges a report into the current record; false means the record already
// covers it. Pure, so the policy is testable without a server.
func nextPressure(cur pressureRecord, rep pressureReport, now time.Time, o Options, backoffAt func(level int) time.Duration) (pressureRecord, bool) {
	retryAfter := min(max(rep.retryAfter, 0), o.MaxRetryAfter)
	if now.Before(cur.Until) {
		// Already stopped: answers to requests sent before the stop arrive now; they only
		// extend it when their Retry-After reaches further, and never escalate.
		until := now.Add(retryAfter)
		if !until.After(cur.Until) {
			return cur, false
		}
		cur.Until, cur.RetryAfter, cur.At, cur.Reason = until, retryAfter, now, ReasonRetryAfter
		return cur, true
	}
	level := cur.Level
	if cur.Until.IsZero() || now.Sub(cur.Until) >= o.PressureReset {
		level = 0 // a new episode
	}
	if !rep.storm {
		if retryAfter == 0 {
			return cur, false
		}
		// Retry-After alone: exactly that long, keeping the episode's storm level.
		return pressureRecord{Until: now.Add(retryAfter), Level: level, Reason: ReasonRetryAfter, RetryAfter: retryAfter, At: now}, true
	}
	level++
	return pressureRecord{Until: now.Add(max(backoffAt(level), retryAfter)), Level: level, Reason: ReasonStorm, RetryAfter: retryAfter, At: now}, true
}

// backoffAt is the jittered exponential pause for the level-th storm of an episode.
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
