package payout

import (
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
)

// Action is what happens to the job message once a decision is carried out.
type Action int

// Actions.
const (
	// ActionLeave: no reply yet. With a Step, the step's outcome is classified next; without one,
	// the message is left to the server, which redelivers it after AckWait.
	ActionLeave    Action = iota
	ActionAck             // done: DoubleAck
	ActionNakDelay        // redeliver after Delay
	ActionTerm            // never redeliver (undecodable message, already dead-lettered)
)

func (a Action) String() string {
	return [...]string{"leave", "ack", "nak_delay", "term"}[a]
}

// Step is the I/O the machine performs before the next classification.
type Step int

// Steps.
const (
	StepNone       Step = iota
	StepSubmit          // send the payout request (after the ledger write that counts it)
	StepLookup          // status call by client_orderid (+ order id when known)
	StepReport          // publish the result (and the dead letter, if any), then classify EventReported
	StepDeadLetter      // publish a dead letter for a message that has no row (undecodable)
)

func (s Step) String() string {
	return [...]string{"none", "submit", "lookup", "report", "dead_letter"}[s]
}

// Event is what the classifier is asked about.
type Event int

// Events.
const (
	EventDelivery    Event = iota // a delivery of the job arrived; Entry is the ledger's view
	EventPayout                   // the payout call returned Outcome
	EventStatus                   // the status call returned Outcome
	EventReported                 // the result was published
	EventUndecodable              // the message could not be decoded
	EventInfraError               // the ledger or the stream failed (Err)
	EventInterrupted              // the worker is shutting down before the step finished
)

func (e Event) String() string {
	return [...]string{"delivery", "payout", "status", "reported", "undecodable", "infra_error", "interrupted"}[e]
}

// Row identifies the job being decided.
type Row struct {
	BatchID       string
	ClientOrderID string
	Line          int
}

// Delivery is the message's delivery metadata.
type Delivery struct {
	NumDelivered uint64
	MaxDeliver   int // -1: unlimited
}

// Input is everything the classifier decides on.
type Input struct {
	Event    Event
	Row      Row
	Entry    *Entry // the ledger's current view; nil when there is no entry
	Outcome  Outcome
	Gateway  GatewayInfo
	Delivery Delivery
	Now      time.Time
	Err      error // EventInfraError
}

// Decision is the classifier's answer. Next, when set, is written to the ledger (CAS) before
// Step runs and before Action is applied; a CAS conflict discards the decision and the machine
// re-reads the entry and classifies again.
type Decision struct {
	Action       Action
	Step         Step
	Next         *Entry
	Delay        time.Duration
	Reason       string
	ResultStatus job.Status // set when the row is finished
	Level        zerolog.Level
}

// CodeDeadLetter is the error_code of a dead-lettered row that the ledger proves was never paid.
const CodeDeadLetter = "DEAD_LETTER"

// Classifier is the one function that decides every outcome.
type Classifier struct {
	opts Options
	log  zerolog.Logger
}

// NewClassifier returns a classifier for opts (which should be validated).
func NewClassifier(opts Options, log zerolog.Logger) *Classifier {
	return &Classifier{opts: opts, log: log}
}

