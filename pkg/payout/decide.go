package payout

import (
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// action is what happens to the job message once a decision is carried out.
type action int

// Actions.
const (
	// actionLeave: no reply yet. With a Step, the step's outcome is classified next; without one,
	// the message is left to the server, which redelivers it after AckWait.
	actionLeave    action = iota
	actionAck             // done: DoubleAck
	actionNakDelay        // redeliver after Delay
	actionTerm            // never redeliver (undecodable message, already dead-lettered)
)

func (a action) String() string {
	return [...]string{"leave", "ack", "nak_delay", "term"}[a]
}

// step is the I/O the machine performs before the next classification.
type step int

// Steps.
const (
	stepNone       step = iota
	stepSubmit          // send the payout request (after the ledger write that counts it)
	stepLookup          // status call by client_orderid (+ order id when known)
	stepReport          // publish the result (and the dead letter, if any), then classify eventReported
	stepDeadLetter      // publish a dead letter for a message that has no row (undecodable)
)

func (s step) String() string {
	return [...]string{"none", "submit", "lookup", "report", "dead_letter"}[s]
}

// event is what the classifier is asked about.
type event int

// Events.
const (
	eventDelivery    event = iota // a delivery of the job arrived; Entry is the ledger's view
	eventPayout                   // the payout call returned Outcome
	eventStatus                   // the status call returned Outcome
	eventReported                 // the result was published
	eventUndecodable              // the message could not be decoded
	eventInfraError               // the ledger or the stream failed (Err)
	eventInterrupted              // the worker is shutting down before the step finished
	eventNotEnqueued              // the job was not published by enqueue (Err says why): never sent
	eventUnreadable               // the job names an enqueued row but cannot be decoded or opened (Err): never sent
)

func (e event) String() string {
	return [...]string{"delivery", "payout", "status", "reported", "undecodable", "infra_error", "interrupted", "not_enqueued", "unreadable"}[e]
}

// rowID identifies the job being decided.
type rowID struct {
	BatchID       string
	ClientOrderID string
	Line          int
}

// deliveryMeta is the message's delivery metadata.
type deliveryMeta struct {
	NumDelivered uint64
	MaxDeliver   int // -1: unlimited
}

// input is everything the classifier decides on.
type input struct {
	Event event
	Row   rowID
	// Entry is the ledger's current view: nil when the key has no message at all (or, for
	// eventInfraError, when it could not be read; an ErrNoGatewaySlot error always follows a
	// successful read), a StateLost entry for a delete or purge marker.
	Entry    *Entry
	Outcome  outcome
	Gateway  GatewayInfo
	Delivery deliveryMeta
	Now      time.Time
	Err      error // eventInfraError
	// Unbound: the row's reservation is lost (the row vouched for, but its job's content cannot
	// be checked): look the order up and follow it, never send.
	Unbound bool
	// NoParams: the job's sealed parameters name a data key this worker does not hold. The row
	// is followed by status lookups (which need only its identity and the ledger's order id);
	// a send it would need ends it instead (unsendable), since the request cannot be made.
	NoParams bool
}

// decision is the classifier's answer. Next, when set, is written to the ledger (CAS) before
// Step runs and before Action is applied; a CAS conflict discards the decision and the machine
// re-reads the entry and classifies again.
type decision struct {
	Action       action
	Step         step
	Next         *Entry
	Delay        time.Duration
	Reason       string
	ResultStatus job.Status // set when the row is finished
	Level        zerolog.Level
}

// classifier is the one function that decides every outcome.
type classifier struct {
	opts Options
	log  zerolog.Logger
}

// newClassifier returns a classifier for opts (which should be validated).
func newClassifier(opts Options, log zerolog.Logger) *classifier {
	return &classifier{opts: opts, log: log}
}

// Decide classifies in and logs the decision with the same fields every time.
func (c *classifier) Decide(in input) decision {
	d := c.decide(in)
	if d.Step == stepSubmit && in.NoParams {
		d = c.unsendable(in)
	}
	if d.Level == zerolog.NoLevel {
		d.Level = zerolog.DebugLevel
	}
	ev := c.log.WithLevel(d.Level).
		Str("batch", in.Row.BatchID).
		Str("client_orderid", in.Row.ClientOrderID).
		Int("line", in.Row.Line).
		Str("event", in.Event.String()).
		Str("outcome", in.Outcome.String()).
		Uint64("delivery", in.Delivery.NumDelivered).
		Str("action", d.Action.String()).
		Str("step", d.Step.String()).
		Dur("delay_ms", d.Delay).
		Str("reason", d.Reason)
	state, attempt, failures, orderID := State("none"), 0, 0, in.Gateway.OrderID
	if e := in.Entry; e != nil {
		state, attempt, failures = e.State, e.Attempts, e.Failures
		if orderID == "" {
			orderID = e.OrderID
		}
	}
	if n := d.Next; n != nil {
		ev = ev.Str("next_state", string(n.State))
		if n.OrderID != "" {
			orderID = n.OrderID
		}
	}
	ev.Str("state", string(state)).Int("attempt", attempt).Int("failures", failures).
		Str("order_id", orderID).Str("result", string(d.ResultStatus)).Msg("payout decision")
	return d
}

func (c *classifier) decide(in input) decision {
	switch in.Event {
	case eventUndecodable:
		return decision{Action: actionTerm, Step: stepDeadLetter, Reason: "job message cannot be decoded", Level: zerolog.ErrorLevel}
	case eventNotEnqueued:
		return decision{Action: actionTerm, Step: stepDeadLetter, Reason: fmt.Sprintf("never sent: %v", in.Err), Level: zerolog.ErrorLevel}
	case eventInfraError:
		if errors.Is(in.Err, ErrNoGatewaySlot) {
			// Expected during a pause or under pressure: not a fault, so not a warning per job,
			// and never counted against the row (I4). A pause or gateway pressure may last, so
			// the job backs off by its delivery number; without one (the limiter re-admitting
			// its members after its bucket's election, a backlog) a slot comes within seconds,
			// and a polled row, whose polls spent deliveries, must not wait up to backoff_max.
			delay := c.opts.BackoffInitial
			if errors.Is(in.Err, ratelimit.ErrPaused) {
				delay = c.opts.backoff(int(in.Delivery.NumDelivered))
			}
			return decision{Action: actionNakDelay, Next: c.waiting(in), Delay: delay,
				Reason: fmt.Sprintf("waiting for the gateway (rate limit, pause or pressure): handed back: %v", in.Err), Level: zerolog.InfoLevel}
		}
		// The ledger or the stream could not be read or written (a leader election, an outage):
		// a condition of the pool, not of the row, so the row is tried again soon. Its delivery
		// count says nothing here (status polls spend deliveries), and backing off by it left
		// polled rows waiting up to backoff_max after a 5 s election.
		return decision{Action: actionNakDelay, Delay: c.opts.BackoffInitial,
			Reason: fmt.Sprintf("ledger or stream unavailable: %v", in.Err), Level: zerolog.WarnLevel}
	case eventInterrupted:
		// Nothing was learned and nothing may be counted against the row: hand it back at once.
		var next *Entry
		if errors.Is(in.Err, ErrNoGatewaySlot) {
			next = c.waiting(in)
		}
		return decision{Action: actionNakDelay, Next: next, Reason: "interrupted by shutdown: handed back", Level: zerolog.InfoLevel}
	case eventUnreadable:
		return c.onUnreadable(in)
	case eventDelivery:
		return c.onDelivery(in)
	case eventPayout:
		return c.onPayout(in)
	case eventStatus:
		return c.onStatus(in)
	case eventReported:
		return c.onReported(in)
	}
	return c.stuck(in, fmt.Sprintf("unknown event %d", in.Event))
}

// onUnreadable ends a row of a real batch (manifest and reservation agree) whose job message
// cannot be read: with a final error and a documented code when the ledger proves nothing was
// ever sent (no entry, or pending_retry), so that the row has its result and can be put back
// once the cause is fixed. A job that only lacks its data key (NoParams) is followed like any
// delivery when a payout may exist or a lookup must come first (lookups need no parameters) and
// ends as unsendable where a send is needed. An undecodable job of a row whose payout may exist
// gets a dead letter only, for a person; one redelivered without an entry ends unresolved.
func (c *classifier) onUnreadable(in input) decision {
	e := in.Entry
	if e != nil && (e.State == StateFinal || e.State == StateReported) {
		return c.onDelivery(in) // decided already: publish the result, or ack
	}
	if in.NoParams {
		if mayHavePaid(e) || lookupFirst(e, in.Delivery) {
			// Followed (a redelivery without an entry is looked up first: the entry may be
			// lost); a send it would need ends it (Decide: unsendable).
			return c.onDelivery(in)
		}
		return c.unsendable(in)
	}
	if mayHavePaid(e) {
		return decision{Action: actionTerm, Step: stepDeadLetter, Level: zerolog.ErrorLevel,
			Reason: fmt.Sprintf("never sent: the job cannot be read (%v) and a payout of its row may exist (ledger state %s): a person must look", in.Err, e.State)}
	}
	next := Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line}
	if e != nil {
		next = *e
	}
	reason := fmt.Sprintf("job cannot be read: %v", in.Err)
	next.DeadLetter = reason
	if e == nil && lookupFirst(e, in.Delivery) {
		// No entry on a redelivery proves nothing (the entry may be lost), and the job cannot be
		// followed: the row ends unresolved, never as proven unsent (which `enqueue --retry`
		// would send again).
		return c.unresolved(&next, in.Now, job.CodeDeadLetterUnresolved, "dead letter: "+reason+"; its ledger entry is missing on a redelivery: an earlier delivery's payout may exist")
	}
	return c.finish(&next, in.Now, job.StatusError, job.CodeUndecodable, reason+"; no payout was sent", "dead letter: "+reason+"; no payout was sent", zerolog.ErrorLevel)
}

