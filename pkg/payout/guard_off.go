//go:build payrun_nolookup

package payout

// lookupBeforeSend is false in builds with the payrun_nolookup tag: a payout whose outcome is
// unknown, or whose ledger entry was lost, is sent again without looking the order up. It
// exists only for the crash test's negative control, which must then find double payouts;
// never build a worker with this tag.
const lookupBeforeSend = false
