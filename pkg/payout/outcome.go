package payout

import (
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/submit"
)

// outcome is the class of one gateway call's result, as the classifier sees it.
type outcome int

// Outcomes of a payout call, then of a status call.
const (
	outcomeNone         outcome = iota
	outcomeAccepted             // payout: async-response, an order exists
	outcomeRejected             // payout: validation-error, no payout exists
	outcomeRetryable            // payout: definitely not sent (connection refused, 5xx before processing)
	outcomeThrottled            // payout: 429, not processed
	outcomeAuth                 // payout or status: 401/403, refused before processing; the pool waits for the credentials to be fixed
	outcomeAmbiguous            // payout: timeout, drop, 5xx after the request was written
	outcomeGatewayError         // payout: type=error; an order may exist
	outcomeFinal                // status: a final status
	outcomePending              // status: not final (processing, unknown, unlisted)
	outcomeNotFound             // status: a definite "no such order"
	outcomeLookupFailed         // status: any other failure

	outcomeLast = outcomeLookupFailed
)

var outcomeNames = [...]string{"none", "accepted", "rejected", "retryable", "throttled", "auth",
	"ambiguous", "gateway_error", "final", "pending", "not_found", "lookup_failed"}

func (o outcome) String() string {
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
func payoutOutcome(classify ErrorClassifier, reply Reply, err error) (outcome, GatewayInfo) {
	out, info := payoutOutcomeRaw(classify, reply, err)
	return out, info.masked()
}

func payoutOutcomeRaw(classify ErrorClassifier, reply Reply, err error) (outcome, GatewayInfo) {
	if err == nil {
		return outcomeAccepted, GatewayInfo{OrderID: reply.OrderID, SerialNumber: reply.SerialNumber}
	}
	// A bare cancellation or deadline is ambiguous through the classifier's default: the
	// request may have been written before it.
	class, info := classified(classify, err)
	switch class {
	case submit.ClassRejected:
		return outcomeRejected, info
	case submit.ClassGatewayError:
		return outcomeGatewayError, info
	case submit.ClassAuth:
		return outcomeAuth, info
	case submit.ClassRetryable:
		return outcomeRetryable, info
	case submit.ClassThrottled:
		return outcomeThrottled, info
	default: // submit.ClassAmbiguous, submit.ClassNotFound (meaningless for a payout) and anything unknown
		return outcomeAmbiguous, info
	}
}

// statusOutcome turns a status call's result into an Outcome.
func statusOutcome(classify ErrorClassifier, reply StatusReply, err error) (outcome, GatewayInfo) {
	out, info := statusOutcomeRaw(classify, reply, err)
	return out, info.masked()
}

func statusOutcomeRaw(classify ErrorClassifier, reply StatusReply, err error) (outcome, GatewayInfo) {
	if err == nil {
		info := GatewayInfo{OrderID: reply.OrderID, SerialNumber: reply.SerialNumber, Status: reply.Status,
			ErrorCode: reply.ErrorCode, ErrorMessage: job.BoundErrorText(reply.ErrorMessage)}
		if reply.Final {
			return outcomeFinal, info
		}
		return outcomePending, info
	}
	class, info := classified(classify, err)
	switch class {
	case submit.ClassNotFound:
		return outcomeNotFound, info
	case submit.ClassAuth:
		return outcomeAuth, info
	}
	return outcomeLookupFailed, info
}