// unsendable ends a row whose next step would be a send while its job's sealed parameters name
// a data key this worker does not hold (NoParams): the request cannot be made. The entry the send
// was decided on says how: "error"/DATA_KEY_UNAVAILABLE when it proves nothing was sent (the row
// can be put back once the key is restored), else "unresolved"/DEAD_LETTER_UNRESOLVED (an earlier
// request may have paid: a person must reconcile; DATA_KEY_UNAVAILABLE promises consumers that
// nothing was sent, so it is never used here). Both with a dead letter naming the missing key.
func (c *classifier) unsendable(in input) decision {
	next := Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line}
	if in.Entry != nil {
		next = *in.Entry
	}
	reason := "a send is needed, but the job's sealed parameters name a data key this worker does not hold"
	if in.Err != nil {
		reason += fmt.Sprintf(" (%v)", in.Err)
	}
	next.DeadLetter = reason
	if mayHavePaid(in.Entry) {
		return c.unresolved(&next, in.Now, job.CodeDeadLetterUnresolved, "dead letter: "+reason+"; an earlier request's payout may exist")
	}
	return c.finish(&next, in.Now, job.StatusError, job.CodeDataKeyUnavailable, reason+"; no payout was sent", "dead letter: "+reason+"; no payout was sent", zerolog.ErrorLevel)
}

