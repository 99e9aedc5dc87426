package payout

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
)

var t0 = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

func testOptions() Options {
	o := DefaultOptions()
	o.MaxDeliver = 500
	return o
}

// decideWant is what one decision must be.
type decideWant struct {
	action   Action
	step     Step
	next     State // "" = no ledger write
	delay    time.Duration
	result   job.Status
	attempts int
	failures int
	code     string // expected error_code of a finished row ("" = not checked)
	refused  bool
	resent   bool
}

// decideCase is one row of the decision table: TestDecide checks it, and
// TestTransitionTableIsDocumented writes it into docs/worker.md.
type decideCase struct {
	name string
	in   Input
	want decideWant
}

// decideCases is the decision table, in the order docs/worker.md lists it.
func decideCases(o Options) []decideCase {
	// Entries in each state.
	submitting := &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0}
	lastAttempt := &Entry{State: StateSubmitting, Attempts: o.MaxAttempts, SubmittedAt: t0}
	refused := &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0, Refused: true, ErrorCode: "E42", ErrorMessage: "no"}
	pending := &Entry{State: StatePendingRetry, Attempts: 1, Failures: 1, SubmittedAt: t0}
	accepted := &Entry{State: StateAccepted, Attempts: 1, SubmittedAt: t0, AcceptedAt: t0, OrderID: "P1", LastStatus: "processing", StatusChangedAt: t0}
	final := &Entry{State: StateFinal, Attempts: 1, Result: job.StatusApproved, OrderID: "P1"}
	reported := &Entry{State: StateReported, Attempts: 1, Result: job.StatusApproved}
	failing := &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0, Failures: o.MaxFailures - 1}
	failingPending := &Entry{State: StatePendingRetry, Attempts: 1, SubmittedAt: t0, Failures: o.MaxFailures}
	resent := &Entry{State: StateSubmitting, Attempts: 2, SubmittedAt: t0, Resent: true}
	resentRefused := &Entry{State: StateSubmitting, Attempts: 2, SubmittedAt: t0, Refused: true, Resent: true, ErrorCode: "E42"}
	lostMissing := &Entry{State: StateLost, Lost: LostMissing, Attempts: 1, SubmittedAt: t0, Deadline: t0}
	lostDeleted := &Entry{State: StateLost, Lost: LostDeleted}
	unresolvedFinal := &Entry{State: StateFinal, Attempts: 1, Result: job.StatusUnresolved, ErrorCode: job.CodeHorizon, OrderID: "P1"}
	deadFinal := &Entry{State: StateFinal, Attempts: 1, Failures: o.MaxFailures, Result: job.StatusError, ErrorCode: job.CodeDeadLetter, DeadLetter: "failures"}
	failingAccepted := &Entry{State: StateAccepted, Attempts: 1, SubmittedAt: t0, AcceptedAt: t0, OrderID: "P1", Failures: o.MaxFailures - 1}

	settled := t0.Add(o.SettleDelay)
	type want = decideWant
	return []decideCase{
		// Deliveries.
		{"new job: ledger first, then submit", Input{Event: EventDelivery, Now: t0},
			want{step: StepSubmit, next: StateSubmitting, attempts: 1}},
		{"reported: duplicate delivery acked", Input{Event: EventDelivery, Entry: reported, Now: t0},
			want{action: ActionAck}},
		{"final: publish the result", Input{Event: EventDelivery, Entry: final, Now: t0},
			want{step: StepReport, result: job.StatusApproved}},
		{"pending_retry: submit again", Input{Event: EventDelivery, Entry: pending, Now: t0.Add(time.Minute)},
			want{step: StepSubmit, next: StateSubmitting, attempts: 2, failures: 1}},
		{"submitting within settle: wait the rest", Input{Event: EventDelivery, Entry: submitting, Now: t0.Add(10 * time.Second)},
			want{action: ActionNakDelay, delay: o.SettleDelay - 10*time.Second}},
		{"submitting after settle: look up", Input{Event: EventDelivery, Entry: submitting, Now: settled},
			want{step: StepLookup}},
		{"accepted: poll", Input{Event: EventDelivery, Entry: accepted, Now: t0.Add(3 * time.Second)},
			want{step: StepLookup}},
		{"accepted past horizon: one more lookup", Input{Event: EventDelivery, Entry: accepted, Now: t0.Add(o.Poll.Horizon)},
			want{step: StepLookup}},
		{"max_deliver-1 without entry: dead letter, no payout", Input{Event: EventDelivery, Delivery: Delivery{NumDelivered: 499, MaxDeliver: 500}, Now: t0},
			want{step: StepReport, next: StateFinal, result: job.StatusError, code: job.CodeDeadLetter}},
		{"max_deliver-1 accepted: dead letter unresolved", Input{Event: EventDelivery, Entry: accepted, Delivery: Delivery{NumDelivered: 499, MaxDeliver: 500}, Now: t0},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1}},
		{"max_deliver-3 accepted: dead letter, leaving deliveries for its report", Input{Event: EventDelivery, Entry: accepted, Delivery: Delivery{NumDelivered: 497, MaxDeliver: 500}, Now: t0},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1}},
		{"max_deliver-4 accepted: still polled", Input{Event: EventDelivery, Entry: accepted, Delivery: Delivery{NumDelivered: 496, MaxDeliver: 500}, Now: t0.Add(3 * time.Second)},
			want{step: StepLookup}},
		{"max_deliver-1 reported: still just ack", Input{Event: EventDelivery, Entry: reported, Delivery: Delivery{NumDelivered: 499, MaxDeliver: 500}, Now: t0},
			want{action: ActionAck}},
		{"failures at max pending_retry: dead letter error", Input{Event: EventDelivery, Entry: failingPending, Now: t0},
			want{step: StepReport, next: StateFinal, result: job.StatusError, attempts: 1, failures: o.MaxFailures, code: job.CodeDeadLetter}},
		{"unknown state: hold and shout", Input{Event: EventDelivery, Entry: &Entry{State: "weird"}, Now: t0},
			want{action: ActionNakDelay, delay: o.BackoffMax}},

		// Payout outcomes (entry: submitting, attempt 1).
		{"payout accepted", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeAccepted, Gateway: GatewayInfo{OrderID: "P1"}, Now: t0},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"payout rejected", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeRejected, Gateway: GatewayInfo{ErrorCode: "V1"}, Now: t0},
			want{step: StepReport, next: StateFinal, result: job.StatusRejected, attempts: 1}},
		{"re-sent payout rejected: the earlier request may have paid", Input{Event: EventPayout, Entry: resent, Outcome: OutcomeRejected, Gateway: GatewayInfo{ErrorCode: "DUP"}, Now: t0},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 2, resent: true}},
		{"payout retryable: not sent", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeRetryable, Now: t0},
			want{action: ActionNakDelay, next: StatePendingRetry, delay: o.BackoffInitial, attempts: 1, failures: 1}},
		{"payout throttled: Retry-After wins", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeThrottled, Gateway: GatewayInfo{RetryAfter: 7 * time.Second}, Now: t0},
			want{action: ActionNakDelay, next: StatePendingRetry, delay: 7 * time.Second, attempts: 1, failures: 0}},
		{"payout throttled at max failures: pressure is no failure", Input{Event: EventPayout, Entry: failing, Outcome: OutcomeThrottled, Now: t0},
			want{action: ActionNakDelay, next: StatePendingRetry, delay: o.BackoffInitial, attempts: 1, failures: o.MaxFailures - 1}},
		{"payout auth: not sent, waits for the credentials, not counted (I4)", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeAuth, Now: t0},
			want{action: ActionNakDelay, next: StatePendingRetry, delay: o.BackoffMax, attempts: 1, failures: 0}},
		{"payout auth at max failures: still no dead letter (I4)", Input{Event: EventPayout, Entry: failing, Outcome: OutcomeAuth, Now: t0},
			want{action: ActionNakDelay, next: StatePendingRetry, delay: o.BackoffMax, attempts: 1, failures: o.MaxFailures - 1}},
		{"payout not sent at max failures: dead letter error", Input{Event: EventPayout, Entry: failing, Outcome: OutcomeRetryable, Now: t0},
			want{step: StepReport, next: StateFinal, result: job.StatusError, attempts: 1, failures: o.MaxFailures, code: job.CodeDeadLetter}},
		{"payout ambiguous: settle", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeAmbiguous, Now: t0.Add(2 * time.Second)},
			want{action: ActionNakDelay, next: StateSubmitting, delay: o.SettleDelay - 2*time.Second, attempts: 1}},
		{"payout gateway error with order id: follow it", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeGatewayError, Gateway: GatewayInfo{OrderID: "P9", ErrorCode: "E"}, Now: t0},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"payout gateway error without order id: settle", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeGatewayError, Gateway: GatewayInfo{ErrorCode: "E"}, Now: t0},
			want{action: ActionNakDelay, next: StateSubmitting, delay: o.SettleDelay, attempts: 1, refused: true}},
		{"payout outcome on a non-submitting entry: inconsistent", Input{Event: EventPayout, Entry: accepted, Outcome: OutcomeAccepted, Now: t0},
			want{action: ActionNakDelay, delay: o.BackoffMax}},
		{"status outcome as payout outcome: inconsistent", Input{Event: EventPayout, Entry: submitting, Outcome: OutcomeFinal, Now: t0},
			want{action: ActionNakDelay, delay: o.BackoffMax}},

		// Status outcomes after settling (entry: submitting).
		{"lookup final", Input{Event: EventStatus, Entry: submitting, Outcome: OutcomeFinal, Gateway: GatewayInfo{Status: "declined", OrderID: "P1"}, Now: settled},
			want{step: StepReport, next: StateFinal, result: job.StatusDeclined, attempts: 1}},
		{"lookup pending: follow", Input{Event: EventStatus, Entry: submitting, Outcome: OutcomePending, Gateway: GatewayInfo{Status: "processing", OrderID: "P1"}, Now: settled},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"lookup not found: re-submit, marked as re-sent", Input{Event: EventStatus, Entry: submitting, Outcome: OutcomeNotFound, Now: settled},
			want{step: StepSubmit, next: StateSubmitting, attempts: 2, resent: true}},
		{"lookup not found at max attempts: unresolved", Input{Event: EventStatus, Entry: lastAttempt, Outcome: OutcomeNotFound, Now: settled},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: o.MaxAttempts, code: job.CodeMaxAttempts}},
		{"lookup not found after refusal: error, never re-sent", Input{Event: EventStatus, Entry: refused, Outcome: OutcomeNotFound, Now: settled},
			want{step: StepReport, next: StateFinal, result: job.StatusError, attempts: 1, refused: true, code: "E42"}},
		{"lookup not found after a re-sent refusal: unresolved", Input{Event: EventStatus, Entry: resentRefused, Outcome: OutcomeNotFound, Now: settled},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 2, refused: true, resent: true, code: job.CodeRefusedRepeat}},
		{"lookup failed: back off", Input{Event: EventStatus, Entry: submitting, Outcome: OutcomeLookupFailed, Now: settled},
			want{action: ActionNakDelay, next: StateSubmitting, delay: o.BackoffInitial, attempts: 1, failures: 1}},
		{"lookup auth: waits for the credentials, not counted (I4)", Input{Event: EventStatus, Entry: failing, Outcome: OutcomeAuth, Now: settled},
			want{action: ActionNakDelay, delay: o.BackoffMax}},
		{"lookup failed at max failures: dead letter unresolved", Input{Event: EventStatus, Entry: failing, Outcome: OutcomeLookupFailed, Now: settled},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, failures: o.MaxFailures}},

		// Status outcomes while polling (entry: accepted).
		{"poll final", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomeFinal, Gateway: GatewayInfo{Status: "approved"}, Now: t0.Add(time.Minute)},
			want{step: StepReport, next: StateFinal, result: job.StatusApproved, attempts: 1}},
		{"poll final error status", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomeFinal, Gateway: GatewayInfo{Status: "error", ErrorCode: "PROCESSOR_INTERNAL_ERROR"}, Now: t0.Add(time.Minute)},
			want{step: StepReport, next: StateFinal, result: job.StatusError, attempts: 1}},
		{"poll pending unchanged, fast phase: poll counted", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomePending, Gateway: GatewayInfo{Status: "processing"}, Now: t0.Add(time.Minute)},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"poll pending changed: recorded", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomePending, Gateway: GatewayInfo{Status: "unknown"}, Now: t0.Add(time.Minute)},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"poll pending, slow phase", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomePending, Gateway: GatewayInfo{Status: "processing"}, Now: t0.Add(10 * time.Minute)},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.Poll.SlowInterval, attempts: 1}},
		{"poll pending near horizon: capped", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomePending, Gateway: GatewayInfo{Status: "processing"}, Now: t0.Add(o.Poll.Horizon - time.Minute)},
			want{action: ActionNakDelay, next: StateAccepted, delay: time.Minute, attempts: 1}},
		{"poll pending past horizon: unresolved", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomePending, Gateway: GatewayInfo{Status: "processing"}, Now: t0.Add(o.Poll.Horizon)},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1}},
		{"poll not found: a failure, never a re-send", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomeNotFound, Now: t0.Add(time.Minute)},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.BackoffInitial, attempts: 1, failures: 1}},
		{"poll failed at max failures: dead letter unresolved", Input{Event: EventStatus, Entry: failingAccepted, Outcome: OutcomeLookupFailed, Now: t0.Add(time.Minute)},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, failures: o.MaxFailures}},
		{"callback lookup finds an order for a pending_retry entry: final", Input{Event: EventStatus, Entry: pending, Outcome: OutcomeFinal, Gateway: GatewayInfo{Status: "approved", OrderID: "P3"}, Now: t0},
			want{step: StepReport, next: StateFinal, result: job.StatusApproved, attempts: 1, failures: 1}},
		{"callback lookup finds a pending order for a pending_retry entry: followed", Input{Event: EventStatus, Entry: pending, Outcome: OutcomePending, Gateway: GatewayInfo{Status: "processing", OrderID: "P3"}, Now: t0},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1, failures: 1}},
		{"status not found for a pending_retry entry: inconsistent", Input{Event: EventStatus, Entry: pending, Outcome: OutcomeNotFound, Now: t0},
			want{action: ActionNakDelay, delay: o.BackoffMax}},

		// Lost entries: a redelivery without one, a missing one, a tombstone (I1, I3).
		{"no entry on a later delivery: record it lost, settle (I1, I3)", Input{Event: EventDelivery, Delivery: Delivery{NumDelivered: 2}, Now: t0},
			want{action: ActionNakDelay, next: StateLost, delay: o.SettleDelay - o.CallTimeout}},
		{"lost within settle: wait the rest", Input{Event: EventDelivery, Entry: lostMissing, Delivery: Delivery{NumDelivered: 3}, Now: t0},
			want{action: ActionNakDelay, delay: o.SettleDelay}},
		{"lost, settled: look up", Input{Event: EventDelivery, Entry: lostMissing, Delivery: Delivery{NumDelivered: 3}, Now: settled},
			want{step: StepLookup}},
		{"lost (missing), lookup not found: sent, marked as re-sent", Input{Event: EventStatus, Entry: lostMissing, Outcome: OutcomeNotFound, Now: settled},
			want{step: StepSubmit, next: StateSubmitting, attempts: 2, resent: true}},
		{"lost (missing), lookup pending: follow", Input{Event: EventStatus, Entry: lostMissing, Outcome: OutcomePending, Gateway: GatewayInfo{Status: "processing", OrderID: "P1"}, Now: settled},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"tombstone, lookup not found: unresolved, never sent (I1)", Input{Event: EventStatus, Entry: lostDeleted, Outcome: OutcomeNotFound, Now: settled},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, code: job.CodeTombstone}},
		{"lookup answers about another order: a failed lookup", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomeFinal, Gateway: GatewayInfo{Status: "approved", OrderID: "P2"}, Now: t0.Add(time.Minute)},
			want{action: ActionNakDelay, next: StateAccepted, delay: o.BackoffInitial, attempts: 1, failures: 1}},
		{"lookup final with an unlisted status: unresolved", Input{Event: EventStatus, Entry: accepted, Outcome: OutcomeFinal, Gateway: GatewayInfo{Status: "voided"}, Now: t0.Add(time.Minute)},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, code: job.CodeUnlistedStatus}},
		{"unlisted not-found answer at max failures: unresolved, never sent", Input{Event: EventStatus, Entry: failing, Outcome: OutcomeLookupFailed, Gateway: GatewayInfo{ErrorCode: "G404"}, Now: settled},
			want{step: StepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, failures: o.MaxFailures, code: job.CodeNotFoundUnprovable}},

		// Reported, undecodable, infrastructure.
		{"result published: reported, ack", Input{Event: EventReported, Entry: final, Now: t0},
			want{action: ActionAck, next: StateReported, result: job.StatusApproved, attempts: 1}},
		{"unresolved result published: reported, ack", Input{Event: EventReported, Entry: unresolvedFinal, Now: t0},
			want{action: ActionAck, next: StateReported, result: job.StatusUnresolved, attempts: 1}},
		{"dead letter published: reported, ack", Input{Event: EventReported, Entry: deadFinal, Now: t0},
			want{action: ActionAck, next: StateReported, result: job.StatusError, attempts: 1, failures: o.MaxFailures}},
		{"result published twice: ack", Input{Event: EventReported, Entry: reported, Now: t0},
			want{action: ActionAck}},
		{"reported without final entry: inconsistent", Input{Event: EventReported, Entry: accepted, Now: t0},
			want{action: ActionNakDelay, delay: o.BackoffMax}},
		{"undecodable: dead letter, term", Input{Event: EventUndecodable, Now: t0},
			want{action: ActionTerm, step: StepDeadLetter}},
		{"infra error: retried soon, whatever the deliveries spent on polls (issue 15)", Input{Event: EventInfraError, Entry: accepted, Delivery: Delivery{NumDelivered: 20}, Err: fmt.Errorf("kv down"), Now: t0},
			want{action: ActionNakDelay, delay: o.BackoffInitial}},
		{"no gateway slot for a new row: handed back, proven unsent (I4)", Input{Event: EventInfraError, Delivery: Delivery{NumDelivered: 1}, Err: ErrNoGatewaySlot, Now: t0},
			want{action: ActionNakDelay, next: StatePendingRetry, delay: o.BackoffInitial}},
		{"interrupted by shutdown: handed back, nothing counted", Input{Event: EventInterrupted, Entry: submitting, Err: fmt.Errorf("shutdown"), Now: t0},
			want{action: ActionNakDelay}},
		{"not enqueued: dead letter, term, never sent", Input{Event: EventNotEnqueued, Err: fmt.Errorf("no manifest"), Now: t0},
			want{action: ActionTerm, step: StepDeadLetter}},
	}
}

