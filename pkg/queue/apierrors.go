package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// The kinds of JetStream API error payrun_nats_api_errors_total counts (its kind label).
const (
	APIErrTimeout           = "timeout"             // no answer in time (a request, a pull's heartbeat)
	APIErrNoResponders      = "no_responders"       // nothing answers the subject: no stream, or no leader reachable
	APIErrUnavailable       = "unavailable"         // 10008 "JetStream system temporarily unavailable" (election, group forming)
	APIErrNotFound          = "not_found"           // stream, consumer or bucket not found
	APIErrWrongLastSequence = "wrong_last_sequence" // a compare-and-set lost (10071, 10164): another process wrote first
	APIErrDisconnected      = "disconnected"        // the connection was down, closed or draining, or its server shut down
	APIErrLeaderChanged     = "leader_changed"      // a pull was cut off by a new consumer leader
	APIErrOther             = "other"               // any other JetStream API error code, or a client-side error
)

// APIErrorKind classifies a JetStream error for payrun_nats_api_errors_total. It returns "" for
// what is not an API error: nil, a cancelled caller or stopped iterator, and the answers about
// data that payrun asks for on purpose (a KV key or a stream message that does not exist).
func APIErrorKind(err error) string {
	var apiErr *jetstream.APIError
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, jetstream.ErrMsgIteratorClosed),
		errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted), errors.Is(err, jetstream.ErrMsgNotFound):
		return ""
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrNoHeartbeat):
		return APIErrTimeout
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse):
		return APIErrNoResponders
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrConsumerNotFound),
		errors.Is(err, jetstream.ErrBucketNotFound), errors.Is(err, jetstream.ErrConsumerDeleted):
		return APIErrNotFound
	case errors.Is(err, jetstream.ErrConsumerLeadershipChanged):
		return APIErrLeaderChanged
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, jetstream.ErrConnectionClosed), errors.Is(err, jetstream.ErrServerShutdown):
		return APIErrDisconnected
	case errors.As(err, &apiErr):
		switch apiErr.ErrorCode {
		case errCodeClusterNotAvailable:
			return APIErrUnavailable
		case jetstream.JSErrCodeStreamWrongLastSequence, jetstream.JSErrCodeStreamWrongLastSequenceConstant:
			return APIErrWrongLastSequence
		}
	}
	return APIErrOther
}

// apiErrors counts the JetStream API errors a process sees (payrun_nats_api_errors_total).
type apiErrors struct {
	vec *prometheus.CounterVec
}

// newAPIErrors makes the counter and registers it on reg (nil: not registered). When reg
// already holds it (another JetStream handle of the same process), that one is shared.
func newAPIErrors(reg prometheus.Registerer) (*apiErrors, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "payrun", Subsystem: "nats", Name: "api_errors_total",
		Help: "JetStream API errors seen, by operation (op) and kind: timeout, no_responders, unavailable (10008), not_found, wrong_last_sequence, leader_changed, disconnected, other.",
	}, []string{"op", "kind"})
	if reg == nil {
		return &apiErrors{vec: vec}, nil
	}
	err := reg.Register(vec)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return nil, fmt.Errorf("queue: api errors metric: %w", err)
		}
		return &apiErrors{vec: existing}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("queue: api errors metric: %w", err)
	}
	return &apiErrors{vec: vec}, nil
}

// observe counts err under op when it is an API error (APIErrorKind) and returns it unchanged.
func (a *apiErrors) observe(op string, err error) error {
	if kind := APIErrorKind(err); kind != "" {
		a.vec.WithLabelValues(op, kind).Inc()
	}
	return err
}

// NewJetStream is jetstream.New whose handle counts every API error its calls return in
// payrun_nats_api_errors_total on reg (see countingJS for the op labels). A process uses it for
// the one handle its streams, buckets and consumer are reached through.
func NewJetStream(nc *nats.Conn, reg prometheus.Registerer) (jetstream.JetStream, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("queue: jetstream: %w", err)
	}
	errs, err := newAPIErrors(reg)
	if err != nil {
		return nil, err
	}
	return countingJS{JetStream: js, errs: errs}, nil
}

// CountAPIError counts err under op on js's counter when js is a handle of NewJetStream,
// and does nothing otherwise: for the errors jetstream reports outside a call's return,
// such as a pull's missed heartbeat given to a ConsumeErrHandler.
func CountAPIError(js jetstream.JetStream, op string, err error) {
	if c, ok := js.(countingJS); ok {
		c.errs.observe(op, err)
	}
}
