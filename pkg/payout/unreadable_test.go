package payout

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
)

// A job of a real row (its batch has a manifest, its client_orderid is reserved for the batch)
// that the worker cannot read — sealed under a data key the worker no longer has, or not
// decodable — is never sent, and ends with a final error result carrying a documented code and
// a ledger entry that Entry.ProvenUnsent accepts (so `enqueue --retry` can put it back once the
// key is restored), instead of a dead letter alone that leaves the batch without its summary.
// The same message naming no enqueued row stays a dead letter only, with no ledger entry and no
// result.
//
// Protects I2 (every accepted row gets exactly one final result) and I5 (a row ends on proof that
// nothing left, and can be put back).
func TestUnreadableJobOfRealRowEndsProvenUnsent(t *testing.T) {
	t.Parallel()
	const batch = "UNREAD"
	undecodable := func(t *testing.T, coid string) []byte {
		var m map[string]any
		if err := json.Unmarshal(jobBytes(t, batch, testJob(coid, 2)), &m); err != nil {
			t.Fatal(err)
		}
		m["params"] = []map[string]string{{"name": "client_orderid", "value": "someone-else"}}
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name     string
		data     func(t *testing.T, coid string) []byte
		enqueued bool
		code     string
	}{
		{"sealed under a key the worker lacks", func(t *testing.T, coid string) []byte {
			return sealedJobBytes(t, batch, testJob(coid, 2), testKeyring(t, "k1"))
		}, true, job.CodeDataKeyUnavailable},
		{"undecodable", undecodable, true, job.CodeUndecodable},
		{"sealed under a lost key, foreign", func(t *testing.T, coid string) []byte {
			return sealedJobBytes(t, batch, testJob(coid, 2), testKeyring(t, "k1"))
		}, false, ""},
		{"undecodable, foreign", undecodable, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			const coid = "unread-1"
			if tc.enqueued {
				e.enqueued(batch, coid)
			}
			gw := &recordingGateway{Gateway: e.gw}
			m := e.machineWithKeys(testKeyring(t, "k2"), gw)
			msg := &fakeMsg{data: tc.data(t, coid), subject: e.names.JobSubject(batch),
				meta: jetstream.MsgMetadata{NumDelivered: 1, Sequence: jetstream.SequencePair{Stream: 7}, Timestamp: t0}}
			d := m.Handle(context.Background(), msg)
			if len(gw.sent) != 0 || e.gw.statuses(coid) != 0 {
				t.Fatalf("the gateway was called: %v", gw.sent)
			}
			dls := e.deadLetters(batch)
			if len(dls) != 1 || strings.Contains(dls[0].Reason, "1234567890") {
				t.Fatalf("dead letters %+v, want one naming no value", dls)
			}
			en, rs := e.ledger(batch, coid), e.results(batch)
			if !tc.enqueued {
				if d.Action != actionTerm || en != nil || len(rs) != 0 {
					t.Fatalf("foreign message: decision %+v, ledger %+v, results %+v; want term, neither", d, en, rs)
				}
				return
			}
			if d.Action != actionAck || len(rs) != 1 || rs[0].Status != job.StatusError || rs[0].ErrorCode != tc.code || rs[0].Amount != "10.50" {
				t.Fatalf("decision %+v results %+v, want one error result with code %s", d, rs, tc.code)
			}
			if en == nil || !en.ProvenUnsent() || en.State != StateReported {
				t.Fatalf("ledger %+v, want a reported entry that ProvenUnsent accepts", en)
			}
			if dls[0].Ledger == nil || dls[0].Result != job.StatusError {
				t.Fatalf("dead letter %+v, want the row's ledger entry and result", dls[0])
			}
		})
	}
}

