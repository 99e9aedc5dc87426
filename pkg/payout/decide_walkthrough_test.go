package payout

import (
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// The classifier decides what a delivery may do from the ledger alone: a payout whose outcome
// is unknown is looked up after the settle delay, never simply sent again.
func TestDecideWalkthroughUnknownOutcome(t *testing.T) {
	t.Parallel()
	opts := DefaultOptions()
	c := newClassifier(opts, zerolog.Nop())
	sent := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	entry := &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: sent}
	row := rowID{BatchID: "2026-11-payroll", ClientOrderID: "emp-0042", Line: 43}

	early := c.Decide(input{Event: eventDelivery, Row: row, Entry: entry, Now: sent.Add(10 * time.Second)})
	settled := c.Decide(input{Event: eventDelivery, Row: row, Entry: entry, Now: sent.Add(opts.SettleDelay)})
	notFound := c.Decide(input{Event: eventStatus, Row: row, Entry: entry, Outcome: outcomeNotFound, Now: sent.Add(opts.SettleDelay)})
	for _, tt := range []struct{ got, want string }{
		{fmt.Sprint(early.Action, " ", early.Delay, " ", early.Reason), "nak_delay 20s attempt 1 outcome unknown (submitting): settling before the lookup"},
		{fmt.Sprint(settled.Step, " ", settled.Reason), "lookup settled (submitting): look the order up by client_orderid"},
		{fmt.Sprint(notFound.Step, " ", notFound.Next.Attempts, " ", notFound.Reason), "submit 2 lookup: definite no such order: re-submit"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