// Decide classifies in and logs the decision with the same fields every time.
func (c *Classifier) Decide(in Input) Decision {
	d := c.decide(in)
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
		Dur("delay", d.Delay).
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

func (c *Classifier) decide(in Input) Decision {
	switch in.Event {
	case EventUndecodable:
		return Decision{Action: ActionTerm, Step: StepDeadLetter, Reason: "job message cannot be decoded", Level: zerolog.ErrorLevel}
	case EventInfraError:
		if errors.Is(in.Err, ErrNoGatewaySlot) {
			// Expected during a pause or under pressure: not a fault, so not a warning per job.
			return Decision{Action: ActionNakDelay, Delay: c.opts.backoff(int(in.Delivery.NumDelivered)),
				Reason: fmt.Sprintf("waiting for the gateway (rate limit, pause or pressure): handed back: %v", in.Err), Level: zerolog.InfoLevel}
		}
		return Decision{Action: ActionNakDelay, Delay: c.opts.backoff(int(in.Delivery.NumDelivered)),
			Reason: fmt.Sprintf("ledger or stream unavailable: %v", in.Err), Level: zerolog.WarnLevel}
	case EventInterrupted:
		// Nothing was learned and nothing may be counted against the row: hand it back at once.
		return Decision{Action: ActionNakDelay, Reason: "interrupted by shutdown: handed back", Level: zerolog.InfoLevel}
	case EventDelivery:
		return c.onDelivery(in)
	case EventPayout:
		return c.onPayout(in)
	case EventStatus:
		return c.onStatus(in)
	case EventReported:
		return c.onReported(in)
	}
	return c.stuck(in, fmt.Sprintf("unknown event %d", in.Event))
}

func (c *Classifier) onDelivery(in Input) Decision {
	e, now, o := in.Entry, in.Now, c.opts
	if e != nil {
		switch e.State {
		case StateReported:
			return Decision{Action: ActionAck, Reason: "already reported (duplicate delivery)"}
		case StateFinal:
			return Decision{Step: StepReport, ResultStatus: e.Result, Reason: "result decided: publish it"}
		}
	}
	if reason := c.deadReason(in); reason != "" {
		return c.deadLetter(in, e, reason)
	}
	if e == nil {
		next := &Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line,
			State: StateSubmitting, Attempts: 1, SubmittedAt: now}
		return Decision{Step: StepSubmit, Next: next, Reason: "new payout: ledger first, then submit"}
	}
	switch e.State {
	case StatePendingRetry:
		next := *e
		next.State, next.Attempts, next.SubmittedAt, next.Ambiguous = StateSubmitting, e.Attempts+1, now, false
		next.Reason = "retry: the last request was definitely not sent"
		return Decision{Step: StepSubmit, Next: &next, Reason: next.Reason}
	case StateSubmitting:
		if left := o.SettleDelay - now.Sub(e.SubmittedAt); left > 0 {
			return Decision{Action: ActionNakDelay, Delay: left,
				Reason: fmt.Sprintf("attempt %d outcome unknown: settling before the lookup", e.Attempts)}
		}
		return Decision{Step: StepLookup, Reason: "settled: look the order up by client_orderid"}
	case StateAccepted:
		if now.Sub(e.AcceptedAt) >= o.Poll.Horizon {
			return c.unresolved(e, now, fmt.Sprintf("no final status %s after acceptance (last %q)", o.Poll.Horizon, e.LastStatus))
		}
		return Decision{Step: StepLookup, Reason: "poll the accepted order"}
	}
	return c.stuck(in, fmt.Sprintf("unknown ledger state %q", e.State))
}

func (c *Classifier) onPayout(in Input) Decision {
	e, now, o, g := in.Entry, in.Now, c.opts, in.Gateway
	if e == nil || e.State != StateSubmitting {
		return c.stuck(in, "payout outcome without a submitting ledger entry")
	}
	next := *e
	next.Ambiguous = false
	switch in.Outcome {
	case OutcomeAccepted:
		return c.accept(&next, g, now, fmt.Sprintf("accepted (attempt %d): poll the status", e.Attempts))
	case OutcomeGatewayError:
		next.ErrorCode, next.ErrorMessage = g.ErrorCode, g.ErrorMessage
		if g.OrderID != "" {
			return c.accept(&next, g, now, "gateway error with an order id: follow the order")
		}
		next.Ambiguous, next.Refused = true, true
		next.Reason = "gateway error without an order id: settle, then look the order up"
		return Decision{Action: ActionNakDelay, Next: &next, Delay: settleLeft(o, e, now), Reason: next.Reason, Level: zerolog.WarnLevel}
	case OutcomeRejected:
		if e.Resent {
			next.ErrorCode, next.ErrorMessage = g.ErrorCode, g.ErrorMessage
			return c.unresolved(&next, now, fmt.Sprintf("attempt %d rejected, but an earlier request's outcome was unknown (a refused repeat may mean its payout exists)", e.Attempts))
		}
		return c.finish(&next, now, job.StatusRejected, g.ErrorCode, g.ErrorMessage, "rejected by validation: no payout exists", zerolog.InfoLevel)
	case OutcomeThrottled:
		// The gateway pushed back before processing: the pool's limiter backs off, and waiting
		// out pressure is not the row's failure, so it never counts towards max_failures.
		next.State, next.NotSent = StatePendingRetry, e.NotSent+1
		next.Reason = fmt.Sprintf("attempt %d throttled, not processed: retry after the pressure", e.Attempts)
		return Decision{Action: ActionNakDelay, Next: &next, Delay: max(o.BackoffInitial, g.RetryAfter), Reason: next.Reason, Level: zerolog.InfoLevel}
	case OutcomeRetryable, OutcomeAuth:
		next.State, next.Failures, next.NotSent = StatePendingRetry, e.Failures+1, e.NotSent+1
		next.ErrorCode, next.ErrorMessage = g.ErrorCode, g.ErrorMessage
		level, what := zerolog.WarnLevel, "not sent"
		if in.Outcome == OutcomeAuth {
			level, what = zerolog.ErrorLevel, "authentication refused (check key and login)"
		}
		reason := fmt.Sprintf("attempt %d %s: failure %d", e.Attempts, what, next.Failures)
		if next.Failures >= o.MaxFailures {
			return c.deadLetter(in, &next, reason+" reached max_failures")
		}
		next.Reason = reason
		return Decision{Action: ActionNakDelay, Next: &next, Delay: max(o.backoff(next.Failures), g.RetryAfter), Reason: reason, Level: level}
	case OutcomeAmbiguous:
		next.Ambiguous = true
		next.Reason = fmt.Sprintf("attempt %d outcome unknown: settle, then look the order up", e.Attempts)
		return Decision{Action: ActionNakDelay, Next: &next, Delay: settleLeft(o, e, now), Reason: next.Reason, Level: zerolog.WarnLevel}
	}
	return c.stuck(in, fmt.Sprintf("payout outcome %s is not a payout outcome", in.Outcome))
}