// TestDecide checks the decision table (I1-I5: each case names what it protects).
func TestDecide(t *testing.T) {
	t.Parallel()
	o := testOptions()
	row := Row{BatchID: "b1", ClientOrderID: "o1", Line: 2}
	c := NewClassifier(o, zerolog.Nop())
	for _, tc := range decideCases(o) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			in.Row = row
			var before Entry
			if in.Entry != nil {
				before = *in.Entry
			}
			d := c.Decide(in)
			w := tc.want
			if d.Action != w.action || d.Step != w.step || d.Delay != w.delay || d.ResultStatus != w.result {
				t.Fatalf("decision %+v (reason %q), want action %s step %s delay %s result %q",
					d, d.Reason, w.action, w.step, w.delay, w.result)
			}
			if d.Reason == "" {
				t.Errorf("decision without a reason")
			}
			if in.Entry != nil && *in.Entry != before {
				t.Errorf("classifier mutated its input entry")
			}
			if w.next == "" {
				if d.Next != nil {
					t.Fatalf("unexpected ledger write %+v", d.Next)
				}
				return
			}
			n := d.Next
			if n == nil {
				t.Fatalf("no ledger write, want state %s", w.next)
			}
			if n.State != w.next || n.Attempts != w.attempts || n.Failures != w.failures || n.Refused != w.refused || n.Resent != w.resent {
				t.Errorf("next %+v, want state %s attempts %d failures %d refused %v resent %v", n, w.next, w.attempts, w.failures, w.refused, w.resent)
			}
			if n.State == StateFinal && (n.Result != w.result || n.FinishedAt.IsZero()) {
				t.Errorf("final entry result %q finished %v, want %q", n.Result, n.FinishedAt, w.result)
			}
			if w.code != "" && n.ErrorCode != w.code {
				t.Errorf("error_code %q, want %q", n.ErrorCode, w.code)
			}
			if w.code == job.CodeDeadLetter && n.DeadLetter == "" {
				t.Errorf("dead letter without its reason: %+v", n)
			}
			if n.BatchID == "" && in.Entry == nil {
				t.Errorf("a new entry must carry the row's identity: %+v", n)
			}
		})
	}
}

