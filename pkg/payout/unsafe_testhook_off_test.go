//go:build !payrun_unsafe_testhook

package payout

import (
	"testing"

	"github.com/rs/zerolog"
)

// TestUnsafeTestHookAbsentFromProductionBuilds (I1 at most one payout per row): without the
// payrun_unsafe_testhook build tag, the negative control's environment variable cannot make the
// classifier skip the lookup before a possible second send.
func TestUnsafeTestHookAbsentFromProductionBuilds(t *testing.T) {
	t.Setenv("UNSAFE_TESTHOOK_SKIP_LOOKUP", "1") // the name unsafe_testhook.go reads
	o := testOptions()
	c := newClassifier(o, zerolog.Nop())
	d := c.Decide(input{
		Event:    eventDelivery,
		Row:      rowID{BatchID: "b1", ClientOrderID: "o1", Line: 2},
		Entry:    &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0},
		Delivery: deliveryMeta{NumDelivered: 2, MaxDeliver: o.MaxDeliver},
		Now:      t0.Add(o.SettleDelay),
	})
	if d.Step != stepLookup || d.Next != nil {
		t.Fatalf("settled ambiguous payout: step %s (next %+v), want a lookup and no ledger change", d.Step, d.Next)
	}
}
