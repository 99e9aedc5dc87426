package config

// RateLimit's keys: a rate of 0 or more, a heartbeat a worker may miss once, and the pressure
// tuning's windows, fractions and storm pauses.
func (r RateLimit) validate() problems {
	var p problems
	if r.Rate < 0 {
		p.add("ratelimit.rate", "must be >= 0 (0 turns the limit off)")
	}
	if r.StatusRate < 0 {
		p.add("ratelimit.status_rate", "must be >= 0 (0: status calls share ratelimit.rate)")
	}
	if r.Burst < 1 {
		p.add("ratelimit.burst", "must be >= 1")
	}
	p.positive("ratelimit.heartbeat", r.Heartbeat)
	if r.DeadAfter < 2*r.Heartbeat {
		p.add("ratelimit.dead_after", "must be at least twice ratelimit.heartbeat (%s): one late heartbeat must not count a worker dead", r.Heartbeat)
	}
	pr := r.Pressure
	p.positive("ratelimit.pressure.window", pr.Window)
	p.fraction("ratelimit.pressure.congested_share", pr.CongestedShare, true)
	p.fraction("ratelimit.pressure.decrease", pr.Decrease, false)
	p.fraction("ratelimit.pressure.increase", pr.Increase, true)
	p.fraction("ratelimit.pressure.min_factor", pr.MinFactor, true)
	if pr.CongestedMin < 1 {
		p.add("ratelimit.pressure.congested_min", "must be >= 1")
	}
	if pr.StormAnswers < 1 {
		p.add("ratelimit.pressure.storm_answers", "must be >= 1")
	}
	p.positive("ratelimit.pressure.storm_pause", pr.StormPause)
	if pr.StormPauseMax < pr.StormPause {
		p.add("ratelimit.pressure.storm_pause_max", "must be at least ratelimit.pressure.storm_pause (%s)", pr.StormPause)
	}
	p.positive("ratelimit.pressure.storm_reset", pr.StormReset)
	if pr.MaxRetryAfter < pr.StormPause {
		p.add("ratelimit.pressure.max_retry_after", "must be at least ratelimit.pressure.storm_pause (%s)", pr.StormPause)
	}
	return p
}

// fraction checks that v is in (0, 1), or (0, 1] when upTo1.
func (p *problems) fraction(key string, v float64, upTo1 bool) {
	if !(v > 0 && (v < 1 || upTo1 && v == 1)) {
		bound := "1)"
		if upTo1 {
			bound = "1]"
		}
		p.add(key, "must be in (0, %s, got %v", bound, v)
	}
}
