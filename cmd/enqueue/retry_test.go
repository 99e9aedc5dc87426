package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// `enqueue --retry BATCH FILE` puts back the row the ledger proves was never sent and lists every
// other row with its reason; a batch still running is refused (exit 3).
//
// Protects I5 (a row written off on proof that nothing left can be put back) and I1.
func TestCLIRetry(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	env := natsEnv(srv)
	enqueue(t, env, "", "--batch", "nov-retry", "testdata/good.csv").expect(t, 0, []string{"enqueued:   5"}, nil)
	enqueue(t, env, "", "--retry", "nov-retry", "testdata/good.csv").expect(t, 3, nil, []string{"batch is still running"})

	ctx := context.Background()
	names := queue.DefaultNames()
	ledger, err := js.KeyValue(ctx, names.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	batches, err := js.KeyValue(ctx, names.BatchesBucket)
	if err != nil {
		t.Fatal(err)
	}
	rows := []string{"pr-2026-11-0001", "pr-2026-11-0002", "pr-2026-11-0003", "pr-2026-11-0004", "pr-2026-11-0005"}
	for i, coid := range rows {
		en := payout.Entry{Version: payout.EntryVersion, BatchID: "nov-retry", ClientOrderID: coid, State: payout.StateReported,
			Attempts: 1, OrderID: "P" + coid, Result: job.StatusApproved}
		if i == 0 {
			en = payout.Entry{Version: payout.EntryVersion, BatchID: "nov-retry", ClientOrderID: coid, State: payout.StateReported,
				Attempts: 1, Result: job.StatusError, ErrorCode: job.CodeDeadLetter, DeadLetter: "failures 10 reached max_failures 10"}
		}
		b, _ := json.Marshal(en)
		if _, err := ledger.Put(ctx, names.LedgerKey("nov-retry", coid), b); err != nil {
			t.Fatal(err)
		}
	}
	kve, err := batches.Get(ctx, names.BatchKey("nov-retry"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(kve.Value(), &m); err != nil {
		t.Fatal(err)
	}
	m["state"], m["summary_published_at"] = "completed", time.Now().UTC()
	b, _ := json.Marshal(m)
	if _, err := batches.Update(ctx, names.BatchKey("nov-retry"), b, kve.Revision()); err != nil {
		t.Fatal(err)
	}
	r := enqueue(t, env, "", "--retry", "nov-retry", "testdata/good.csv")
	r.expect(t, 0, []string{`client_orderid "pr-2026-11-0001" put back (generation 1)`, "batch nov-retry: 1 rows put back, 4 refused"},
		[]string{`client_orderid "pr-2026-11-0002" not put back: result approved`})
	got, err := ledger.Get(ctx, names.LedgerKey("nov-retry", rows[0]))
	if err != nil {
		t.Fatal(err)
	}
	var en payout.Entry
	if err := json.Unmarshal(got.Value(), &en); err != nil || en.State != payout.StatePendingRetry || en.Generation != 1 {
		t.Fatalf("ledger of the put-back row %+v, %v", en, err)
	}
	st, err := js.Stream(ctx, names.JobStream)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := st.GetLastMsgForSubject(ctx, names.JobSubject("nov-retry"))
	if err != nil {
		t.Fatal(err)
	}
	if id := msg.Header.Get(jetstream.MsgIDHeader); id != names.JobMsgID("nov-retry", rows[0])+":r1" {
		t.Fatalf("put-back job msg id %q", id)
	}
}
