package payout_test

import (
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/payout"
)

// The classifier decides what a delivery may do from the ledger alone: a payout whose outcome
// is unknown is looked up after the settle delay, never simply sent again.
func ExampleClassifier_Decide() {
	opts := payout.DefaultOptions()
	c := payout.NewClassifier(opts, zerolog.Nop())
	sent := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	entry := &payout.Entry{State: payout.StateSubmitting, Attempts: 1, SubmittedAt: sent}
	row := payout.Row{BatchID: "2026-11-payroll", ClientOrderID: "emp-0042", Line: 43}

	early := c.Decide(payout.Input{Event: payout.EventDelivery, Row: row, Entry: entry, Now: sent.Add(10 * time.Second)})
	fmt.Println(early.Action, early.Delay, early.Reason)

	settled := c.Decide(payout.Input{Event: payout.EventDelivery, Row: row, Entry: entry, Now: sent.Add(opts.SettleDelay)})
	fmt.Println(settled.Step, settled.Reason)

	notFound := c.Decide(payout.Input{Event: payout.EventStatus, Row: row, Entry: entry, Outcome: payout.OutcomeNotFound, Now: sent.Add(opts.SettleDelay)})
	fmt.Println(notFound.Step, notFound.Next.Attempts, notFound.Reason)
	// Output:
	// nak_delay 20s attempt 1 outcome unknown (submitting): settling before the lookup
	// lookup settled (submitting): look the order up by client_orderid
	// submit 2 lookup: definite no such order: re-submit
}