// TestDecideNeverResendsWithoutProof walks every state x outcome and checks invariant 1's rule: a
// decision to submit follows only no entry, a definitely-not-sent entry, or a definite not-found.
func TestDecideNeverResendsWithoutProof(t *testing.T) {
	t.Parallel()
	o := testOptions()
	c := NewClassifier(o, zerolog.Nop())
	states := []State{StateSubmitting, StatePendingRetry, StateAccepted, StateFinal, StateReported}
	events := []Event{EventDelivery, EventPayout, EventStatus, EventReported}
	for _, st := range states {
		for _, refused := range []bool{false, true} {
			for _, ev := range events {
				for out := OutcomeNone; out <= OutcomeLookupFailed; out++ {
					for _, now := range []time.Time{t0, t0.Add(o.SettleDelay), t0.Add(2 * o.Poll.Horizon)} {
						e := &Entry{State: st, Attempts: 1, SubmittedAt: t0, AcceptedAt: t0, Refused: refused, Result: job.StatusApproved}
						d := c.Decide(Input{Event: ev, Entry: e, Outcome: out, Now: now, Row: Row{BatchID: "b", ClientOrderID: "o"}})
						if d.Step != StepSubmit {
							continue
						}
						ok := (ev == EventDelivery && st == StatePendingRetry) ||
							(ev == EventStatus && out == OutcomeNotFound && st == StateSubmitting)
						if !ok {
							t.Errorf("state %s refused %v event %s outcome %s at +%s: submit without proof", st, refused, ev, out, now.Sub(t0))
						}
						if d.Next == nil || d.Next.Attempts != e.Attempts+1 || d.Next.State != StateSubmitting {
							t.Errorf("submit must count the attempt in the ledger first: %+v", d.Next)
						}
					}
				}
			}
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		key    string
		mutate func(*Options)
	}{
		{"concurrency", func(o *Options) { o.Concurrency = -1 }},
		{"ack_wait", func(o *Options) { o.AckWait = o.CallTimeout }},
		{"settle_delay", func(o *Options) { o.SettleDelay = o.CallTimeout }},
		{"max_deliver", func(o *Options) { o.MaxDeliver = 2 }},
		{"max_attempts", func(o *Options) { o.MaxAttempts = -1 }},
		{"backoff_max", func(o *Options) { o.BackoffMax = o.BackoffInitial / 2 }},
		{"poll.horizon", func(o *Options) { o.Poll.Horizon = o.Poll.FastInterval }},
	}
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range cases {
		o := DefaultOptions()
		tc.mutate(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.key+":") {
			t.Errorf("%s: got %v, want an error naming the key", tc.key, err)
		}
	}
}

// Every decision is logged with the same fields, whatever the event.
func TestDecideLogsSameFields(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	c := NewClassifier(testOptions(), zerolog.New(&buf).Level(zerolog.DebugLevel))
	inputs := []Input{
		{Event: EventDelivery, Now: t0},
		{Event: EventPayout, Entry: &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0}, Outcome: OutcomeAccepted, Gateway: GatewayInfo{OrderID: "P1"}, Now: t0},
		{Event: EventUndecodable, Now: t0},
		{Event: EventInfraError, Err: fmt.Errorf("down"), Now: t0},
	}
	for _, in := range inputs {
		in.Row = Row{BatchID: "b", ClientOrderID: "o", Line: 3}
		c.Decide(in)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(inputs) {
		t.Fatalf("%d log lines for %d decisions", len(lines), len(inputs))
	}
	fields := []string{"batch", "client_orderid", "line", "state", "attempt", "failures", "delivery", "action", "delay_ms", "reason", "order_id", "event", "outcome", "result"}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			if _, ok := m[f]; !ok {
				t.Errorf("log line without %q: %s", f, l)
			}
		}
	}
	if !strings.Contains(lines[1], `"order_id":"P1"`) {
		t.Errorf("accepted decision does not log the order id: %s", lines[1])
	}
}