// waiting is the entry a new row gets when it is handed back before its first request (no
// gateway slot: a pause, pressure, the rate limit): pending_retry with no attempt, so that its
// next delivery, which finds an entry that proves nothing was sent, needs no lookup before the
// send (lookupFirst). nil when the row already has an entry. ErrNoGatewaySlot only ever follows
// a ledger read that succeeded, so a nil Entry here means the row has none.
func (c *classifier) waiting(in input) *Entry {
	if in.Entry != nil {
		return nil
	}
	return &Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line,
		State: StatePendingRetry, Reason: "handed back before the first request (no gateway slot): nothing sent"}
}

func (c *classifier) onDelivery(in input) decision {
	e, now := in.Entry, in.Now
	if e != nil {
		switch e.State {
		case StateReported:
			return decision{Action: actionAck, Reason: "already reported (duplicate delivery)"}
		case StateFinal:
			return decision{Step: stepReport, ResultStatus: e.Result, Reason: "result decided: publish it"}
		}
	}
	if reason := c.deadReason(in); reason != "" {
		return c.deadLetter(in, e, reason)
	}
	if e != nil && e.State == StateAccepted {
		// Even past the horizon: the horizon is only ever decided on a lookup's answer (I5).
		return decision{Step: stepLookup, Reason: "poll the accepted order"}
	}
	if e != nil && e.State != StateSubmitting && e.State != StatePendingRetry && e.State != StateLost {
		return c.stuck(in, fmt.Sprintf("unknown ledger state %q", e.State))
	}
	if in.Unbound && (e == nil || e.State == StatePendingRetry) {
		return c.reservationLost(in)
	}
	if lookupFirst(e, in.Delivery) {
		return c.lookUpFirst(in)
	}
	switch {
	case e == nil:
		next := &Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line}
		return c.submit(next, now, 1, "new payout: ledger first, then submit")
	case lastRequestUnsent(e):
		next := *e
		return c.submit(&next, now, e.Attempts+1, "retry: the last request was definitely not sent")
	}
	// Only with the guard switched off (the negative control's test build): send again blindly.
	next := *e
	next.Resent = true
	d := c.submit(&next, now, e.Attempts+1, "UNSAFE TEST HOOK: outcome unknown, re-sent without a lookup")
	d.Level = zerolog.ErrorLevel
	return d
}

