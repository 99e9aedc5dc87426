//go:build payrun_unsafe_testhook

package payout

import "os"

// unsafeSkipLookupEnv names the environment variable that, set to "1" in a binary built with
// the payrun_unsafe_testhook tag, switches lookupFirst (the guard of invariant I1) off: a payout
// whose outcome is unknown, or whose ledger entry was lost, is sent again without looking it up
// first, exactly the mistake the lookup prevents. It exists only so that cmd/worker's crash
// test can prove it detects duplicate payouts (its negative control). Production builds have
// no such tag, no such variable and no such path (unsafe_testhook_off.go).
const unsafeSkipLookupEnv = "UNSAFE_TESTHOOK_SKIP_LOOKUP"

// lookupSkipped reports whether the negative control's switch is on.
func lookupSkipped() bool { return os.Getenv(unsafeSkipLookupEnv) == "1" }