func (c *Classifier) onStatus(in Input) Decision {
	e, now, o, g := in.Entry, in.Now, c.opts, in.Gateway
	// A pending_retry entry is looked up only after a verified callback: an order found for it
	// exists after all (the request thought unsent reached the gateway) and must never be sent
	// again.
	orderFound := in.Outcome == OutcomeFinal || in.Outcome == OutcomePending
	if e == nil || (e.State != StateSubmitting && e.State != StateAccepted && (e.State != StatePendingRetry || !orderFound)) {
		return c.stuck(in, "status outcome without a submitting or accepted ledger entry")
	}
	next := *e
	switch in.Outcome {
	case OutcomeFinal:
		if g.OrderID != "" {
			next.OrderID = g.OrderID
		}
		if g.SerialNumber != "" {
			next.SerialNumber = g.SerialNumber
		}
		next.LastStatus, next.Ambiguous = g.Status, false
		return c.finish(&next, now, finalResult(g.Status), g.ErrorCode, g.ErrorMessage, "final status "+g.Status, zerolog.InfoLevel)
	case OutcomePending:
		if e.State != StateAccepted {
			return c.accept(&next, g, now, fmt.Sprintf("lookup found order in %q: poll it", g.Status))
		}
		since := now.Sub(e.AcceptedAt)
		if since >= o.Poll.Horizon {
			return c.unresolved(&next, now, fmt.Sprintf("no final status %s after acceptance (last %q)", o.Poll.Horizon, g.Status))
		}
		d := Decision{Action: ActionNakDelay, Delay: o.pollInterval(since), Reason: fmt.Sprintf("status %q: poll again", g.Status)}
		if g.Status != e.LastStatus {
			next.LastStatus, next.StatusChangedAt = g.Status, now
			d.Next = &next
		}
		return d
	case OutcomeNotFound:
		if e.State == StateSubmitting {
			switch {
			case e.Refused && e.Resent:
				return c.unresolved(&next, now, fmt.Sprintf("attempt %d refused, but an earlier request's outcome was unknown (a refused repeat may mean its payout exists)", e.Attempts))
			case e.Refused:
				return c.finish(&next, now, job.StatusError, e.ErrorCode, e.ErrorMessage,
					"gateway answered error and holds no order: refused, never re-sent", zerolog.WarnLevel)
			case e.Attempts >= o.MaxAttempts:
				return c.unresolved(&next, now, fmt.Sprintf("no order found after %d attempts (max_attempts)", e.Attempts))
			}
			next.Attempts, next.SubmittedAt, next.Ambiguous, next.Resent = e.Attempts+1, now, false, true
			next.Reason = "lookup: definite no such order: re-submit"
			return Decision{Step: StepSubmit, Next: &next, Reason: next.Reason, Level: zerolog.WarnLevel}
		}
		// An accepted order the status call does not know: a lookup failure, never a re-send.
	case OutcomeLookupFailed:
	default:
		return c.stuck(in, fmt.Sprintf("status outcome %s is not a status outcome", in.Outcome))
	}
	next.Failures = e.Failures + 1
	reason := fmt.Sprintf("status lookup failed (%s): failure %d", in.Outcome, next.Failures)
	if next.Failures >= o.MaxFailures {
		return c.deadLetter(in, &next, reason+" reached max_failures")
	}
	next.Reason = reason
	return Decision{Action: ActionNakDelay, Next: &next, Delay: o.backoff(next.Failures), Reason: reason, Level: zerolog.WarnLevel}
}