// lookUpFirst waits until no request for the row can still be in flight (the writer's
// recorded deadline plus the settle margin), then looks the order up. A redelivery without an
// entry first records a lost entry: the lookup's failures need a place to be counted, and the
// entry's deadline (now: a request of an earlier delivery ended before this redelivery, since
// ack_wait exceeds every worker's call timeout) starts the settle wait.
func (c *classifier) lookUpFirst(in input) decision {
	e, now := in.Entry, in.Now
	if e == nil {
		next := &Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line,
			State: StateLost, Lost: lostMissingEntry, Deadline: now}
		next.Reason = fmt.Sprintf("delivery %d finds no ledger entry (lost?): settle, then look the order up before any send", in.Delivery.NumDelivered)
		return decision{Action: actionNakDelay, Next: next, Delay: c.settleLeft(next, now), Reason: next.Reason, Level: zerolog.WarnLevel}
	}
	if !c.settled(e, now) {
		return decision{Action: actionNakDelay, Delay: c.lookupAt(e).Sub(now),
			Reason: fmt.Sprintf("attempt %d outcome unknown (%s): settling before the lookup", e.Attempts, e.State)}
	}
	return decision{Step: stepLookup, Reason: fmt.Sprintf("settled (%s): look the order up by client_orderid", e.State)}
}

// reservationLost records that the row's reservation was lost (a lost entry: never sent again)
// and settles before the lookup that decides how the row ends.
func (c *classifier) reservationLost(in input) decision {
	next := Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line}
	if in.Entry != nil {
		next = *in.Entry
	}
	next.State, next.Lost, next.Deadline = StateLost, lostReservation, in.Now
	next.Reason = "the client_orderid reservation is lost: settle, then look the order up; never sent"
	return decision{Action: actionNakDelay, Next: &next, Delay: c.settleLeft(&next, in.Now), Reason: next.Reason, Level: zerolog.WarnLevel}
}

// submit records attempt n as submitting (with the request's deadline) and sends it.
func (c *classifier) submit(next *Entry, now time.Time, n int, reason string) decision {
	next.State, next.Attempts, next.Lost = StateSubmitting, n, ""
	next.SubmittedAt, next.Deadline = now, now.Add(c.opts.CallTimeout)
	next.Reason = reason
	return decision{Step: stepSubmit, Next: next, Reason: reason}
}

