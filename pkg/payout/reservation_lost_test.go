package payout

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// recordChunk stores enqueue's record of a chunk holding jobs (queue.RowRecord).
func (e *env) recordChunk(batch string, chunk int, jobs ...job.Job) {
	e.t.Helper()
	var hs [][]byte
	for _, j := range jobs {
		hs = append(hs, queue.RowHash(j.ClientOrderID, job.ContentDigest(batch, j)))
	}
	b, _ := json.Marshal(queue.NewRowRecord(batch, chunk, hs))
	if _, err := e.h.Batches.Put(context.Background(), e.names.RowsKey(batch, chunk), b); err != nil {
		e.t.Fatal(err)
	}
}

// A row whose client_orderid reservation was lost with broker data (a delete or purge marker, or
// no key at all) while its batch's manifest remains is never sent: its job's content cannot be
// checked. When enqueue's chunk record (or the row's ledger entry) vouches for it, the order is
// looked up by client_orderid and followed: the row ends with the gateway's status, or, when the
// gateway shows no order, `unresolved` with RESERVATION_LOST — either way one result, so the
// batch gets its summary. A job nothing vouches for (another content, or a row enqueue never
// recorded) is dead-lettered only: no ledger entry, no result, no gateway call.
//
// Protects I2 (every accepted row gets exactly one final result) and I1 (never sent without the
// reservation binding its content).
func TestLostReservationLooksUpAndNeverSends(t *testing.T) {
	t.Parallel()
	const batch, coid = "RESLOST", "rl-1"
	real := testJob(coid, 2)
	for _, tc := range []struct {
		name       string
		purge      bool // purge instead of delete
		entry      *Entry
		orderFound bool
		deliver    job.Job
		record     bool
		want       job.Status
		code       string
	}{
		{name: "order exists: followed to its status", orderFound: true, deliver: real, record: true, want: job.StatusApproved},
		{name: "purged, order exists", purge: true, orderFound: true, deliver: real, record: true, want: job.StatusApproved},
		{name: "no order: unresolved, never sent", deliver: real, record: true, want: job.StatusUnresolved, code: job.CodeReservationLost},
		{name: "pending_retry, no chunk record: the ledger vouches", entry: &Entry{State: StatePendingRetry, Attempts: 1, SubmittedAt: t0},
			deliver: real, want: job.StatusUnresolved, code: job.CodeReservationLost},
		{name: "another content: dead letter only", deliver: forged(real, "amount", "999"), record: true},
		{name: "no chunk record: dead letter only", deliver: real},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			ctx := context.Background()
			e.reserveBound(batch, real)
			if tc.record {
				e.recordChunk(batch, 0, testJob("other-row", 3), real)
			}
			if tc.entry != nil {
				en := *tc.entry
				en.BatchID, en.ClientOrderID, en.Line = batch, coid, 2
				e.putLedger(batch, coid, &en)
			}
			del := e.h.Orders.Delete
			if tc.purge {
				del = e.h.Orders.Purge
			}
			if err := del(ctx, e.names.OrderKey(coid)); err != nil {
				t.Fatal(err)
			}
			if tc.orderFound {
				e.gw.createOrder(coid)
			}
			var d decision
			for n := uint64(1); n < 12; n++ {
				if d, _ = e.deliverJob(e.m, batch, tc.deliver, n); d.Action == actionAck || d.Action == actionTerm {
					break
				}
				e.clock.Advance(time.Minute)
			}
			if e.gw.payouts(coid) != 0 {
				t.Fatalf("a row whose reservation is lost was sent (last decision %+v)", d)
			}
			rs := e.results(batch)
			if tc.want == "" {
				if d.Action != actionTerm || len(rs) != 0 || e.ledger(batch, coid) != nil || e.gw.statuses(coid) != 0 {
					t.Fatalf("decision %+v results %+v ledger %+v: want a dead letter only", d, rs, e.ledger(batch, coid))
				}
				if dls := e.deadLetters(batch); len(dls) != 1 {
					t.Fatalf("dead letters %+v, want one", dls)
				}
				return
			}
			if d.Action != actionAck || len(rs) != 1 || rs[0].Status != tc.want || rs[0].ErrorCode != tc.code {
				t.Fatalf("decision %+v results %+v: want one %s result (code %q)", d, rs, tc.want, tc.code)
			}
		})
	}
}
