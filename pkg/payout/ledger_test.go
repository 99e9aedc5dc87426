package payout

import (
	"context"
	"testing"
	"time"
)

// TestLedgerGetTombstone protects I1 (at most one payout per row): a deleted or purged ledger
// key is read as a tombstone (StateLost, lostDeletedEntry) that the next write updates, never as a
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
		if err != nil || en == nil || en.State != StateLost || en.Lost != lostDeletedEntry || rev == 0 {
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
