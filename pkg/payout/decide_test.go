package payout

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/ratelimit"
)

var t0 = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

func testOptions() Options {
	o := DefaultOptions()
	o.MaxDeliver = 500
	return o
}

// decideWant is what one decision must be.
type decideWant struct {
	action   action
	step     step
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
	in   input
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
	lostMissing := &Entry{State: StateLost, Lost: lostMissingEntry, Attempts: 1, SubmittedAt: t0, Deadline: t0}
	lostDeleted := &Entry{State: StateLost, Lost: lostDeletedEntry}
	unresolvedFinal := &Entry{State: StateFinal, Attempts: 1, Result: job.StatusUnresolved, ErrorCode: job.CodeHorizon, OrderID: "P1"}
	deadFinal := &Entry{State: StateFinal, Attempts: 1, Failures: o.MaxFailures, Result: job.StatusError, ErrorCode: job.CodeDeadLetter, DeadLetter: "failures"}
	failingAccepted := &Entry{State: StateAccepted, Attempts: 1, SubmittedAt: t0, AcceptedAt: t0, OrderID: "P1", Failures: o.MaxFailures - 1}

	settled := t0.Add(o.SettleDelay)
	type want = decideWant
	return []decideCase{
		// Deliveries.
		{"new job: ledger first, then submit", input{Event: eventDelivery, Now: t0},
			want{step: stepSubmit, next: StateSubmitting, attempts: 1}},
		{"reported: duplicate delivery acked", input{Event: eventDelivery, Entry: reported, Now: t0},
			want{action: actionAck}},
		{"final: publish the result", input{Event: eventDelivery, Entry: final, Now: t0},
			want{step: stepReport, result: job.StatusApproved}},
		{"pending_retry: submit again", input{Event: eventDelivery, Entry: pending, Now: t0.Add(time.Minute)},
			want{step: stepSubmit, next: StateSubmitting, attempts: 2, failures: 1}},
		{"submitting within settle: wait the rest", input{Event: eventDelivery, Entry: submitting, Now: t0.Add(10 * time.Second)},
			want{action: actionNakDelay, delay: o.SettleDelay - 10*time.Second}},
		{"submitting after settle: look up", input{Event: eventDelivery, Entry: submitting, Now: settled},
			want{step: stepLookup}},
		{"accepted: poll", input{Event: eventDelivery, Entry: accepted, Now: t0.Add(3 * time.Second)},
			want{step: stepLookup}},
		{"accepted past horizon: one more lookup", input{Event: eventDelivery, Entry: accepted, Now: t0.Add(o.Poll.Horizon)},
			want{step: stepLookup}},
		{"max_deliver-1 without entry: dead letter, no payout", input{Event: eventDelivery, Delivery: deliveryMeta{NumDelivered: 499, MaxDeliver: 500}, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusError, code: job.CodeDeadLetter}},
		{"max_deliver-1 accepted: dead letter unresolved", input{Event: eventDelivery, Entry: accepted, Delivery: deliveryMeta{NumDelivered: 499, MaxDeliver: 500}, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1}},
		{"max_deliver-3 accepted: dead letter, leaving deliveries for its report", input{Event: eventDelivery, Entry: accepted, Delivery: deliveryMeta{NumDelivered: 497, MaxDeliver: 500}, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1}},
		{"max_deliver-4 accepted: still polled", input{Event: eventDelivery, Entry: accepted, Delivery: deliveryMeta{NumDelivered: 496, MaxDeliver: 500}, Now: t0.Add(3 * time.Second)},
			want{step: stepLookup}},
		{"max_deliver-1 reported: still just ack", input{Event: eventDelivery, Entry: reported, Delivery: deliveryMeta{NumDelivered: 499, MaxDeliver: 500}, Now: t0},
			want{action: actionAck}},
		{"failures at max pending_retry: dead letter error", input{Event: eventDelivery, Entry: failingPending, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusError, attempts: 1, failures: o.MaxFailures, code: job.CodeDeadLetter}},
		{"unknown state: hold and shout", input{Event: eventDelivery, Entry: &Entry{State: "weird"}, Now: t0},
			want{action: actionNakDelay, delay: o.BackoffMax}},

		// Payout outcomes (entry: submitting, attempt 1).
		{"payout accepted", input{Event: eventPayout, Entry: submitting, Outcome: outcomeAccepted, Gateway: GatewayInfo{OrderID: "P1"}, Now: t0},
			want{action: actionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"payout rejected", input{Event: eventPayout, Entry: submitting, Outcome: outcomeRejected, Gateway: GatewayInfo{ErrorCode: "V1"}, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusRejected, attempts: 1}},
		{"re-sent payout rejected: the earlier request may have paid", input{Event: eventPayout, Entry: resent, Outcome: outcomeRejected, Gateway: GatewayInfo{ErrorCode: "DUP"}, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 2, resent: true}},
		{"payout retryable: not sent", input{Event: eventPayout, Entry: submitting, Outcome: outcomeRetryable, Now: t0},
			want{action: actionNakDelay, next: StatePendingRetry, delay: o.BackoffInitial, attempts: 1, failures: 1}},
		{"payout throttled: Retry-After wins", input{Event: eventPayout, Entry: submitting, Outcome: outcomeThrottled, Gateway: GatewayInfo{RetryAfter: 7 * time.Second}, Now: t0},
			want{action: actionNakDelay, next: StatePendingRetry, delay: 7 * time.Second, attempts: 1, failures: 0}},
		{"payout throttled at max failures: pressure is no failure", input{Event: eventPayout, Entry: failing, Outcome: outcomeThrottled, Now: t0},
			want{action: actionNakDelay, next: StatePendingRetry, delay: o.BackoffInitial, attempts: 1, failures: o.MaxFailures - 1}},
		{"payout auth: not sent, waits for the credentials, not counted (I4)", input{Event: eventPayout, Entry: submitting, Outcome: outcomeAuth, Now: t0},
			want{action: actionNakDelay, next: StatePendingRetry, delay: o.BackoffMax, attempts: 1, failures: 0}},
		{"payout auth at max failures: still no dead letter (I4)", input{Event: eventPayout, Entry: failing, Outcome: outcomeAuth, Now: t0},
			want{action: actionNakDelay, next: StatePendingRetry, delay: o.BackoffMax, attempts: 1, failures: o.MaxFailures - 1}},
		{"payout not sent at max failures: dead letter error", input{Event: eventPayout, Entry: failing, Outcome: outcomeRetryable, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusError, attempts: 1, failures: o.MaxFailures, code: job.CodeDeadLetter}},
		{"payout ambiguous: settle", input{Event: eventPayout, Entry: submitting, Outcome: outcomeAmbiguous, Now: t0.Add(2 * time.Second)},
			want{action: actionNakDelay, next: StateSubmitting, delay: o.SettleDelay - 2*time.Second, attempts: 1}},
		{"payout gateway error with order id: follow it", input{Event: eventPayout, Entry: submitting, Outcome: outcomeGatewayError, Gateway: GatewayInfo{OrderID: "P9", ErrorCode: "E"}, Now: t0},
			want{action: actionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"payout gateway error without order id: settle", input{Event: eventPayout, Entry: submitting, Outcome: outcomeGatewayError, Gateway: GatewayInfo{ErrorCode: "E"}, Now: t0},
			want{action: actionNakDelay, next: StateSubmitting, delay: o.SettleDelay, attempts: 1, refused: true}},
		{"payout outcome on a non-submitting entry: inconsistent", input{Event: eventPayout, Entry: accepted, Outcome: outcomeAccepted, Now: t0},
			want{action: actionNakDelay, delay: o.BackoffMax}},
		{"status outcome as payout outcome: inconsistent", input{Event: eventPayout, Entry: submitting, Outcome: outcomeFinal, Now: t0},
			want{action: actionNakDelay, delay: o.BackoffMax}},

		// Status outcomes after settling (entry: submitting).
		{"lookup final", input{Event: eventStatus, Entry: submitting, Outcome: outcomeFinal, Gateway: GatewayInfo{Status: "declined", OrderID: "P1"}, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusDeclined, attempts: 1}},
		{"lookup pending: follow", input{Event: eventStatus, Entry: submitting, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing", OrderID: "P1"}, Now: settled},
			want{action: actionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"lookup not found: re-submit, marked as re-sent", input{Event: eventStatus, Entry: submitting, Outcome: outcomeNotFound, Now: settled},
			want{step: stepSubmit, next: StateSubmitting, attempts: 2, resent: true}},
		{"lookup not found at max attempts: unresolved", input{Event: eventStatus, Entry: lastAttempt, Outcome: outcomeNotFound, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: o.MaxAttempts, code: job.CodeMaxAttempts}},
		{"lookup not found after refusal: error, never re-sent", input{Event: eventStatus, Entry: refused, Outcome: outcomeNotFound, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusError, attempts: 1, refused: true, code: "E42"}},
		{"lookup not found after a re-sent refusal: unresolved", input{Event: eventStatus, Entry: resentRefused, Outcome: outcomeNotFound, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 2, refused: true, resent: true, code: job.CodeRefusedRepeat}},
		{"lookup failed: back off", input{Event: eventStatus, Entry: submitting, Outcome: outcomeLookupFailed, Now: settled},
			want{action: actionNakDelay, next: StateSubmitting, delay: o.BackoffInitial, attempts: 1, failures: 1}},
		{"lookup auth: waits for the credentials, not counted (I4)", input{Event: eventStatus, Entry: failing, Outcome: outcomeAuth, Now: settled},
			want{action: actionNakDelay, delay: o.BackoffMax}},
		{"lookup failed at max failures: dead letter unresolved", input{Event: eventStatus, Entry: failing, Outcome: outcomeLookupFailed, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, failures: o.MaxFailures}},

		// Status outcomes while polling (entry: accepted).
		{"poll final", input{Event: eventStatus, Entry: accepted, Outcome: outcomeFinal, Gateway: GatewayInfo{Status: "approved"}, Now: t0.Add(time.Minute)},
			want{step: stepReport, next: StateFinal, result: job.StatusApproved, attempts: 1}},
		{"poll final error status", input{Event: eventStatus, Entry: accepted, Outcome: outcomeFinal, Gateway: GatewayInfo{Status: "error", ErrorCode: "PROCESSOR_INTERNAL_ERROR"}, Now: t0.Add(time.Minute)},
			want{step: stepReport, next: StateFinal, result: job.StatusError, attempts: 1}},
		{"poll pending unchanged, fast phase: poll counted", input{Event: eventStatus, Entry: accepted, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing"}, Now: t0.Add(time.Minute)},
			want{action: actionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"poll pending changed: recorded", input{Event: eventStatus, Entry: accepted, Outcome: outcomePending, Gateway: GatewayInfo{Status: "unknown"}, Now: t0.Add(time.Minute)},
			want{action: actionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"poll pending, slow phase", input{Event: eventStatus, Entry: accepted, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing"}, Now: t0.Add(10 * time.Minute)},
			want{action: actionNakDelay, next: StateAccepted, delay: o.Poll.SlowInterval, attempts: 1}},
		{"poll pending near horizon: capped", input{Event: eventStatus, Entry: accepted, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing"}, Now: t0.Add(o.Poll.Horizon - time.Minute)},
			want{action: actionNakDelay, next: StateAccepted, delay: time.Minute, attempts: 1}},
		{"poll pending past horizon: unresolved", input{Event: eventStatus, Entry: accepted, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing"}, Now: t0.Add(o.Poll.Horizon)},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1}},
		{"poll not found: a failure, never a re-send", input{Event: eventStatus, Entry: accepted, Outcome: outcomeNotFound, Now: t0.Add(time.Minute)},
			want{action: actionNakDelay, next: StateAccepted, delay: o.BackoffInitial, attempts: 1, failures: 1}},
		{"poll failed at max failures: dead letter unresolved", input{Event: eventStatus, Entry: failingAccepted, Outcome: outcomeLookupFailed, Now: t0.Add(time.Minute)},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, failures: o.MaxFailures}},
		{"callback lookup finds an order for a pending_retry entry: final", input{Event: eventStatus, Entry: pending, Outcome: outcomeFinal, Gateway: GatewayInfo{Status: "approved", OrderID: "P3"}, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusApproved, attempts: 1, failures: 1}},
		{"callback lookup finds a pending order for a pending_retry entry: followed", input{Event: eventStatus, Entry: pending, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing", OrderID: "P3"}, Now: t0},
			want{action: actionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1, failures: 1}},
		{"status not found for a pending_retry entry: inconsistent", input{Event: eventStatus, Entry: pending, Outcome: outcomeNotFound, Now: t0},
			want{action: actionNakDelay, delay: o.BackoffMax}},

		// Lost entries: a redelivery without one, a missing one, a tombstone (I1, I3).
		{"no entry on a later delivery: record it lost, settle (I1, I3)", input{Event: eventDelivery, Delivery: deliveryMeta{NumDelivered: 2}, Now: t0},
			want{action: actionNakDelay, next: StateLost, delay: o.SettleDelay - o.CallTimeout}},
		{"lost within settle: wait the rest", input{Event: eventDelivery, Entry: lostMissing, Delivery: deliveryMeta{NumDelivered: 3}, Now: t0},
			want{action: actionNakDelay, delay: o.SettleDelay}},
		{"lost, settled: look up", input{Event: eventDelivery, Entry: lostMissing, Delivery: deliveryMeta{NumDelivered: 3}, Now: settled},
			want{step: stepLookup}},
		{"lost (missing), lookup not found: sent, marked as re-sent", input{Event: eventStatus, Entry: lostMissing, Outcome: outcomeNotFound, Now: settled},
			want{step: stepSubmit, next: StateSubmitting, attempts: 2, resent: true}},
		{"lost (missing), lookup pending: follow", input{Event: eventStatus, Entry: lostMissing, Outcome: outcomePending, Gateway: GatewayInfo{Status: "processing", OrderID: "P1"}, Now: settled},
			want{action: actionNakDelay, next: StateAccepted, delay: o.Poll.FastInterval, attempts: 1}},
		{"tombstone, lookup not found: unresolved, never sent (I1)", input{Event: eventStatus, Entry: lostDeleted, Outcome: outcomeNotFound, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, code: job.CodeTombstone}},
		{"lookup answers about another order: a failed lookup", input{Event: eventStatus, Entry: accepted, Outcome: outcomeFinal, Gateway: GatewayInfo{Status: "approved", OrderID: "P2"}, Now: t0.Add(time.Minute)},
			want{action: actionNakDelay, next: StateAccepted, delay: o.BackoffInitial, attempts: 1, failures: 1}},
		{"lookup final with an unlisted status: unresolved", input{Event: eventStatus, Entry: accepted, Outcome: outcomeFinal, Gateway: GatewayInfo{Status: "voided"}, Now: t0.Add(time.Minute)},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, code: job.CodeUnlistedStatus}},
		{"unlisted not-found answer at max failures: unresolved, never sent", input{Event: eventStatus, Entry: failing, Outcome: outcomeLookupFailed, Gateway: GatewayInfo{ErrorCode: "G404"}, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, failures: o.MaxFailures, code: job.CodeNotFoundUnprovable}},

		// Unreadable jobs of real rows; NoParams: its data key is missing, so it is never sent (I1, I2).
		{"data key missing, no entry: error, proven unsent", input{Event: eventUnreadable, NoParams: true, Err: errDataKeyUnavailable, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusError, code: job.CodeDataKeyUnavailable}},
		{"data key missing, pending_retry: error, proven unsent", input{Event: eventUnreadable, Entry: pending, NoParams: true, Err: errDataKeyUnavailable, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusError, attempts: 1, failures: 1, code: job.CodeDataKeyUnavailable}},
		{"data key missing, no entry on a later delivery: record it lost, settle (I1, I3)", input{Event: eventUnreadable, NoParams: true, Err: errDataKeyUnavailable, Delivery: deliveryMeta{NumDelivered: 2}, Now: t0},
			want{action: actionNakDelay, next: StateLost, delay: o.SettleDelay - o.CallTimeout}},
		{"data key missing, accepted: poll (a lookup needs no parameters)", input{Event: eventUnreadable, Entry: accepted, NoParams: true, Err: errDataKeyUnavailable, Now: t0.Add(3 * time.Second)},
			want{step: stepLookup}},
		{"data key missing, submitting after settle: look up", input{Event: eventUnreadable, Entry: submitting, NoParams: true, Err: errDataKeyUnavailable, Now: settled},
			want{step: stepLookup}},
		{"data key missing, lookup not found: unresolved, never sent (I1)", input{Event: eventStatus, Entry: submitting, Outcome: outcomeNotFound, NoParams: true, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, code: job.CodeDeadLetterUnresolved}},
		{"data key missing, lost, lookup not found: unresolved, never sent (I1)", input{Event: eventStatus, Entry: lostMissing, Outcome: outcomeNotFound, NoParams: true, Now: settled},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, attempts: 1, code: job.CodeDeadLetterUnresolved}},
		{"undecodable, accepted: dead letter only, for a person", input{Event: eventUnreadable, Entry: accepted, Err: errUndecodable, Now: t0},
			want{action: actionTerm, step: stepDeadLetter}},
		{"undecodable, no entry on the first delivery: error, proven unsent", input{Event: eventUnreadable, Err: errUndecodable, Delivery: deliveryMeta{NumDelivered: 1}, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusError, code: job.CodeUndecodable}},
		{"undecodable, no entry on a later delivery: unresolved, never proven unsent (the entry may be lost; I1, I3)", input{Event: eventUnreadable, Err: errUndecodable, Delivery: deliveryMeta{NumDelivered: 2}, Now: t0},
			want{step: stepReport, next: StateFinal, result: job.StatusUnresolved, code: job.CodeDeadLetterUnresolved}},

		// Reported, undecodable, infrastructure.
		{"result published: reported, ack", input{Event: eventReported, Entry: final, Now: t0},
			want{action: actionAck, next: StateReported, result: job.StatusApproved, attempts: 1}},
		{"unresolved result published: reported, ack", input{Event: eventReported, Entry: unresolvedFinal, Now: t0},
			want{action: actionAck, next: StateReported, result: job.StatusUnresolved, attempts: 1}},
		{"dead letter published: reported, ack", input{Event: eventReported, Entry: deadFinal, Now: t0},
			want{action: actionAck, next: StateReported, result: job.StatusError, attempts: 1, failures: o.MaxFailures}},
		{"result published twice: ack", input{Event: eventReported, Entry: reported, Now: t0},
			want{action: actionAck}},
		{"reported without final entry: inconsistent", input{Event: eventReported, Entry: accepted, Now: t0},
			want{action: actionNakDelay, delay: o.BackoffMax}},
		{"undecodable: dead letter, term", input{Event: eventUndecodable, Now: t0},
			want{action: actionTerm, step: stepDeadLetter}},
		{"infra error: retried soon, whatever the deliveries spent on polls (issue 15)", input{Event: eventInfraError, Entry: accepted, Delivery: deliveryMeta{NumDelivered: 20}, Err: fmt.Errorf("kv down"), Now: t0},
			want{action: actionNakDelay, delay: o.BackoffInitial}},
		{"no gateway slot for a new row: handed back, proven unsent (I4)", input{Event: eventInfraError, Delivery: deliveryMeta{NumDelivered: 1}, Err: ErrNoGatewaySlot, Now: t0},
			want{action: actionNakDelay, next: StatePendingRetry, delay: o.BackoffInitial}},
		{"no gateway slot, no pause (limiter re-admitting after its bucket's election): back soon, whatever the deliveries (issue 15)", input{Event: eventInfraError, Entry: accepted, Delivery: deliveryMeta{NumDelivered: 20}, Err: fmt.Errorf("%w: %w", ErrNoGatewaySlot, context.DeadlineExceeded), Now: t0},
			want{action: actionNakDelay, delay: o.BackoffInitial}},
		{"no gateway slot during a pause or pressure: backs off by delivery", input{Event: eventInfraError, Entry: accepted, Delivery: deliveryMeta{NumDelivered: 3}, Err: fmt.Errorf("%w: %w", ErrNoGatewaySlot, ratelimit.ErrPaused), Now: t0},
			want{action: actionNakDelay, delay: o.backoff(3)}},
		{"interrupted by shutdown: handed back, nothing counted", input{Event: eventInterrupted, Entry: submitting, Err: fmt.Errorf("shutdown"), Now: t0},
			want{action: actionNakDelay}},
		{"not enqueued: dead letter, term, never sent", input{Event: eventNotEnqueued, Err: fmt.Errorf("no manifest"), Now: t0},
			want{action: actionTerm, step: stepDeadLetter}},
	}
}

// TestDecide checks the decision table (I1-I5: each case names what it protects).
func TestDecide(t *testing.T) {
	t.Parallel()
	o := testOptions()
	row := rowID{BatchID: "b1", ClientOrderID: "o1", Line: 2}
	c := newClassifier(o, zerolog.Nop())
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
	c := newClassifier(o, zerolog.Nop())
	states := []State{StateSubmitting, StatePendingRetry, StateAccepted, StateFinal, StateReported}
	events := []event{eventDelivery, eventPayout, eventStatus, eventReported}
	for _, st := range states {
		for _, refused := range []bool{false, true} {
			for _, ev := range events {
				for out := outcomeNone; out <= outcomeLookupFailed; out++ {
					for _, now := range []time.Time{t0, t0.Add(o.SettleDelay), t0.Add(2 * o.Poll.Horizon)} {
						e := &Entry{State: st, Attempts: 1, SubmittedAt: t0, AcceptedAt: t0, Refused: refused, Result: job.StatusApproved}
						d := c.Decide(input{Event: ev, Entry: e, Outcome: out, Now: now, Row: rowID{BatchID: "b", ClientOrderID: "o"}})
						if d.Step != stepSubmit {
							continue
						}
						ok := (ev == eventDelivery && st == StatePendingRetry) ||
							(ev == eventStatus && out == outcomeNotFound && st == StateSubmitting)
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
		// Zero is the default only to WithDefaults: a limiter of rate 0 would refuse every
		// callback after the first burst.
		{"callback_rate", func(o *Options) { o.CallbackRate = 0 }},
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
	c := newClassifier(testOptions(), zerolog.New(&buf).Level(zerolog.DebugLevel))
	inputs := []input{
		{Event: eventDelivery, Now: t0},
		{Event: eventPayout, Entry: &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0}, Outcome: outcomeAccepted, Gateway: GatewayInfo{OrderID: "P1"}, Now: t0},
		{Event: eventUndecodable, Now: t0},
		{Event: eventInfraError, Err: fmt.Errorf("down"), Now: t0},
	}
	for _, in := range inputs {
		in.Row = rowID{BatchID: "b", ClientOrderID: "o", Line: 3}
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
	c := newClassifier(o, zerolog.Nop())
	states := []State{"", StateSubmitting, StatePendingRetry, StateAccepted, StateFinal, StateReported, "bogus"}
	f.Fuzz(func(t *testing.T, st, ev, out uint8, attempts, failures int, resent, refused bool, secs int64, delivered uint64, orderID string) {
		var e *Entry
		if s := states[int(st)%len(states)]; s != "" {
			e = &Entry{State: s, Attempts: attempts, Failures: failures, Resent: resent, Refused: refused, OrderID: orderID,
				SubmittedAt: t0, AcceptedAt: t0, Result: job.StatusApproved}
		}
		in := input{Event: event(int(ev) % 8), Entry: e, Outcome: outcome(int(out) % 12), Now: t0.Add(time.Duration(secs) * time.Second),
			Delivery: deliveryMeta{NumDelivered: delivered, MaxDeliver: o.MaxDeliver}, Row: rowID{BatchID: "b", ClientOrderID: "o"}, Err: fmt.Errorf("x")}
		d := c.Decide(in)
		if d.Step == stepSubmit {
			proof := (in.Event == eventDelivery && (e == nil || e.State == StatePendingRetry)) ||
				(in.Event == eventStatus && in.Outcome == outcomeNotFound && e != nil && e.State == StateSubmitting && !e.Refused)
			if !proof || d.Next == nil || d.Next.State != StateSubmitting {
				t.Fatalf("submit without proof: %+v -> %+v", in, d)
			}
		}
		mayExist := mayHavePaid(e)
		if in.Event == eventPayout && (in.Outcome == outcomeRetryable || in.Outcome == outcomeThrottled || in.Outcome == outcomeAuth) {
			mayExist = e != nil && e.OrderID != "" // this attempt is proven unsent
		}
		if n := d.Next; n != nil && n.ErrorCode == job.CodeDeadLetter && n.Result == job.StatusError && mayExist {
			t.Fatalf("claimed failure for a payout that may exist: %+v -> %+v", e, n)
		}
		if in.Outcome == outcomeAuth && e != nil && d.Next != nil && d.Next.Failures > e.Failures {
			t.Fatalf("waiting for the credentials counted as a failure (I4): %+v -> %+v", e, d.Next)
		}
		if d.Action == actionNakDelay && d.Delay < 0 {
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
