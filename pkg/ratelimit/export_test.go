package ratelimit

import "time"

// WithGrantHook makes the limiter call f at the moment it consumes each token (under the
// lane's lock), before the waiter wakes: the limiter's decisions without scheduling noise.
func WithGrantHook(o Options, f func(time.Time)) Options {
	o.onGrant = f
	return o
}

// StopHeartbeats simulates a member that died without Close: it stops refreshing its record
// but keeps its goroutines, so it must fence itself and the others must count it dead.
func (l *Limiter) StopHeartbeats() { l.beatsOff.Store(true) }

// Queued is the number of waiters queued in the lane of kind.
func (l *Limiter) Queued(kind string) int {
	ln := l.lanes[kind]
	if ln == nil {
		ln = l.dflt
	}
	ln.mu.Lock()
	defer ln.mu.Unlock()
	return ln.queued
}
