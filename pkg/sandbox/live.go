package sandbox

import (
	"sync"
	"time"
)

// liveFaults are the faults a test changes while the sandbox runs (ThrottleFor, SetLatency);
// they start from Options.Faults.
type liveFaults struct {
	mu            sync.Mutex
	latency       time.Duration
	throttleUntil time.Time
	retryAfter    time.Duration
}

// ThrottleFor answers every API request that arrives during the next d with 429, before
// anything is committed: a gateway in a throttling storm. A retryAfter > 0 is sent as
// Retry-After (whole seconds, rounded up); 0 sends none. Such answers count as
// FaultThrottleWindow. A later call replaces the window.
func (s *Server) ThrottleFor(d, retryAfter time.Duration) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.live.throttleUntil, s.live.retryAfter = s.opts.Clock.Now().Add(d), retryAfter
}

// SetLatency replaces Faults.Latency for the requests that arrive from now on (0: none).
func (s *Server) SetLatency(d time.Duration) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.live.latency = max(d, 0)
}

// Arrivals returns the arrival times of the API requests kept for MaxRequestsIn, oldest first.
func (s *Server) Arrivals() []time.Time { return s.stats.sortedArrivals() }

func (s *Server) latency() time.Duration {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	return s.live.latency
}

// throttling returns the Retry-After of the ThrottleFor window that holds now, if any.
func (s *Server) throttling(now time.Time) (time.Duration, bool) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	return s.live.retryAfter, now.Before(s.live.throttleUntil)
}

// enter and leave track the API requests being handled at once (Stats.InFlight, MaxInFlight).
func (c *counters) enter() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.InFlight++
	c.s.MaxInFlight = max(c.s.MaxInFlight, c.s.InFlight)
}

func (c *counters) leave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.InFlight--
}