// FuzzDecide feeds arbitrary ledger entries and outcomes to the classifier: it never panics,
// never submits without proof that no payout exists, and never claims a failure ("error" with
// DEAD_LETTER) for a row whose payout may exist.
func FuzzDecide(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(0), 1, 0, false, false, int64(0), uint64(1), "")
	f.Add(uint8(1), uint8(2), uint8(10), 3, 2, true, true, int64(31), uint64(499), "P1")
	o := testOptions()
	c := NewClassifier(o, zerolog.Nop())
	states := []State{"", StateSubmitting, StatePendingRetry, StateAccepted, StateFinal, StateReported, "bogus"}
	f.Fuzz(func(t *testing.T, st, ev, out uint8, attempts, failures int, resent, refused bool, secs int64, delivered uint64, orderID string) {
		var e *Entry
		if s := states[int(st)%len(states)]; s != "" {
			e = &Entry{State: s, Attempts: attempts, Failures: failures, Resent: resent, Refused: refused, OrderID: orderID,
				SubmittedAt: t0, AcceptedAt: t0, Result: job.StatusApproved}
		}
		in := Input{Event: Event(int(ev) % 8), Entry: e, Outcome: Outcome(int(out) % 12), Now: t0.Add(time.Duration(secs) * time.Second),
			Delivery: Delivery{NumDelivered: delivered, MaxDeliver: o.MaxDeliver}, Row: Row{BatchID: "b", ClientOrderID: "o"}, Err: fmt.Errorf("x")}
		d := c.Decide(in)
		if d.Step == StepSubmit {
			proof := (in.Event == EventDelivery && (e == nil || e.State == StatePendingRetry)) ||
				(in.Event == EventStatus && in.Outcome == OutcomeNotFound && e != nil && e.State == StateSubmitting && !e.Refused)
			if !proof || d.Next == nil || d.Next.State != StateSubmitting {
				t.Fatalf("submit without proof: %+v -> %+v", in, d)
			}
		}
		mayExist := mayHavePaid(e)
		if in.Event == EventPayout && (in.Outcome == OutcomeRetryable || in.Outcome == OutcomeThrottled || in.Outcome == OutcomeAuth) {
			mayExist = e != nil && e.OrderID != "" // this attempt is proven unsent
		}
		if n := d.Next; n != nil && n.ErrorCode == job.CodeDeadLetter && n.Result == job.StatusError && mayExist {
			t.Fatalf("claimed failure for a payout that may exist: %+v -> %+v", e, n)
		}
		if in.Outcome == OutcomeAuth && e != nil && d.Next != nil && d.Next.Failures > e.Failures {
			t.Fatalf("waiting for the credentials counted as a failure (I4): %+v -> %+v", e, d.Next)
		}
		if d.Action == ActionNakDelay && d.Delay < 0 {
			t.Fatalf("negative delay %s", d.Delay)
		}
	})
}

func FuzzBatchFromSubject(f *testing.F) {
	f.Add("payouts.jobs.B1")
	f.Add("payouts.jobs.a.b")
	f.Add("payouts.jobsX")
	f.Fuzz(func(t *testing.T, subject string) {
		b := batchFromSubject("payouts.jobs", subject)
		if b != "" && (strings.Contains(b, ".") || "payouts.jobs."+b != subject) {
			t.Fatalf("%q -> %q", subject, b)
		}
	})
}
