package payout

import (
	"context"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// reserveBound makes j look enqueued as enqueue leaves it since the content binding: a manifest,
// and the client_orderid reserved for the batch with the row's content digest.
func (e *env) reserveBound(batch string, j job.Job) {
	e.t.Helper()
	e.enqueued(batch, "manifest-only")
	res := queue.Reservation{BatchID: batch, Digest: job.ContentDigest(batch, j)}
	if _, err := e.h.Orders.Create(context.Background(), e.names.OrderKey(j.ClientOrderID), res.Encode()); err != nil {
		e.t.Fatal(err)
	}
}

// deliverJob hands the machine delivery n of j's job message on its batch's subject.
func (e *env) deliverJob(m *machine, batch string, j job.Job, n uint64) (decision, *fakeMsg) {
	e.t.Helper()
	msg := &fakeMsg{data: jobBytes(e.t, batch, j), subject: e.names.JobSubject(batch),
		meta: jetstream.MsgMetadata{NumDelivered: n, Sequence: jetstream.SequencePair{Stream: 9}, Timestamp: t0}}
	return m.Handle(context.Background(), msg), msg
}

// forged returns j with one payout parameter changed.
func forged(j job.Job, name, value string) job.Job {
	f := j
	f.Params = append([]job.Param(nil), j.Params...)
	for i, p := range f.Params {
		if p.Name == name {
			f.Params[i].Value = value
		}
	}
	if name == "amount" {
		a, err := job.ParseAmount(value, j.Amount.Currency)
		if err != nil {
			panic(err)
		}
		f.Amount = a
	}
	return f
}

// A job published straight onto the jobs subject that names a real row (its batch and
// client_orderid, both enqueued) with another amount or account is never paid, whether it
// arrives before the real row's job or while the real row waits for a re-send: its content is
// not the digest enqueue bound into the reservation. It is dead-lettered with the reason,
// writes no ledger entry of its own, and the real row is paid once, with its own content.
//
// Protects I1 (at most one payout per row: only the row enqueue accepted is paid).
func TestForgedContentOfRealRowNeverPaid(t *testing.T) {
	t.Parallel()
	const batch, coid = "BOUND", "bound-1"
	for _, tc := range []struct {
		name        string
		param, val  string
		realWaiting bool // the real row was handed back before the forged job arrives
	}{
		{name: "another amount, first", param: "amount", val: "9999.99"},
		{name: "another account, first", param: "account_number", val: "5555555555"},
		{name: "another account, real row pending_retry", param: "account_number", val: "5555555555", realWaiting: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			gw := &recordingGateway{Gateway: e.gw}
			m := e.machineWithKeys(nil, gw)
			real := testJob(coid, 2)
			e.reserveBound(batch, real)
			if tc.realWaiting {
				e.putLedger(batch, coid, &Entry{BatchID: batch, ClientOrderID: coid, Line: 2, State: StatePendingRetry, Attempts: 1})
			}
			d, msg := e.deliverJob(m, batch, forged(real, tc.param, tc.val), 1)
			if e.gw.payouts(coid) != 0 {
				t.Fatalf("the forged job was paid (decision %+v)", d)
			}
			if d.Action != actionTerm || len(msg.replies) != 1 || msg.replies[0] != "term" {
				t.Fatalf("decision %+v replies %v, want term", d, msg.replies)
			}
			if en := e.ledger(batch, coid); !tc.realWaiting && en != nil {
				t.Fatalf("the forged job wrote a ledger entry: %+v", en)
			}
			dls := e.deadLetters(batch)
			if len(dls) != 1 || !strings.Contains(dls[0].Reason, "not what enqueue reserved") || strings.Contains(dls[0].Reason, tc.val) {
				t.Fatalf("dead letters %+v, want one naming the content mismatch (never the value)", dls)
			}
			if d, _ := e.deliverJob(m, batch, real, 1); d.Action != actionNakDelay || e.gw.payouts(coid) != 1 {
				t.Fatalf("the real row was not paid after the forged job: %+v", d)
			}
			if len(gw.sent) != 1 || paramOf(gw.sent[0], "amount") != "10.5" || paramOf(gw.sent[0], "account_number") != "1234567890" {
				t.Fatalf("the gateway got %v, want the real row's content once", gw.sent)
			}
		})
	}
}

// A reservation written by an older enqueue (the bare batch id, no digest) still admits its row:
// such a row's content cannot be checked (docs/worker.md).
//
// Protects I2 (every accepted row gets its result: old reservations keep working).
func TestLegacyReservationWithoutDigestStillPays(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if d, _ := e.deliver("LEGACY", "legacy-1", 1); d.Action != actionNakDelay || e.gw.payouts("legacy-1") != 1 {
		t.Fatalf("a row with a legacy reservation was not paid: %+v", d)
	}
}