func (c *Classifier) onReported(in Input) Decision {
	e := in.Entry
	if e == nil || (e.State != StateFinal && e.State != StateReported) {
		return c.stuck(in, "reported without a final ledger entry")
	}
	if e.State == StateReported {
		return Decision{Action: ActionAck, Reason: "already reported"}
	}
	next := *e
	next.State, next.ReportedAt = StateReported, in.Now
	return Decision{Action: ActionAck, Next: &next, ResultStatus: e.Result, Reason: "result published"}
}

// accept moves next to accepted with the order the gateway named.
func (c *Classifier) accept(next *Entry, g GatewayInfo, now time.Time, reason string) Decision {
	next.State, next.Ambiguous = StateAccepted, false
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
	return Decision{Action: ActionNakDelay, Next: next, Delay: c.opts.Poll.FastInterval, Reason: reason}
}

// finish decides the row's result; the result is published next.
func (c *Classifier) finish(next *Entry, now time.Time, result job.Status, code, msg, reason string, level zerolog.Level) Decision {
	next.State, next.Result, next.ErrorCode, next.ErrorMessage = StateFinal, result, code, msg
	next.FinishedAt, next.Reason = now, reason
	return Decision{Step: StepReport, Next: next, ResultStatus: result, Reason: reason, Level: level}
}

// unresolved ends a row whose payout may exist without a final status: a person must look.
func (c *Classifier) unresolved(e *Entry, now time.Time, reason string) Decision {
	next := *e
	return c.finish(&next, now, job.StatusUnresolved, e.ErrorCode, e.ErrorMessage, reason+": needs a person (ledger keeps the order for reconciliation)", zerolog.ErrorLevel)
}

// reportDeliveries is how many deliveries are kept for a dead letter's own report: a job is
// dead-lettered on delivery max_deliver-reportDeliveries, so that a report that fails (NATS
// briefly unavailable) is retried before the server stops delivering the job for good and the
// row would be left without a result.
const reportDeliveries = 3

// deadReason says why the job must be dead-lettered now, or "".
func (c *Classifier) deadReason(in Input) string {
	if e := in.Entry; e != nil && e.Failures >= c.opts.MaxFailures {
		return fmt.Sprintf("failures %d reached max_failures %d", e.Failures, c.opts.MaxFailures)
	}
	if m := in.Delivery.MaxDeliver; m > 0 && in.Delivery.NumDelivered+reportDeliveries >= uint64(m) {
		return fmt.Sprintf("delivery %d reached max_deliver-%d (max_deliver %d)", in.Delivery.NumDelivered, reportDeliveries, m)
	}
	return ""
}

// deadLetter finishes the row as dead-lettered: "error"/DEAD_LETTER when the ledger proves no
// payout was sent, "unresolved" when one may exist. base is the entry to finish (nil: none yet).
func (c *Classifier) deadLetter(in Input, base *Entry, reason string) Decision {
	var next Entry
	if base != nil {
		next = *base
	} else {
		next = Entry{BatchID: in.Row.BatchID, ClientOrderID: in.Row.ClientOrderID, Line: in.Row.Line}
	}
	next.DeadLetter = reason
	if mayHavePaid(base) {
		return c.finish(&next, in.Now, job.StatusUnresolved, next.ErrorCode, next.ErrorMessage,
			"dead letter: "+reason+"; a payout may exist: needs a person", zerolog.ErrorLevel)
	}
	return c.finish(&next, in.Now, job.StatusError, CodeDeadLetter, reason, "dead letter: "+reason+"; no payout was sent", zerolog.ErrorLevel)
}

// mayHavePaid reports whether a payout may exist for the entry.
func mayHavePaid(e *Entry) bool {
	if e == nil {
		return false
	}
	return e.OrderID != "" || e.State == StateSubmitting || e.State == StateAccepted
}

// stuck is the answer to an impossible input: keep the job, retry later, shout.
func (c *Classifier) stuck(in Input, reason string) Decision {
	return Decision{Action: ActionNakDelay, Delay: c.opts.BackoffMax, Reason: "inconsistent: " + reason, Level: zerolog.ErrorLevel}
}

// finalResult maps a final gateway status to a result status.
func finalResult(status string) job.Status {
	switch s := job.Status(status); s {
	case job.StatusApproved, job.StatusDeclined, job.StatusFiltered, job.StatusError:
		return s
	}
	return job.StatusUnresolved
}

// settleLeft is how long to wait before looking up e's attempt (at least a millisecond).
func settleLeft(o Options, e *Entry, now time.Time) time.Duration {
	return max(o.SettleDelay-now.Sub(e.SubmittedAt), time.Millisecond)
}
