//go:build payrun_unsafe_testhook

package payout

import (
	"os"
	"time"

	"github.com/rs/zerolog"
)

// unsafeSkipLookupEnv names the environment variable that, set to "1" in a binary built with
// the payrun_unsafe_testhook tag, makes the classifier re-send a payout whose outcome is unknown
// without looking it up first: exactly the mistake the lookup prevents. It exists only so that
// cmd/worker's crash test can prove it detects duplicate payouts (its negative control).
// Production builds have no such tag, no such variable and no such path (unsafe_testhook_off.go).
const unsafeSkipLookupEnv = "UNSAFE_TESTHOOK_SKIP_LOOKUP"

// unsafeResendWithoutLookup is the negative control's switch, asked where the classifier has
// decided that a submitting entry's settle time is over and the order must be looked up before
// anything else is sent. With the switch on it returns a re-send instead.
func unsafeResendWithoutLookup(e *Entry, now time.Time) (Decision, bool) {
	if os.Getenv(unsafeSkipLookupEnv) != "1" {
		return Decision{}, false
	}
	next := *e
	next.Attempts, next.SubmittedAt, next.Ambiguous, next.Resent = e.Attempts+1, now, false, true
	next.Reason = "UNSAFE TEST HOOK: outcome unknown, re-sent without a lookup"
	return Decision{Step: StepSubmit, Next: &next, Reason: next.Reason, Level: zerolog.ErrorLevel}, true
}
