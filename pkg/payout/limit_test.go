package payout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/ratelimit"
)

// recordingLimiter records the call kind and batch of every wait.
type recordingLimiter struct {
	mu    sync.Mutex
	waits []string
}

func (l *recordingLimiter) Wait(ctx context.Context) error {
	kind, key := ratelimit.CallFromContext(ctx)
	l.mu.Lock()
	l.waits = append(l.waits, kind+"/"+key)
	l.mu.Unlock()
	return nil
}

// Every gateway call waits once on the limiter, tagged with its kind and its batch, so that
// per-kind limits and fairness between batches apply.
func TestMachineTagsLimiterWaits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.statusSeq = []string{"approved"}
	lim := &recordingLimiter{}
	m, err := newMachine(context.Background(), e.opts, Deps{JS: e.js, Gateway: e.gw, Classify: fakeClassify,
		Clock: e.clock, Limiter: lim, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := e.deliverWith(m, "B7", "c1", 1); d.Action != actionNakDelay {
		t.Fatalf("payout delivery: %+v", d)
	}
	e.clock.Advance(e.opts.Poll.FastInterval)
	if d, _ := e.deliverWith(m, "B7", "c1", 2); d.Action != actionAck {
		t.Fatalf("poll delivery: %+v", d)
	}
	want := []string{ratelimit.KindPayout + "/B7", ratelimit.KindStatus + "/B7"}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if !slices.Equal(lim.waits, want) {
		t.Fatalf("limiter waits = %q, want %q", lim.waits, want)
	}
}

// A job handed back because the limiter gave up waiting (a pause, pressure, a backlog) is
// expected, not a fault: it is logged at info, while a real infrastructure error stays a warning.
// Neither counts as a failure: a row that has an entry gets no ledger write, and a new row
// only gets the record that nothing was sent (so its redelivery needs no lookup, I4).
func TestNoGatewaySlotIsNoFault(t *testing.T) {
	t.Parallel()
	c := newClassifier(testOptions(), zerolog.Nop())
	for _, tt := range []struct {
		err   error
		level zerolog.Level
	}{
		{fmt.Errorf("%w: %w", ErrNoGatewaySlot, context.DeadlineExceeded), zerolog.InfoLevel},
		{errors.New("kv down"), zerolog.WarnLevel},
	} {
		pending := &Entry{State: StatePendingRetry, Attempts: 1, Failures: 1}
		d := c.Decide(input{Event: eventInfraError, Entry: pending, Delivery: deliveryMeta{NumDelivered: 2}, Err: tt.err, Now: t0})
		if d.Action != actionNakDelay || d.Next != nil || d.Level != tt.level {
			t.Errorf("%v: decision %+v, want a hand-back without a ledger write at %s", tt.err, d, tt.level)
		}
		d = c.Decide(input{Event: eventInfraError, Delivery: deliveryMeta{NumDelivered: 2}, Err: tt.err, Now: t0})
		if n := d.Next; n != nil && (n.State != StatePendingRetry || n.Attempts != 0 || n.Failures != 0 || n.OrderID != "") {
			t.Errorf("%v: new row handed back with ledger write %+v, want at most a pending_retry with nothing sent", tt.err, n)
		}
	}
}
