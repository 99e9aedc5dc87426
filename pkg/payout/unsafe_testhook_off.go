//go:build !payrun_unsafe_testhook

package payout

// lookupSkipped is the crash test's negative-control switch (unsafe_testhook.go, built only
// with the payrun_unsafe_testhook tag). In every other build it is off: the lookup before a
// possible second send cannot be skipped.
func lookupSkipped() bool { return false }
