package queue

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestUnanswered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"attempt deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), true},
		{"request timeout", nats.ErrTimeout, true},
		{"no responders", nats.ErrNoResponders, true},
		{"no stream response", jetstream.ErrNoStreamResponse, true},
		{"JetStream temporarily unavailable", &jetstream.APIError{Code: 503, ErrorCode: 10008}, true},
		{"insufficient resources", &jetstream.APIError{Code: 503, ErrorCode: 10023}, false},
		{"stream not found", jetstream.ErrStreamNotFound, false},
		{"created but not visible yet", fmt.Errorf("%w: %w", errNotVisibleYet, jetstream.ErrStreamNotFound), true},
		{"cancelled", context.Canceled, false},
	} {
		if got := unanswered(tc.err); got != tc.want {
			t.Errorf("%s: unanswered(%v) = %t, want %t", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestAPICallRepeatsOnlyUnanswered(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls := 0
	v, err := apiCall(ctx, func(context.Context) (int, error) {
		if calls++; calls < 3 {
			return 0, nats.ErrTimeout
		}
		return 7, nil
	})
	if v != 7 || err != nil || calls != 3 {
		t.Errorf("after two timeouts: %d, %v after %d calls; want 7, nil after 3", v, err, calls)
	}
	calls = 0
	_, err = apiCall(ctx, func(context.Context) (int, error) { calls++; return 0, jetstream.ErrStreamNotFound })
	if !errors.Is(err, jetstream.ErrStreamNotFound) || calls != 1 {
		t.Errorf("a definite answer: %v after %d calls; want it after 1", err, calls)
	}
	_, err = apiCall(ctx, mustExist(func(context.Context) (int, error) {
		if calls++; calls < 4 {
			return 0, jetstream.ErrStreamNotFound
		}
		return 1, nil
	}, jetstream.ErrStreamNotFound))
	if err != nil {
		t.Errorf("a lookup of an object known to exist: %v; want repeated until found", err)
	}
}
