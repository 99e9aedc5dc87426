package payout

import (
	"context"
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/signer"
)

// Reply is the gateway's answer to an accepted payout (type=async-response).
type Reply struct {
	OrderID      string // paynet-order-id
	SerialNumber string
}

// StatusQuery asks for an order's status by client_orderid, with the gateway's order id when known.
type StatusQuery struct {
	ClientOrderID string
	OrderID       string
}

// StatusReply is a status-response.
type StatusReply struct {
	Status       string // approved, declined, filtered, error, processing, unknown, ...
	Final        bool
	OrderID      string
	SerialNumber string
	ErrorCode    string
	ErrorMessage string
}

// Gateway is what the machine needs from the gateway client. Its errors must be classifiable by
// Deps.Classify (an ErrorClassifier) under submit's classes: rejected, gateway error, auth,
// retryable (definitely not sent), throttled, ambiguous, not found.
type Gateway interface {
	Payout(ctx context.Context, params []job.Param) (Reply, error)
	Status(ctx context.Context, q StatusQuery) (StatusReply, error)
}

// Limiter holds the cluster-wide request rate; Wait blocks until a request may be sent.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Clock tells the time (signer.Clock, payrun's one clock); tests inject a fake.
type Clock = signer.Clock

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
