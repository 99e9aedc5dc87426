package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// apiAttemptTimeout bounds one JetStream API request of Provision. In a cluster a request for a
// stream, bucket or consumer whose group has no leader yet (just created by another process, or
// in an election) is never answered; waiting for the caller's whole deadline would stall
// start-up for nothing, while a repeated request reaches the leader once it is elected.
const apiAttemptTimeout = 2 * time.Second

// apiRetryWait is the pause between two attempts.
const apiRetryWait = 100 * time.Millisecond

// apiCall runs do with its own timeout and repeats it, until ctx ends, while the request was not
// answered or JetStream answered that it is temporarily unavailable. Every request Provision
// repeats is idempotent: a create that timed out but succeeded is found by the next attempt
// ("already exists", handled by the callers), a repeated update writes the same configuration.
func apiCall[T any](ctx context.Context, do func(context.Context) (T, error)) (T, error) {
	for {
		actx, cancel := context.WithTimeout(ctx, apiAttemptTimeout)
		v, err := do(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !unanswered(err) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(apiRetryWait):
		}
	}
}

// errCodeClusterNotAvailable is JetStream's "JetStream system temporarily unavailable" (no meta
// leader, or the asset's group is forming).
const errCodeClusterNotAvailable jetstream.ErrorCode = 10008

// errNotVisibleYet marks a "not found" for an object this process has just created or been
// told exists: in a cluster, a server that has not yet applied the creation can answer a lookup
// that way for a moment. apiCall repeats such a lookup.
var errNotVisibleYet = errors.New("not visible yet")

// mustExist wraps lookup for an object known to exist: its "not found" is repeated by apiCall.
func mustExist[T any](lookup func(context.Context) (T, error), notFound error) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) {
		v, err := lookup(ctx)
		if errors.Is(err, notFound) {
			err = fmt.Errorf("%w: %w", errNotVisibleYet, err)
		}
		return v, err
	}
}

// unanswered reports errors that mean the request did not reach a leader that could answer it.
func unanswered(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeClusterNotAvailable {
		return true // not e.g. "insufficient resources" (also 503): that needs an operator
	}
	return errors.Is(err, errNotVisibleYet) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}