func (c *classifier) onPayout(in input) decision {
	e, now, o, g := in.Entry, in.Now, c.opts, in.Gateway
	if e == nil || e.State != StateSubmitting {
		return c.stuck(in, "payout outcome without a submitting ledger entry")
	}
	next := *e
	switch in.Outcome {
	case outcomeAccepted:
		return c.accept(&next, g, now, fmt.Sprintf("accepted (attempt %d): poll the status", e.Attempts))
	case outcomeGatewayError:
		next.ErrorCode, next.ErrorMessage = g.ErrorCode, g.ErrorMessage
		if g.OrderID != "" {
			return c.accept(&next, g, now, "gateway error with an order id: follow the order")
		}
		next.Refused = true
		next.Reason = "gateway error without an order id: settle, then look the order up"
		return decision{Action: actionNakDelay, Next: &next, Delay: c.settleLeft(e, now), Reason: next.Reason, Level: zerolog.WarnLevel}
	case outcomeRejected:
		if e.Resent {
			next.ErrorCode, next.ErrorMessage = g.ErrorCode, g.ErrorMessage
			return c.unresolved(&next, now, job.CodeRefusedRepeat, fmt.Sprintf("attempt %d rejected, but an earlier request's outcome was unknown (a refused repeat may mean its payout exists)", e.Attempts))
		}
		return c.finish(&next, now, job.StatusRejected, g.ErrorCode, g.ErrorMessage, "rejected by validation: no payout exists", zerolog.InfoLevel)
	case outcomeThrottled:
		// The gateway pushed back before processing: the pool's limiter backs off, and waiting
		// out pressure is not the row's failure, so it never counts towards max_failures.
		next.State = StatePendingRetry
		next.Reason = fmt.Sprintf("attempt %d throttled, not processed: retry after the pressure", e.Attempts)
		return decision{Action: actionNakDelay, Next: &next, Delay: o.capped(max(o.BackoffInitial, g.RetryAfter)), Reason: next.Reason, Level: zerolog.InfoLevel}
	case outcomeAuth:
		// 401/403: the pool's credentials are refused, which is no fault of the row. The pool
		// stops sending (the gateway client reports it to the limiter) and the row waits for
		// the fix, never counting a failure (I4).
		next.State = StatePendingRetry
		next.Reason = fmt.Sprintf("attempt %d refused authentication, not processed: waiting for the credentials to be fixed", e.Attempts)
		return decision{Action: actionNakDelay, Next: &next, Delay: o.BackoffMax, Reason: next.Reason, Level: zerolog.WarnLevel}
	case outcomeRetryable:
		next.State, next.Failures = StatePendingRetry, e.Failures+1
		next.ErrorCode, next.ErrorMessage = g.ErrorCode, g.ErrorMessage
		reason := fmt.Sprintf("attempt %d not sent: failure %d", e.Attempts, next.Failures)
		if c.atMaxFailures(next.Failures) {
			return c.deadLetter(in, &next, reason+" reached max_failures")
		}
		next.Reason = reason
		return decision{Action: actionNakDelay, Next: &next, Delay: o.capped(max(o.backoff(next.Failures), g.RetryAfter)), Reason: reason, Level: zerolog.WarnLevel}
	case outcomeAmbiguous:
		next.Reason = fmt.Sprintf("attempt %d outcome unknown: settle, then look the order up", e.Attempts)
		return decision{Action: actionNakDelay, Next: &next, Delay: c.settleLeft(e, now), Reason: next.Reason, Level: zerolog.WarnLevel}
	}
	return c.stuck(in, fmt.Sprintf("payout outcome %s is not a payout outcome", in.Outcome))
}

