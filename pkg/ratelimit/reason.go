package ratelimit

import "time"

// Reasons for the pool's effective rate: the reason label of payrun_ratelimit_rate_reason and
// the reason field of the "pool rate changed" log line. A new stop adds its constant here, to
// reasons, and a case to rateLocked.
const (
	// ReasonConfigured: the configured rate, nothing holds the pool back.
	ReasonConfigured = "configured"
	// ReasonCongested: the adaptive factor was lowered by a congested window (429/503 share).
	ReasonCongested = "congested"
	// ReasonRecovering: the factor is below 1 and rising with healthy windows.
	ReasonRecovering = "recovering"
	// ReasonRetryAfter: stopped until the gateway's Retry-After has passed.
	ReasonRetryAfter = "retry-after"
	// ReasonStorm: stopped by a storm of 429/503 answers, with growing pauses.
	ReasonStorm = "storm"
	// ReasonPaused: an operator paused the pool.
	ReasonPaused = "paused"
	// ReasonAuth: the gateway refused the pool's credentials (an auth stop, see AuthRefused).
	ReasonAuth = "auth"
)

// reasons lists every reason, for the metric's label values.
var reasons = []string{ReasonConfigured, ReasonCongested, ReasonRecovering, ReasonRetryAfter, ReasonStorm, ReasonPaused, ReasonAuth}

// rateLocked is the pool's effective rate (requests/s, all members together) at now and why.
// Called with l.mu held.
func (l *Limiter) rateLocked(now time.Time) (float64, string) {
	switch {
	case l.pause != nil && l.pause.kind() == PauseKindAuth:
		return 0, ReasonAuth
	case l.pause != nil:
		return 0, ReasonPaused
	case now.Before(l.pressure.until):
		return 0, l.pressure.reason
	case l.adaptive.Factor < 1 && l.adaptive.Verdict == verdictDecrease:
		return l.opts.Rate * l.adaptive.Factor, ReasonCongested
	case l.adaptive.Factor < 1:
		return l.opts.Rate * l.adaptive.Factor, ReasonRecovering
	}
	return l.opts.Rate, ReasonConfigured
}

// reportRateLocked writes the metrics and, when the rate or its reason changed, one log line.
// Called with l.mu held.
func (l *Limiter) reportRateLocked(now time.Time) {
	rate, reason := l.rateLocked(now)
	l.metrics.setRate(rate, reason)
	if rate == l.lastRate && reason == l.lastReason {
		return
	}
	ev := l.log.Info()
	if rate < l.lastRate {
		ev = l.log.Warn()
	}
	ev = ev.Float64("rate_per_second", rate).Float64("configured_per_second", l.opts.Rate).
		Float64("factor", l.adaptive.Factor).Str("reason", reason).Str("previous_reason", l.lastReason)
	if reason == ReasonRetryAfter || reason == ReasonStorm {
		ev = ev.Time("until", l.pressure.until).Int("storm_level", l.pressure.level)
	}
	ev.Msg("pool rate changed")
	l.lastRate, l.lastReason = rate, reason
}
