package payout

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
)

// Tests of issue 9's state-machine items. Each names the invariant of docs/worker.md it protects.

// TestRedeliveryWithoutEntryLooksUpFirst protects I1 (at most one payout per row) and I3
// (positive evidence before any send that could be a second one): a delivery
// after the first that finds no ledger entry (the entry written before the request was lost:
// a recreated bucket, a broker that did not fsync) never sends before a lookup by
// client_orderid; the lookup's answer is followed.
func TestRedeliveryWithoutEntryLooksUpFirst(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		pay     string // the first delivery's payout behaviour
		payouts int    // payout calls at the end
		result  job.Status
		code    string
	}{
		{"order exists: followed, never paid again", payAmbiguousCommit, 1, job.StatusApproved, ""},
		{"definitely no order: sent once more", payAmbiguousLost, 2, job.StatusApproved, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.gw.statusSeq = []string{"approved"}
			e.gw.payScript["o1"] = []string{c.pay}
			e.deliver("b1", "o1", 1)
			loseLedger(t, e)
			// Redelivered at once (a NAK, a crash): the lost entry's request may still settle.
			d, _ := e.deliver("b1", "o1", 2)
			if e.gw.payouts("o1") != 1 {
				t.Fatalf("redelivery without a ledger entry sent a payout (%d calls): decision %q", e.gw.payouts("o1"), d.Reason)
			}
			for n := uint64(3); n < 10 && d.Action != actionAck; n++ {
				e.clock.Advance(e.opts.SettleDelay)
				d, _ = e.deliver("b1", "o1", n)
			}
			if got := e.gw.payouts("o1"); got != c.payouts {
				t.Errorf("payout calls %d, want %d", got, c.payouts)
			}
			checkOneResult(t, e, c.result, c.code)
		})
	}
}

// TestDeletedEntryIsATombstone protects I1 (at most one payout per row): a delete or purge marker on a row's ledger key
// never licenses a payout, even when the lookup finds no order (the deleted entry may have
// held a request the gateway has not shown yet): the row ends unresolved with
// LEDGER_TOMBSTONE. An order the lookup finds is followed.
func TestDeletedEntryIsATombstone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		pay    string
		purge  bool
		result job.Status
		code   string
	}{
		{"deleted, no order found: unresolved", payAmbiguousLost, false, job.StatusUnresolved, job.CodeTombstone},
		{"purged, no order found: unresolved", payAmbiguousLost, true, job.StatusUnresolved, job.CodeTombstone},
		{"deleted, order found: followed", payAccept, false, job.StatusApproved, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.gw.statusSeq = []string{"approved"}
			e.gw.payScript["o1"] = []string{c.pay}
			e.deliver("b1", "o1", 1)
			ctx := context.Background()
			key := e.names.LedgerKey("b1", "o1")
			var err error
			if c.purge {
				err = e.h.Ledger.Purge(ctx, key)
			} else {
				err = e.h.Ledger.Delete(ctx, key)
			}
			if err != nil {
				t.Fatal(err)
			}
			d := decision{}
			for n := uint64(2); n < 10 && d.Action != actionAck; n++ {
				e.clock.Advance(e.opts.SettleDelay)
				d, _ = e.deliver("b1", "o1", n)
			}
			if got := e.gw.payouts("o1"); got != 1 {
				t.Errorf("payout calls %d after the entry was deleted, want 1", got)
			}
			checkOneResult(t, e, c.result, c.code)
		})
	}
}

// TestLookupHonoursTheWritersDeadline protects I3 (no lookup, so no second send, while a
// request may be in flight) and so I1: a worker whose own call_timeout and
// settle_delay are shorter than the writer's never looks up (and so never re-sends) while the
// writer's request may still be in flight: the deadline recorded in the ledger entry counts.
func TestLookupHonoursTheWritersDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) {
		o.CallTimeout, o.AckWait, o.SettleDelay = 50*time.Second, time.Minute, 70*time.Second
	})
	e.gw.payScript["o1"] = []string{payAmbiguousLost, payAccept}
	e.deliver("b1", "o1", 1)
	en := e.ledger("b1", "o1")
	if want := t0.Add(50 * time.Second); !en.Deadline.Equal(want) {
		t.Fatalf("ledger deadline %s, want the request's own deadline %s", en.Deadline, want)
	}
	fast := testOptions() // call_timeout 20s, settle_delay 30s
	reader := newMachineWith(t, e, fast)
	e.clock.Advance(fast.SettleDelay + time.Second) // past the reader's own settle, before the writer's deadline
	d, _ := e.deliverWith(reader, "b1", "o1", 2)
	if e.gw.statuses("o1") != 0 || e.gw.payouts("o1") != 1 {
		t.Fatalf("reader looked up (%d) or paid (%d) inside the writer's deadline: %q", e.gw.statuses("o1"), e.gw.payouts("o1"), d.Reason)
	}
	// The reader waits for the writer's deadline plus its own settle margin.
	if want := 50*time.Second + (fast.SettleDelay - fast.CallTimeout) - (fast.SettleDelay + time.Second); d.Action != actionNakDelay || d.Delay != want {
		t.Errorf("decision %s delay %s, want nak_delay %s", d.Action, d.Delay, want)
	}
}