func (c *classifier) onStatus(in input) decision {
	e, now, o, g := in.Entry, in.Now, c.opts, in.Gateway
	// A pending_retry entry is looked up only after a verified callback: an order found for it
	// exists after all (the request thought unsent reached the gateway) and must never be sent
	// again.
	orderFound := in.Outcome == outcomeFinal || in.Outcome == outcomePending
	failed := in.Outcome.String()
	if orderFound && foreignOrder(e, g) {
		// An answer about another order is no answer: the known order id is never replaced.
		in.Outcome, orderFound = outcomeLookupFailed, false
		failed = fmt.Sprintf("the answer is about order %s, the ledger's is %s", g.OrderID, e.OrderID)
	}
	if e == nil || (e.State != StateSubmitting && e.State != StateAccepted && e.State != StateLost && (e.State != StatePendingRetry || !orderFound)) {
		return c.stuck(in, "status outcome without a submitting, lost or accepted ledger entry")
	}
	next := *e
	if orderFound {
		next.Polls, next.LookedUpAt = e.Polls+1, now
	}
	switch in.Outcome {
	case outcomeFinal:
		if g.OrderID != "" {
			next.OrderID = g.OrderID
		}
		if g.SerialNumber != "" {
			next.SerialNumber = g.SerialNumber
		}
		next.LastStatus, next.Lost = g.Status, ""
		if finalResult(g.Status) == job.StatusUnresolved {
			next.ErrorCode, next.ErrorMessage = g.ErrorCode, g.ErrorMessage
			return c.unresolved(&next, now, job.CodeUnlistedStatus, fmt.Sprintf("final status %q is not one the worker knows", g.Status))
		}
		return c.finish(&next, now, finalResult(g.Status), g.ErrorCode, g.ErrorMessage, "final status "+g.Status, zerolog.InfoLevel)
	case outcomePending:
		if e.State != StateAccepted {
			next.Lost = ""
			return c.accept(&next, g, now, fmt.Sprintf("lookup found order in %q: poll it", g.Status))
		}
		// The horizon counts from the last status change, and is only decided on a lookup that
		// answered (this one): an outage or a pause never writes an order off (I5).
		changed := e.StatusChangedAt
		if changed.IsZero() {
			changed = e.AcceptedAt
		}
		if g.Status != e.LastStatus {
			next.LastStatus, next.StatusChangedAt, changed = g.Status, now, now
		}
		if c.pastHorizon(changed, now) {
			return c.unresolved(&next, now, job.CodeHorizon, fmt.Sprintf("status %q unchanged for %s (poll.horizon %s)", g.Status, now.Sub(changed).Round(time.Second), o.Poll.Horizon))
		}
		next.Reason = fmt.Sprintf("status %q: poll again", g.Status)
		return decision{Action: actionNakDelay, Next: &next, Delay: o.pollInterval(now.Sub(e.AcceptedAt), now.Sub(changed)), Reason: next.Reason}
	case outcomeNotFound:
		switch e.State {
		case StateLost:
			if tombstone(e) {
				return c.unresolved(&next, now, job.CodeTombstone, "the ledger entry was deleted or purged and the gateway shows no order: what the entry held is lost, the row is never paid again")
			}
			if e.Lost == lostReservation || in.Unbound {
				return c.unresolved(&next, now, job.CodeReservationLost, reservationLostReason)
			}
			if c.atMaxAttempts(e) {
				return c.unresolved(&next, now, job.CodeMaxAttempts, fmt.Sprintf("no order found after %d attempts (max_attempts)", e.Attempts))
			}
			next.Resent = true // an earlier request may have existed: a refusal proves nothing
			return c.submit(&next, now, e.Attempts+1, "lost entry, lookup: definite no such order: submit")
		case StateSubmitting:
			switch {
			case e.Refused && e.Resent:
				return c.unresolved(&next, now, job.CodeRefusedRepeat, fmt.Sprintf("attempt %d refused, but an earlier request's outcome was unknown (a refused repeat may mean its payout exists)", e.Attempts))
			case e.Refused:
				return c.finish(&next, now, job.StatusError, e.ErrorCode, e.ErrorMessage,
					"gateway answered error and holds no order: refused, never re-sent", zerolog.WarnLevel)
			case c.atMaxAttempts(e):
				return c.unresolved(&next, now, job.CodeMaxAttempts, fmt.Sprintf("no order found after %d attempts (max_attempts)", e.Attempts))
			case in.Unbound:
				return c.unresolved(&next, now, job.CodeReservationLost, reservationLostReason)
			}
			next.Resent = true
			d := c.submit(&next, now, e.Attempts+1, "lookup: definite no such order: re-submit")
			d.Level = zerolog.WarnLevel
			return d
		}
		// An accepted order the status call does not know: a lookup failure, never a re-send.
	case outcomeAuth:
		// The pool's credentials are refused: nothing was learned, nothing is counted (I4).
		return decision{Action: actionNakDelay, Delay: o.BackoffMax, Level: zerolog.WarnLevel,
			Reason: "status lookup refused authentication: waiting for the credentials to be fixed"}
	case outcomeLookupFailed:
	default:
		return c.stuck(in, fmt.Sprintf("status outcome %s is not a status outcome", in.Outcome))
	}
	next.Failures = e.Failures + 1
	reason := fmt.Sprintf("status lookup failed (%s): failure %d", failed, next.Failures)
	if g.ErrorCode != "" {
		reason += fmt.Sprintf(" (gateway code %s: %s)", g.ErrorCode, g.ErrorMessage)
	}
	if c.atMaxFailures(next.Failures) {
		return c.deadLetter(in, &next, reason+" reached max_failures")
	}
	next.Reason = reason
	return decision{Action: actionNakDelay, Next: &next, Delay: o.backoff(next.Failures), Reason: reason, Level: zerolog.WarnLevel}
}

const reservationLostReason = "the row's client_orderid reservation was lost and the gateway shows no order: the job's content cannot be checked, so it is never sent"

func (c *classifier) onReported(in input) decision {
	e := in.Entry
	if e == nil || (e.State != StateFinal && e.State != StateReported) {
		return c.stuck(in, "reported without a final ledger entry")
	}
	if e.State == StateReported {
		return decision{Action: actionAck, Reason: "already reported"}
	}
	next := *e
	next.State, next.ReportedAt = StateReported, in.Now
	return decision{Action: actionAck, Next: &next, ResultStatus: e.Result, Reason: "result published"}
}

