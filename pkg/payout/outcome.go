package payout

import (
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/submit"
)

// Outcome is the class of one gateway call's result, as the classifier sees it.
type Outcome int

// Outcomes of a payout call, then of a status call.
const (
	OutcomeNone         Outcome = iota
	OutcomeAccepted             // payout: async-response, an order exists
	OutcomeRejected             // payout: validation-error, no payout exists
	OutcomeRetryable            // payout: definitely not sent (connection refused, 5xx before processing)
	OutcomeThrottled            // payout: 429, not processed
	OutcomeAuth                 // payout or status: 401/403, refused before processing; the pool waits for the credentials to be fixed
	OutcomeAmbiguous            // payout: timeout, drop, 5xx after the request was written
	OutcomeGatewayError         // payout: type=error; an order may exist
	OutcomeFinal                // status: a final status
	OutcomePending              // status: not final (processing, unknown, unlisted)
	OutcomeNotFound             // status: a definite "no such order"
	OutcomeLookupFailed         // status: any other failure

	outcomeLast = OutcomeLookupFailed
)

var outcomeNames = [...]string{"none", "accepted", "rejected", "retryable", "throttled", "auth",
	"ambiguous", "gateway_error", "final", "pending", "not_found", "lookup_failed"}

func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome?"
}

// GatewayInfo is what a gateway answer carried, for the ledger and the result.
type GatewayInfo struct {
	OrderID      string
	SerialNumber string
	Status       string
	ErrorCode    string
	ErrorMessage string
	RetryAfter   time.Duration
}

// masked returns g with the texts the gateway wrote passed through job.MaskText: they reach the
// ledger, results, reports and logs, and may echo card numbers or carry control characters.
func (g GatewayInfo) masked() GatewayInfo {
	g.Status, g.ErrorCode, g.ErrorMessage = job.MaskText(g.Status), job.MaskText(g.ErrorCode), job.MaskText(g.ErrorMessage)
	return g
}

// ErrorClassifier files a gateway error under pkg/submit's outcome classes and extracts what it
// carried (code, message, order id). Anything it cannot file must be submit.ClassAmbiguous: a
// payout may exist. The machine reads every class but submit.ClassInvalidRequest, which
// ClassifySubmitError files as submit.ClassRejected (any unread class counts as ambiguous).
type ErrorClassifier func(err error) (submit.Class, GatewayInfo)

// classified files err with classify and bounds the error text it carried (job.BoundErrorText):
// whatever the gateway answered, the row's ledger entry and result must fit a message.
func classified(classify ErrorClassifier, err error) (submit.Class, GatewayInfo) {
	class, info := classify(err)
	info.ErrorMessage = job.BoundErrorText(info.ErrorMessage)
	return class, info
}

// payoutOutcome turns a payout call's result into an Outcome.
func payoutOutcome(classify ErrorClassifier, reply Reply, err error) (Outcome, GatewayInfo) {
	out, info := payoutOutcomeRaw(classify, reply, err)
	return out, info.masked()
}

func payoutOutcomeRaw(classify ErrorClassifier, reply Reply, err error) (Outcome, GatewayInfo) {
	if err == nil {
		return OutcomeAccepted, GatewayInfo{OrderID: reply.OrderID, SerialNumber: reply.SerialNumber}
	}
	// A bare cancellation or deadline is ambiguous through the classifier's default: the
	// request may have been written before it.
	class, info := classified(classify, err)
	switch class {
	case submit.ClassRejected:
		return OutcomeRejected, info
	case submit.ClassGatewayError:
		return OutcomeGatewayError, info
	case submit.ClassAuth:
		return OutcomeAuth, info
	case submit.ClassRetryable:
		return OutcomeRetryable, info
	case submit.ClassThrottled:
		return OutcomeThrottled, info
	default: // submit.ClassAmbiguous, submit.ClassNotFound (meaningless for a payout) and anything unknown
		return OutcomeAmbiguous, info
	}
}

// statusOutcome turns a status call's result into an Outcome.
func statusOutcome(classify ErrorClassifier, reply StatusReply, err error) (Outcome, GatewayInfo) {
	out, info := statusOutcomeRaw(classify, reply, err)
	return out, info.masked()
}

func statusOutcomeRaw(classify ErrorClassifier, reply StatusReply, err error) (Outcome, GatewayInfo) {
	if err == nil {
		info := GatewayInfo{OrderID: reply.OrderID, SerialNumber: reply.SerialNumber, Status: reply.Status,
			ErrorCode: reply.ErrorCode, ErrorMessage: job.BoundErrorText(reply.ErrorMessage)}
		if reply.Final {
			return OutcomeFinal, info
		}
		return OutcomePending, info
	}
	class, info := classified(classify, err)
	switch class {
	case submit.ClassNotFound:
		return OutcomeNotFound, info
	case submit.ClassAuth:
		return OutcomeAuth, info
	}
	return OutcomeLookupFailed, info
}
