package payout

import (
	"context"
	"strings"
	"testing"
)

// A job that enqueue never published (straight onto payouts.jobs.>, with no manifest or no
// client_orderid reservation of its batch) is never paid: it is dead-lettered with the reason
// and terminated, and it gets neither a ledger entry nor a result (a result would count towards
// a real batch's summary).
//
// Protects I1 (at most one payout: only rows enqueue accepted and reserved are paid).
func TestMachineRefusesJobNotEnqueued(t *testing.T) {
	t.Parallel()
	const batch, coid = "ADMIT", "adm-1"
	cases := []struct {
		name    string
		setup   func(e *env)
		subject func(e *env) string
		reason  string
	}{
		{name: "no manifest, no reservation", reason: "no manifest"},
		{name: "manifest, no reservation", setup: func(e *env) {
			e.enqueued(batch, "another-row")
		}, reason: "not reserved"},
		{name: "reserved by another batch", setup: func(e *env) {
			e.enqueued("OTHER", coid)
			e.enqueued(batch, "another-row")
		}, reason: `reserved by batch "OTHER"`},
		{name: "reservation without a manifest", setup: func(e *env) {
			if _, err := e.h.Orders.Create(context.Background(), e.names.OrderKey(coid), []byte(batch)); err != nil {
				t.Fatal(err)
			}
		}, reason: "no manifest"},
		{name: "published on another batch's subject", setup: func(e *env) {
			e.enqueued(batch, coid)
			e.enqueued("OTHER", "x")
		}, subject: func(e *env) string { return e.names.JobSubject("OTHER") }, reason: "subject"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			if tc.setup != nil {
				tc.setup(e)
			}
			subject := e.names.JobSubject(batch)
			if tc.subject != nil {
				subject = tc.subject(e)
			}
			d, msg := e.deliverRaw(e.m, subject, batch, coid, 1)
			if e.gw.payouts(coid)+e.gw.statuses(coid) != 0 {
				t.Fatalf("a job that was never enqueued reached the gateway (decision %+v)", d)
			}
			if d.Action != actionTerm || len(msg.replies) != 1 || msg.replies[0] != "term" {
				t.Fatalf("decision %+v replies %v, want term", d, msg.replies)
			}
			if en := e.ledger(batch, coid); en != nil {
				t.Fatalf("ledger entry written for a job that was never enqueued: %+v", en)
			}
			if rs := e.results(batch); len(rs) != 0 {
				t.Fatalf("results %+v for a job that was never enqueued", rs)
			}
			dl := e.deadLetters(batch)
			if len(dl) != 1 || dl[0].Ledger != nil || !strings.Contains(dl[0].Reason, tc.reason) || dl[0].ClientOrderID != coid {
				t.Fatalf("dead letters %+v, want one without a ledger entry whose reason says %q", dl, tc.reason)
			}
		})
	}
}

// The machine remembers manifests it has seen (no KV read per job), but the reservation is read
// before every first send: a reservation deleted after an earlier row of the batch was admitted
// stops the next one, and a row's refusal does not shadow another row's dead letter.
//
// Protects I1.
func TestMachineAdmitsOnlyReservedRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const batch = "ADMIT-CACHE"
	if d, _ := e.deliver(batch, "ok-1", 1); d.Action != actionNakDelay || e.gw.payouts("ok-1") != 1 {
		t.Fatalf("an enqueued row was not paid: %+v", d)
	}
	e.enqueued(batch, "ok-2")
	ctx := context.Background()
	if err := e.h.Orders.Delete(ctx, e.names.OrderKey("ok-2")); err != nil {
		t.Fatal(err)
	}
	if err := e.h.Batches.Delete(ctx, e.names.BatchKey(batch)); err != nil {
		t.Fatal(err)
	}
	d, _ := e.deliverRaw(e.m, e.names.JobSubject(batch), batch, "ok-2", 1)
	if d.Action != actionTerm || e.gw.payouts("ok-2") != 0 {
		t.Fatalf("a row whose reservation is gone was paid on the strength of a cached manifest: %+v", d)
	}
	// Another manifest lookup is not needed for a row that is reserved: the cache admits it.
	if _, err := e.h.Orders.Create(ctx, e.names.OrderKey("ok-3"), []byte(batch)); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.deliverRaw(e.m, e.names.JobSubject(batch), batch, "ok-3", 1); e.gw.payouts("ok-3") != 1 {
		t.Fatalf("a reserved row of a batch whose manifest was seen was not paid: %+v", d)
	}
}