// accept moves next to accepted with the order the gateway named.
func (c *classifier) accept(next *Entry, g GatewayInfo, now time.Time, reason string) decision {
	next.State = StateAccepted
	if g.OrderID != "" {
		next.OrderID = g.OrderID
	}
	if g.SerialNumber != "" {
		next.SerialNumber = g.SerialNumber
	}
	next.AcceptedAt, next.StatusChangedAt = now, now
	next.LastStatus = g.Status
	if next.LastStatus == "" {
		next.LastStatus = "processing"
	}
	next.Reason = reason
	return decision{Action: actionNakDelay, Next: next, Delay: c.opts.Poll.FastInterval, Reason: reason}
}

// finish decides the row's result; the result is published next.
func (c *classifier) finish(next *Entry, now time.Time, result job.Status, code, msg, reason string, level zerolog.Level) decision {
	next.State, next.Result, next.ErrorCode, next.ErrorMessage = StateFinal, result, code, msg
	next.FinishedAt, next.Reason = now, reason
	return decision{Step: stepReport, Next: next, ResultStatus: result, Reason: reason, Level: level}
}

// unresolved ends a row whose payout may exist without a final status: a person must look.
// code (one of the documented Code* constants) says why; the message says it in words and
// keeps the gateway's own code and message when there were any.
func (c *classifier) unresolved(e *Entry, now time.Time, code, reason string) decision {
	next := *e
	msg := reason
	if e.ErrorCode != "" || e.ErrorMessage != "" {
		msg += fmt.Sprintf(" (gateway: %s %s)", e.ErrorCode, e.ErrorMessage)
	}
	return c.finish(&next, now, job.StatusUnresolved, code, msg, reason+": needs a person (ledger keeps the order for reconciliation)", zerolog.ErrorLevel)
}

// reportDeliveries is how many deliveries are kept for a dead letter's own report: a job is
// dead-lettered on delivery max_deliver-reportDeliveries, so that a report that fails (NATS
// briefly unavailable) is retried before the server stops delivering the job for good and the
// row would be left without a result.
const reportDeliveries = 3

// deadReason says why the job must be dead-lettered now, or "".
func (c *classifier) deadReason(in input) string {
	if e := in.Entry; e != nil && c.atMaxFailures(e.Failures) {
		return fmt.Sprintf("failures %d reached max_failures %d", e.Failures, c.opts.MaxFailures)
	}
	if m := in.Delivery.MaxDeliver; m > 0 && in.Delivery.NumDelivered+reportDeliveries >= uint64(m) {
		return fmt.Sprintf("delivery %d reached max_deliver-%d (max_deliver %d)", in.Delivery.NumDelivered, reportDeliveries, m)
	}
	return ""
}

// deadLetter finishes the row as dead-lettered: "error"/DEAD_LETTER when the ledger proves no
// payout was sent, "unresolved" when one may exist. base is the entry to finish (nil: none yet).
func (c *classifier) deadLetter(in input, base *Entry, reason string) decision {
	var next Entry
	if base != nil {
		next = *base
	} else {
		next = Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line}
	}
	next.DeadLetter = reason
	if mayHavePaid(base) {
		code := job.CodeDeadLetterUnresolved
		if in.Event == eventStatus {
			code = job.CodeLookupFailed
			if in.Gateway.ErrorCode != "" && in.Gateway.OrderID == "" && base.State != StateAccepted {
				// The gateway answered "no order" in a way gateway.not_found_codes does not list.
				code = job.CodeNotFoundUnprovable
			}
		}
		return c.finish(&next, in.Now, job.StatusUnresolved, code, "dead letter: "+reason+"; a payout may exist",
			"dead letter: "+reason+"; a payout may exist: needs a person", zerolog.ErrorLevel)
	}
	return c.finish(&next, in.Now, job.StatusError, job.CodeDeadLetter, reason, "dead letter: "+reason+"; no payout was sent", zerolog.ErrorLevel)
}

// stuck is the answer to an impossible input: keep the job, retry later, shout.
func (c *classifier) stuck(in input, reason string) decision {
	return decision{Action: actionNakDelay, Delay: c.opts.BackoffMax, Reason: "inconsistent: " + reason, Level: zerolog.ErrorLevel}
}

// finalResult maps a final gateway status to a result status.
func finalResult(status string) job.Status {
	switch s := job.Status(status); s {
	case job.StatusApproved, job.StatusDeclined, job.StatusFiltered, job.StatusError:
		return s
	}
	return job.StatusUnresolved
}
