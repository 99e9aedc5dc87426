package submit

import (
	"context"
	"errors"
	"time"

	"github.com/payrun/payrun/pkg/signer"
)

// PayoutResult is an accepted payout (type=async-response with a paynet-order-id). The order
// exists; its final status comes from Status or the callback.
type PayoutResult struct {
	OrderID         string // paynet-order-id
	SerialNumber    string // serial-number
	MerchantOrderID string // merchant-order-id (the client_orderid)
	EndpointID      string // end-point-id
	Attempts        int    // HTTP requests made (more than 1 only after not-sent or 429 answers)
	Raw             map[string]string
}

// Payout submits one payout. params are the payout page's parameters in order; empty values
// are dropped, and client_orderid is required. The call is repeated (re-signed, with backoff)
// only when the previous attempt never left the machine (ErrRetryable) or was throttled
// (ErrThrottled, unless Options.Treat429AsAmbiguous); an ambiguous outcome is returned at once
// and never re-sent. Every failure is an *Error (see the package doc for the classes).
func (c *Client) Payout(ctx context.Context, params []signer.Param) (PayoutResult, error) {
	params = nonEmpty(params)
	coid := paramValue(params, "client_orderid")
	lg := c.log.With().Str("call", CallPayout).Str("batch", batchOf(ctx)).Str("client_orderid", coid).Logger()
	if coid == "" {
		return PayoutResult{}, &Error{Class: ClassInvalidRequest, Call: CallPayout, Err: errors.New("client_orderid is required")}
	}
	var res PayoutResult
	err := c.retry(ctx, func(n int) error {
		start := time.Now()
		a, e := c.do(ctx, CallPayout, c.payoutURL, params)
		if e == nil {
			res, e = payoutOutcome(a, coid)
		}
		if e != nil {
			e.Call = CallPayout
		}
		logAttempt(lg, n, time.Since(start), a, e, nil)
		if e != nil {
			return e
		}
		res.Attempts = n
		return nil
	}, func(e *Error) bool {
		return e.Class == ClassRetryable || e.Class == ClassThrottled
	})
	if err != nil {
		return PayoutResult{}, err
	}
	return res, nil
}

// payoutOutcome maps a parsed 200 answer to a payout result or class. An answer naming another
// merchant-order-id than coid is ambiguous (ErrForeignAnswer): whatever it says, it does not say
// what became of this request.
func payoutOutcome(a attempt, coid string) (PayoutResult, *Error) {
	r := a.resp
	if e := foreignAnswer(a, coid, ""); e != nil {
		return PayoutResult{}, e
	}
	switch r.Type {
	case TypeAsyncResponse:
		if r.OrderID == "" {
			return PayoutResult{}, errorFrom(ClassAmbiguous, a, errors.New("async-response without paynet-order-id"))
		}
		return PayoutResult{
			OrderID:         r.OrderID,
			SerialNumber:    r.SerialNumber,
			MerchantOrderID: r.MerchantOrderID,
			EndpointID:      r.EndpointID,
			Raw:             r.Raw,
		}, nil
	case TypeValidationError:
		return PayoutResult{}, errorFrom(ClassRejected, a, nil)
	case TypeError:
		return PayoutResult{}, errorFrom(ClassGatewayError, a, nil)
	default:
		return PayoutResult{}, errorFrom(ClassAmbiguous, a, errors.New("unexpected response type "+printable(r.Type)))
	}
}

// nonEmpty drops parameters with an empty value (the gateway gets only what is set).
func nonEmpty(params []signer.Param) []signer.Param {
	out := make([]signer.Param, 0, len(params))
	for _, p := range params {
		if p.Value != "" {
			out = append(out, p)
		}
	}
	return out
}

// paramValue returns the first value of name.
func paramValue(params []signer.Param, name string) string {
	for _, p := range params {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}
