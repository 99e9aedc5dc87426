//go:build !payrun_nolookup

package payout

// lookupBeforeSend switches lookupFirst, the guard of invariant I1, on. Only a build with the
// payrun_nolookup tag (guard_off.go: the crash test's negative control) switches it off.
const lookupBeforeSend = true
