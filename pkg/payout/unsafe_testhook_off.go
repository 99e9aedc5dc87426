//go:build !payrun_unsafe_testhook

package payout

import "time"

// unsafeResendWithoutLookup is the crash test's negative-control switch (unsafe_testhook.go,
// built only with the payrun_unsafe_testhook tag). In every other build it never fires: the
// lookup before a possible second send cannot be skipped.
func unsafeResendWithoutLookup(*Entry, time.Time) (Decision, bool) { return Decision{}, false }
