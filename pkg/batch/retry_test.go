package batch_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
)

// putEntry writes a row's ledger entry as the worker leaves it.
func putEntry(t *testing.T, e env, batchID, coid string, en payout.Entry) {
	t.Helper()
	en.Version, en.BatchID, en.ClientOrderID = payout.EntryVersion, batchID, coid
	b, err := json.Marshal(en)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.Ledger.Put(context.Background(), queue.DefaultNames().LedgerKey(batchID, coid), b); err != nil {
		t.Fatal(err)
	}
}

func completeManifest(t *testing.T, e env, batchID string) {
	t.Helper()
	ctx := context.Background()
	kve, err := e.h.Batches.Get(ctx, queue.Token(batchID))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(kve.Value(), &m); err != nil {
		t.Fatal(err)
	}
	m["state"], m["summary_published_at"] = "completed", time.Now().UTC()
	b, _ := json.Marshal(m)
	if _, err := e.h.Batches.Update(ctx, queue.Token(batchID), b, kve.Revision()); err != nil {
		t.Fatal(err)
	}
}

// `enqueue --retry` puts back exactly the rows whose ledger proves that no payout request ever
// left (written off as error/DEAD_LETTER before any request reached the gateway): their ledger
// entry becomes pending_retry with the next retry generation, their job is published again under
// a generation's msg id, and their client_orderid stays reserved. Every other row is refused
// with its reason; a second run puts back nothing new and publishes no duplicate.
//
// Protects I5 (a row ends only on the gateway's answer or on proof nothing left, and such a row
// can be put back) and I1 (no row that may have been paid is ever put back).
func TestRetryPutsBackOnlyProvenUnsentRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const id = "RETRY-1"
	csv := csvRows("rt", 0, 6)
	in := stringInput("rt.csv", csv)
	en := e.enqueuer(t, batch.Options{})
	if _, err := en.Enqueue(context.Background(), in, plan(t, in, id)); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	dead := payout.Entry{State: payout.StateReported, Attempts: 1, Failures: 10, Result: job.StatusError,
		ErrorCode: job.CodeDeadLetter, DeadLetter: "failures 10 reached max_failures 10", FinishedAt: at, ReportedAt: at}
	putEntry(t, e, id, "rt-0", dead)
	neverTried := dead
	neverTried.Attempts = 0
	putEntry(t, e, id, "rt-1", neverTried)
	paid := payout.Entry{State: payout.StateReported, Attempts: 1, OrderID: "P1", Result: job.StatusApproved}
	putEntry(t, e, id, "rt-2", paid)
	mayHavePaid := payout.Entry{State: payout.StateReported, Attempts: 1, Result: job.StatusUnresolved, DeadLetter: "x"}
	putEntry(t, e, id, "rt-3", mayHavePaid)
	refused := payout.Entry{State: payout.StateReported, Attempts: 1, Refused: true, Result: job.StatusError, ErrorCode: "E2"}
	putEntry(t, e, id, "rt-4", refused)
	resentThenDead := dead
	resentThenDead.Resent, resentThenDead.Attempts = true, 2
	putEntry(t, e, id, "rt-5", resentThenDead)

	// A batch still running is refused as a whole.
	if _, err := en.Retry(context.Background(), in, plan(t, in, id)); !errors.Is(err, batch.ErrBatchRunning) {
		t.Fatalf("retry of a running batch: %v, want ErrBatchRunning", err)
	}
	completeManifest(t, e, id)
	before, _ := jobsInStream(t, e, id)
	rep, err := en.Retry(context.Background(), in, plan(t, in, id))
	if err != nil {
		t.Fatal(err)
	}
	put := map[string]int{}
	for _, r := range rep.PutBack {
		put[r.ClientOrderID] = r.Generation
	}
	if len(put) != 2 || put["rt-0"] != 1 || put["rt-1"] != 1 {
		t.Fatalf("put back %+v, want rt-0 and rt-1 at generation 1", rep.PutBack)
	}
	refusedWhy := map[string]string{}
	for _, r := range rep.Refused {
		refusedWhy[r.ClientOrderID] = r.Reason
	}
	for coid, want := range map[string]string{"rt-2": "approved", "rt-3": "may exist", "rt-4": "reached the gateway", "rt-5": "reached the gateway"} {
		if !strings.Contains(refusedWhy[coid], want) {
			t.Errorf("%s refused with %q, want a reason saying %q", coid, refusedWhy[coid], want)
		}
	}
	if len(rep.Refused) != 4 {
		t.Errorf("refused %+v, want 4 rows", rep.Refused)
	}
	for coid := range put {
		kve, err := e.h.Ledger.Get(context.Background(), queue.DefaultNames().LedgerKey(id, coid))
		if err != nil {
			t.Fatal(err)
		}
		var got payout.Entry
		if err := json.Unmarshal(kve.Value(), &got); err != nil {
			t.Fatal(err)
		}
		if got.State != payout.StatePendingRetry || got.Generation != 1 || got.Result != "" || got.DeadLetter != "" || got.Failures != 0 {
			t.Errorf("%s ledger after retry %+v, want pending_retry generation 1, no result", coid, got)
		}
		if owner := reservation(t, e, coid); owner.BatchID != id {
			t.Errorf("%s reservation %+v: want kept for %s", coid, owner, id)
		}
	}
	if m := manifest(t, e, id); m.State != batch.StateRetrying || m.SummaryGeneration != 1 || m.RetryRows != 2 || m.RetryBase != 0 {
		t.Fatalf("manifest after retry %+v, want retrying, summary generation 1, 2 rows put back on 0 results", m)
	}
	after, ids := jobsInStream(t, e, id)
	if after != before+2 || ids["rt-0"] != 2 || ids["rt-1"] != 2 {
		t.Fatalf("jobs %d -> %d, ids %v: want the two rows published once more under generation ids", before, after, ids)
	}
	// Run again: nothing new is put back; the put-back rows' jobs are not duplicated.
	rep2, err := en.Retry(context.Background(), in, plan(t, in, id))
	if err != nil {
		t.Fatal(err)
	}
	if m := manifest(t, e, id); m.SummaryGeneration != 1 || m.RetryRows != 2 {
		t.Fatalf("a second run changed the summary generation: %+v", m)
	}
	if again, _ := jobsInStream(t, e, id); again != after || len(rep2.PutBack) != 2 {
		t.Fatalf("second run: jobs %d -> %d, put back %+v", after, again, rep2.PutBack)
	}
	for _, r := range rep2.PutBack {
		if r.Generation != 1 {
			t.Fatalf("second run moved %s to generation %d", r.ClientOrderID, r.Generation)
		}
	}
}
