package submit

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/signer"
)

// Transaction statuses the gateway documents.
const (
	StatusApproved      = "approved"
	StatusDeclined      = "declined"
	StatusFiltered      = "filtered"
	StatusError         = "error"
	StatusProcessing    = "processing"
	StatusUnknown       = "unknown"
	StatusChainDeclined = "chain_declined"
)

// IsFinal reports whether a transaction status is final: approved, declined, filtered or
// error. Every other status, listed (processing, unknown, chain_declined) or not, is pending.
func IsFinal(status string) bool {
	switch status {
	case StatusApproved, StatusDeclined, StatusFiltered, StatusError:
		return true
	}
	return false
}

// IsListed reports whether the status is one the gateway documents.
func IsListed(status string) bool {
	return IsFinal(status) || status == StatusProcessing || status == StatusUnknown || status == StatusChainDeclined
}

// StatusQuery selects one order. ClientOrderID is required; OrderID (the paynet-order-id) is
// sent when known; ByRequestSN is the optional by-request-sn.
type StatusQuery struct {
	ClientOrderID, OrderID, ByRequestSN string
}

// StatusResult is a status-response. Final is IsFinal(Status); Listed is false for a status
// the gateway does not document (pending, surface it to a person).
type StatusResult struct {
	Status       string
	Final        bool
	Listed       bool
	OrderID      string // paynet-order-id
	SerialNumber string
	ErrorCode    string
	ErrorMessage string // masked (long digit runs keep their last 4), at most job.MaxErrorText bytes
	Attempts     int
	Raw          map[string]string
}

// Status looks an order up. It is safe to repeat, so transport failures, 5xx, unusable
// answers and 429 are retried with backoff (re-signed each time).
//
// Not found (ErrNotFound) is undocumented by the gateway, so it is configuration: an answer is
// ErrNotFound only when it is a validation-error or error WITHOUT paynet-order-id, to a query
// without OrderID, AND its error-code is one of Options.NotFoundCodes. Any other such answer is
// ErrRejected (validation-error) or ErrGatewayError (error): it does not prove that no order
// exists. With an OrderID in the query (the order is known to exist) the answer is never
// ErrNotFound. An error answer carrying a paynet-order-id is ErrGatewayError. Any answer whose
// merchant-order-id is not the query's client_orderid, or whose paynet-order-id is not the
// query's OrderID, is about another order: ErrAmbiguous wrapping ErrForeignAnswer (a failed
// lookup, retried like one).
func (c *Client) Status(ctx context.Context, q StatusQuery) (StatusResult, error) {
	lg := c.log.With().Str("call", CallStatus).Str("batch", batchOf(ctx)).Str("client_orderid", q.ClientOrderID).Logger()
	if q.ClientOrderID == "" {
		return StatusResult{}, &Error{Class: ClassInvalidRequest, Call: CallStatus, Err: errors.New("client_orderid is required")}
	}
	params := nonEmpty([]signer.Param{
		{Name: "login", Value: c.opts.Login},
		{Name: "client_orderid", Value: q.ClientOrderID},
		{Name: "orderid", Value: q.OrderID},
		{Name: "by-request-sn", Value: q.ByRequestSN},
	})
	var res StatusResult
	err := c.retry(ctx, func(n int) error {
		start := time.Now()
		res = StatusResult{}
		a, e := c.do(ctx, CallStatus, c.statusURL, params)
		if e == nil {
			res, e = statusOutcome(a, q, c.opts.NotFoundCodes)
		}
		if e != nil {
			e.Call = CallStatus
		}
		logAttempt(lg, n, time.Since(start), a, e, func(ev *zerolog.Event) {
			if res.Status != "" {
				ev.Str("status", res.Status)
			}
		})
		if e != nil {
			return e
		}
		res.Attempts = n
		return nil
	}, func(e *Error) bool {
		return e.Class == ClassRetryable || e.Class == ClassAmbiguous || e.Class == ClassThrottled
	})
	if err != nil {
		return StatusResult{}, err
	}
	return res, nil
}

// statusOutcome maps a parsed 200 answer to a status result or class.
// notFoundCodes is Options.NotFoundCodes.
func statusOutcome(a attempt, q StatusQuery, notFoundCodes []string) (StatusResult, *Error) {
	r := a.resp
	if e := foreignAnswer(a, q.ClientOrderID, q.OrderID); e != nil {
		return StatusResult{}, e
	}
	switch r.Type {
	case TypeStatusResponse:
		if r.Status == "" {
			return StatusResult{}, errorFrom(ClassAmbiguous, a, errors.New("status-response without status"))
		}
		return StatusResult{
			Status:       r.Status,
			Final:        IsFinal(r.Status),
			Listed:       IsListed(r.Status),
			OrderID:      r.OrderID,
			SerialNumber: r.SerialNumber,
			ErrorCode:    r.ErrorCode,
			ErrorMessage: gatewayText(r.ErrorMessage),
			Raw:          r.Raw,
		}, nil
	case TypeValidationError, TypeError:
		switch {
		case r.OrderID == "" && q.OrderID == "" && r.ErrorCode != "" && slices.Contains(notFoundCodes, r.ErrorCode):
			return StatusResult{}, errorFrom(ClassNotFound, a, nil)
		case r.Type == TypeValidationError:
			return StatusResult{}, errorFrom(ClassRejected, a, nil)
		default:
			return StatusResult{}, errorFrom(ClassGatewayError, a, nil)
		}
	default:
		return StatusResult{}, errorFrom(ClassAmbiguous, a, errors.New("unexpected response type "+printable(r.Type)))
	}
}
