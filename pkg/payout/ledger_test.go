package payout

import (
	"context"
	"testing"
	"time"
)

// TestEntryProvenUnsent protects I5 (a row ends without the gateway's answer only on proof that
// no request left, and only such a row may be put back): the predicate holds exactly when every
// counted attempt was answered "not sent" and the gateway never named the order.
func TestEntryProvenUnsent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		e    Entry
		want bool
	}{
		{"dead-lettered before any attempt", Entry{State: StateFinal}, true},
		{"every attempt not sent", Entry{State: StatePendingRetry, Attempts: 3, NotSent: 3, Failures: 2}, true},
		{"one attempt may have left", Entry{State: StatePendingRetry, Attempts: 3, NotSent: 2}, false},
		{"request in flight", Entry{State: StateSubmitting, Attempts: 1}, false},
		{"rejected by validation: it left", Entry{State: StateFinal, Attempts: 1}, false},
		{"legacy entry without not_sent", Entry{State: StatePendingRetry, Attempts: 1}, false},
		{"order named by a callback", Entry{State: StatePendingRetry, Attempts: 1, NotSent: 1, OrderID: "P1"}, false},
		{"status seen", Entry{State: StateFinal, Attempts: 1, NotSent: 1, LastStatus: "approved"}, false},
		{"accepted", Entry{State: StateAccepted, AcceptedAt: t0}, false},
		{"lost entry proves nothing", Entry{State: StateLost, Lost: LostMissing}, false},
		{"tombstone proves nothing", Entry{State: StateLost, Lost: LostDeleted}, false},
	}
	for _, c := range cases {
		if got := c.e.ProvenUnsent(); got != c.want {
			t.Errorf("%s: ProvenUnsent() = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestLedgerGetTombstone protects I1 (at most one payout per row): a deleted or purged ledger
// key is read as a tombstone (StateLost, LostDeleted) that the next write updates, never as a
// key that does not exist (which the KV API reports for both).
func TestLedgerGetTombstone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, op := range []string{"delete", "purge"} {
		key := e.names.LedgerKey("b1", "o-"+op)
		if en, _, err := e.m.ledger.Get(ctx, key); err != nil || en != nil {
			t.Fatalf("%s: never written: %+v, %v; want nil, nil", op, en, err)
		}
		if _, err := e.m.ledger.Put(ctx, key, &Entry{State: StateSubmitting, Attempts: 1}, 0); err != nil {
			t.Fatal(err)
		}
		var err error
		if op == "delete" {
			err = e.h.Ledger.Delete(ctx, key)
		} else {
			err = e.h.Ledger.Purge(ctx, key)
		}
		if err != nil {
			t.Fatal(err)
		}
		en, rev, err := e.m.ledger.Get(ctx, key)
		if err != nil || en == nil || en.State != StateLost || en.Lost != LostDeleted || rev == 0 {
			t.Fatalf("%s: Get = %+v, rev %d, %v; want a lost/deleted entry with the marker's revision", op, en, rev, err)
		}
		if _, err := e.m.ledger.Put(ctx, key, &Entry{State: StateFinal}, 0); err == nil {
			t.Errorf("%s: Create over a tombstone succeeded: a lost row would look new", op)
		}
		if _, err := e.m.ledger.Put(ctx, key, &Entry{State: StateFinal}, rev); err != nil {
			t.Errorf("%s: Update over the tombstone's revision: %v", op, err)
		}
	}
}