// A row whose payout may exist (the ledger says accepted or submitting, or a redelivery finds no
// entry: it may have been lost) and whose job is redelivered sealed under a data key the worker
// no longer holds is followed like any other: the status lookup needs only the row's identity and
// the ledger's order id, never the sealed parameters. An order found ends the row with its final
// gateway status; a lookup that would license a re-send (which needs the parameters) ends it
// `unresolved` with DEAD_LETTER_UNRESOLVED and a dead letter naming the missing key instead.
// Either way: no payout request, exactly one result, never ProvenUnsent, and the batch's summary.
// (Before: a dead letter only, no result, no summary; or, without an entry, a ProvenUnsent error.)
//
// Protects I1 (never paid twice), I2 (every accepted row gets exactly one final result).
func TestDataKeyLostAfterSendFollowsTheRow(t *testing.T) {
	t.Parallel()
	const batch, coid = "KEYLOSS", "kl-1"
	for _, tc := range []struct {
		name       string
		entry      func(orderID string) Entry
		orderFound bool
		want       job.Status
		code       string
		dead       bool
	}{
		{name: "accepted: followed to its final status", orderFound: true, want: job.StatusApproved,
			entry: func(id string) Entry {
				return Entry{State: StateAccepted, Attempts: 1, SubmittedAt: t0, AcceptedAt: t0, OrderID: id,
					LastStatus: "processing", StatusChangedAt: t0}
			}},
		{name: "submitting, order found: followed", orderFound: true, want: job.StatusApproved,
			entry: func(string) Entry {
				return Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0, Deadline: t0.Add(testOptions().CallTimeout)}
			}},
		{name: "no entry on a redelivery (lost?), order found: followed", orderFound: true, want: job.StatusApproved},
		{name: "no entry on a redelivery (lost?), no order: unresolved, never proven unsent", want: job.StatusUnresolved,
			code: job.CodeDeadLetterUnresolved, dead: true},
		{name: "submitting, no order: a re-send it cannot make ends it unresolved", want: job.StatusUnresolved,
			code: job.CodeDeadLetterUnresolved, dead: true,
			entry: func(string) Entry {
				return Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0, Deadline: t0.Add(testOptions().CallTimeout)}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.putManifest(batch, 1)
			e.enqueued(batch, coid)
			orderID := ""
			if tc.orderFound {
				orderID = e.gw.createOrder(coid).id
			}
			if tc.entry != nil {
				en := tc.entry(orderID)
				en.BatchID, en.ClientOrderID, en.Line = batch, coid, 2
				e.putLedger(batch, coid, &en)
			}
			gw := &recordingGateway{Gateway: e.gw}
			m := e.machineWithKeys(testKeyring(t, "k2"), gw)
			data := sealedJobBytes(t, batch, testJob(coid, 2), testKeyring(t, "k1"))
			var d decision
			for n := uint64(2); n < 14; n++ {
				msg := &fakeMsg{data: data, subject: e.names.JobSubject(batch),
					meta: jetstream.MsgMetadata{NumDelivered: n, Sequence: jetstream.SequencePair{Stream: 7}, Timestamp: t0}}
				if d = m.Handle(context.Background(), msg); d.Action == actionAck || d.Action == actionTerm {
					break
				}
				e.clock.Advance(time.Minute)
			}
			if len(gw.sent) != 0 || e.gw.payouts(coid) != 0 {
				t.Fatalf("a payout request was sent: %v", gw.sent)
			}
			if e.gw.statuses(coid) == 0 {
				t.Fatal("the order was never looked up")
			}
			rs := e.results(batch)
			if d.Action != actionAck || len(rs) != 1 || rs[0].Status != tc.want || rs[0].ErrorCode != tc.code {
				t.Fatalf("decision %+v results %+v: want one %s result (code %q)", d, rs, tc.want, tc.code)
			}
			if tc.orderFound && rs[0].PaynetOrderID != orderID {
				t.Fatalf("result %+v, want order %s", rs[0], orderID)
			}
			if got := e.ledger(batch, coid); got == nil || got.ProvenUnsent() || got.State != StateReported {
				t.Fatalf("ledger %+v: want reported, never proven unsent", got)
			}
			dls := e.deadLetters(batch)
			if (len(dls) == 1) != tc.dead || len(dls) > 1 {
				t.Fatalf("dead letters %+v, want one: %v", dls, tc.dead)
			}
			if tc.dead && (!strings.Contains(dls[0].Reason, "data key") || !strings.Contains(rs[0].ErrorMessage, "data key")) {
				t.Fatalf("dead letter %+v result %+v: want the missing data key named", dls[0], rs[0])
			}
			if s := e.summaries(batch); len(s) != 1 {
				t.Fatalf("summaries %+v, want one", s)
			}
		})
	}
}
