// Package testwait is the one way tests wait for something to happen: poll a condition with a
// deadline, never sleep for a guessed time.
package testwait

import (
	"testing"
	"time"
)

// Interval is how often Eventually polls.
const Interval = 5 * time.Millisecond

// Eventually polls cond every Interval until it holds, and fails tb (Fatal) naming what was
// awaited when it does not hold within the given time.
func Eventually(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(Interval)
	}
}
