package payout

import (
	"context"
	"errors"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/submit"
)

// SubmitGateway adapts pkg/submit's client to Gateway; use it with ClassifySubmitError.
func SubmitGateway(c *submit.Client) Gateway { return submitGateway{c} }

type submitGateway struct{ c *submit.Client }

// Payout is the one place a job.Param becomes a signer.Param: pkg/signer is the lowest package
// (it imports nothing of payrun) and keeps its own type; job.Param has the same fields plus the
// job message's JSON names.
func (g submitGateway) Payout(ctx context.Context, params []job.Param) (Reply, error) {
	ps := make([]signer.Param, len(params))
	for i, p := range params {
		ps[i] = signer.Param(p)
	}
	r, err := g.c.Payout(ctx, ps)
	return Reply{OrderID: r.OrderID, SerialNumber: r.SerialNumber}, err
}

func (g submitGateway) Status(ctx context.Context, q StatusQuery) (StatusReply, error) {
	r, err := g.c.Status(ctx, submit.StatusQuery{ClientOrderID: q.ClientOrderID, OrderID: q.OrderID})
	return StatusReply{Status: r.Status, Final: r.Final, OrderID: r.OrderID, SerialNumber: r.SerialNumber,
		ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage}, err
}

// ClassifySubmitError files a pkg/submit error under its own submit.Class, except that
// ClassInvalidRequest (refused locally: it can never be sent) is filed as ClassRejected with
// error code job.CodeInvalidRequest. An error that is not a *submit.Error (a bare context error, a
// panic-free surprise) is ClassAmbiguous: a payout may exist.
func ClassifySubmitError(err error) (submit.Class, GatewayInfo) {
	var e *submit.Error
	if !errors.As(err, &e) {
		return submit.ClassAmbiguous, GatewayInfo{ErrorMessage: err.Error()}
	}
	info := GatewayInfo{OrderID: e.OrderID, SerialNumber: e.SerialNumber, ErrorCode: e.Code,
		ErrorMessage: e.Message, RetryAfter: e.RetryAfter}
	switch e.Class {
	case submit.ClassRejected, submit.ClassGatewayError, submit.ClassAuth, submit.ClassThrottled, submit.ClassNotFound,
		submit.ClassRetryable: // never left the machine
		return e.Class, info
	case submit.ClassInvalidRequest:
		// Never left the machine either, but no retry can fix it: the row is rejected here.
		if info.ErrorCode == "" {
			info.ErrorCode = job.CodeInvalidRequest
		}
		if info.ErrorMessage == "" {
			info.ErrorMessage = e.Error()
		}
		return submit.ClassRejected, info
	}
	// ClassAmbiguous, and any class this build does not know: a payout may exist.
	return submit.ClassAmbiguous, info
}