// TestAcceptedPastHorizonLooksOnceMore protects I5 (a row ends only on the gateway's answer)
// and I2 (exactly one final result): an accepted order whose horizon passed while nobody looked (an outage, a
// pause) is looked up once more; the horizon counts from the last status change, so an order
// whose status just changed is polled on.
func TestAcceptedPastHorizonLooksOnceMore(t *testing.T) {
	t.Parallel()
	o := testOptions()
	c := newClassifier(o, zerolog.Nop())
	row := rowID{BatchID: "b1", ClientOrderID: "o1"}
	accepted := &Entry{State: StateAccepted, Attempts: 1, AcceptedAt: t0, OrderID: "P1", LastStatus: "processing", StatusChangedAt: t0}
	late := t0.Add(3 * o.Poll.Horizon)
	d := c.Decide(input{Event: eventDelivery, Row: row, Entry: accepted, Now: late})
	if d.Step != stepLookup || d.ResultStatus != "" {
		t.Fatalf("accepted past the horizon: %s/%s result %q (%s); want one more lookup", d.Action, d.Step, d.ResultStatus, d.Reason)
	}
	d = c.Decide(input{Event: eventStatus, Row: row, Entry: accepted, Outcome: outcomeFinal, Gateway: GatewayInfo{Status: "approved", OrderID: "P1"}, Now: late})
	if d.ResultStatus != job.StatusApproved {
		t.Fatalf("the last lookup's final status: %q, want approved", d.ResultStatus)
	}
	changed := *accepted
	changed.StatusChangedAt = late.Add(-time.Minute)
	d = c.Decide(input{Event: eventStatus, Row: row, Entry: &changed, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing", OrderID: "P1"}, Now: late})
	if d.Action != actionNakDelay || d.ResultStatus != "" {
		t.Fatalf("status changed a minute ago: %s result %q (%s); want polled on", d.Action, d.ResultStatus, d.Reason)
	}
	d = c.Decide(input{Event: eventStatus, Row: row, Entry: accepted, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing", OrderID: "P1"}, Now: late})
	if d.ResultStatus != job.StatusUnresolved || d.Next == nil || d.Next.ErrorCode != job.CodeHorizon {
		t.Fatalf("unchanged for the horizon, seen by a lookup: result %q (%+v); want unresolved %s", d.ResultStatus, d.Next, job.CodeHorizon)
	}
}

// TestRetryAfterIsCappedByBackoffMax protects I4 (waiting is never failing, and never parks a
// row): a Retry-After of 99999999 seconds delays the row by at most backoff_max; the pool-wide
// pressure (pkg/ratelimit) carries longer waits.
func TestRetryAfterIsCappedByBackoffMax(t *testing.T) {
	t.Parallel()
	o := testOptions()
	c := newClassifier(o, zerolog.Nop())
	submitting := &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0, Deadline: t0.Add(o.CallTimeout)}
	for _, out := range []outcome{outcomeThrottled, outcomeRetryable, outcomeAuth} {
		d := c.Decide(input{Event: eventPayout, Row: rowID{BatchID: "b1", ClientOrderID: "o1"}, Entry: submitting, Outcome: out,
			Gateway: GatewayInfo{RetryAfter: 99999999 * time.Second}, Now: t0})
		if d.Action != actionNakDelay || d.Delay > o.BackoffMax || d.Delay <= 0 {
			t.Errorf("%s with Retry-After 99999999s: %s delay %s; want at most backoff_max %s", out, d.Action, d.Delay, o.BackoffMax)
		}
	}
}

// TestWaitingNeverDeadLetters protects I4 (waiting is never failing): hand-backs for a pause, pressure or a missing
// rate-limit slot never count against the row, however many deliveries they take, as long as
// the consumer does not bound deliveries (the worker provisions it unbounded).
func TestWaitingNeverDeadLetters(t *testing.T) {
	t.Parallel()
	o := testOptions()
	o.MaxDeliver = -1
	c := newClassifier(o, zerolog.Nop())
	pending := &Entry{State: StatePendingRetry, Attempts: 1}
	for _, n := range []uint64{2, 500, 100000} {
		d := c.Decide(input{Event: eventInfraError, Row: rowID{BatchID: "b1", ClientOrderID: "o1"}, Entry: pending,
			Delivery: deliveryMeta{NumDelivered: n, MaxDeliver: -1}, Err: ErrNoGatewaySlot, Now: t0})
		if d.Action != actionNakDelay || d.Next != nil || d.Delay > o.BackoffMax {
			t.Errorf("delivery %d without a slot: %+v; want a hand-back that writes nothing", n, d)
		}
		d = c.Decide(input{Event: eventDelivery, Row: rowID{BatchID: "b1", ClientOrderID: "o1"}, Entry: pending,
			Delivery: deliveryMeta{NumDelivered: n, MaxDeliver: -1}, Now: t0})
		if d.Step != stepSubmit {
			t.Errorf("delivery %d of a waiting row: %s/%s (%s); want it sent", n, d.Action, d.Step, d.Reason)
		}
	}
}

// TestEveryUnresolvedSaysWhy protects I2 (exactly one final result, which says what it is): every unresolved result carries an error_code from
// the documented set, and a message.
func TestEveryUnresolvedSaysWhy(t *testing.T) {
	t.Parallel()
	o := testOptions()
	c := newClassifier(o, zerolog.Nop())
	codes := []string{job.CodeTombstone, job.CodeHorizon, job.CodeLookupFailed, job.CodeNotFoundUnprovable, job.CodeMaxAttempts,
		job.CodeRefusedRepeat, job.CodeDeadLetterUnresolved, job.CodeUnlistedStatus, job.CodeReservationLost}
	states := []*Entry{
		nil,
		{State: StateSubmitting, Attempts: 1, SubmittedAt: t0, Deadline: t0.Add(o.CallTimeout)},
		{State: StateSubmitting, Attempts: o.MaxAttempts, SubmittedAt: t0, Failures: o.MaxFailures - 1},
		{State: StateSubmitting, Attempts: 2, SubmittedAt: t0, Refused: true, Resent: true, ErrorCode: "E1"},
		{State: StateAccepted, Attempts: 1, AcceptedAt: t0, StatusChangedAt: t0, OrderID: "P1", LastStatus: "processing", Failures: o.MaxFailures - 1},
		{State: StateLost, Lost: lostDeletedEntry},
		{State: StateLost, Lost: lostMissingEntry, Failures: o.MaxFailures - 1},
	}
	seen, bad := map[string]bool{}, 0
	for _, e := range states {
		for ev := eventDelivery; ev <= eventStatus; ev++ {
			for out := outcomeNone; out <= outcomeLast; out++ {
				for _, now := range []time.Time{t0, t0.Add(2 * o.Poll.Horizon)} {
					for _, dl := range []deliveryMeta{{NumDelivered: 1, MaxDeliver: -1}, {NumDelivered: 498, MaxDeliver: 500}} {
						d := c.Decide(input{Event: ev, Row: rowID{BatchID: "b1", ClientOrderID: "o1"}, Entry: e, Outcome: out,
							Gateway: GatewayInfo{Status: "processing", ErrorCode: "G1"}, Delivery: dl, Now: now})
						if d.ResultStatus != job.StatusUnresolved || d.Next == nil {
							continue
						}
						if !slices.Contains(codes, d.Next.ErrorCode) || d.Next.ErrorMessage == "" {
							bad++
							if bad <= 5 {
								t.Errorf("%s/%s on %v: unresolved with code %q message %q; want a documented code and a message",
									ev, out, describe(e), d.Next.ErrorCode, d.Next.ErrorMessage)
							}
						}
						seen[d.Next.ErrorCode] = true
					}
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d more", bad-5)
	}
	if len(seen) < 5 {
		t.Errorf("only %d unresolved codes reached (%v): the walk does not exercise the classifier", len(seen), seen)
	}
}

// loseLedger simulates broker data loss: the ledger bucket is deleted and recreated empty, as
// after a restore or a lost store directory (no delete markers are left).
func loseLedger(t *testing.T, e *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := e.js.KeyValue(ctx, e.names.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.js.DeleteKeyValue(ctx, e.names.LedgerBucket); err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: e.names.LedgerBucket, History: uint8(st.History()), Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
}

// newMachineWith is a second machine on e's server, gateway and clock with other options.
func newMachineWith(t *testing.T, e *env, o Options) *machine {
	t.Helper()
	m, err := newMachine(context.Background(), o, Deps{JS: e.js, Gateway: e.gw, Classify: fakeClassify,
		Clock: e.clock, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkOneResult checks that batch b1 has exactly one result, with status and code.
func checkOneResult(t *testing.T, e *env, status job.Status, code string) {
	t.Helper()
	rs := e.results("b1")
	if len(rs) != 1 {
		t.Fatalf("%d results, want 1", len(rs))
	}
	if rs[0].Status != status || (code != "" && rs[0].ErrorCode != code) {
		t.Errorf("result %s code %q (%s), want %s %q", rs[0].Status, rs[0].ErrorCode, rs[0].ErrorMessage, status, code)
	}
}

func describe(e *Entry) string {
	if e == nil {
		return "no entry"
	}
	return fmt.Sprintf("%s(attempts %d, failures %d, lost %q)", e.State, e.Attempts, e.Failures, e.Lost)
}
