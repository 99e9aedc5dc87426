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
	m, err := NewMachine(context.Background(), e.opts, Deps{JS: e.js, Gateway: e.gw, Classify: fakeClassify,
		Clock: e.clock, Limiter: lim, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := e.deliverWith(m, "B7", "c1", 1); d.Action != ActionNakDelay {
		t.Fatalf("payout delivery: %+v", d)
	}
	e.clock.Advance(e.opts.Poll.FastInterval)
	if d, _ := e.deliverWith(m, "B7", "c1", 2); d.Action != ActionAck {
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
// Neither writes the ledger, so neither counts as a failure.
func TestNoGatewaySlotIsNoFault(t *testing.T) {
	t.Parallel()
	c := NewClassifier(testOptions(), zerolog.Nop())
	for _, tt := range []struct {
		err   error
		level zerolog.Level
	}{
		{fmt.Errorf("%w: %w", ErrNoGatewaySlot, context.DeadlineExceeded), zerolog.InfoLevel},
		{errors.New("kv down"), zerolog.WarnLevel},
	} {
		d := c.Decide(Input{Event: EventInfraError, Delivery: Delivery{NumDelivered: 2}, Err: tt.err, Now: t0})
		if d.Action != ActionNakDelay || d.Next != nil || d.Level != tt.level {
			t.Errorf("%v: decision %+v, want a hand-back without a ledger write at %s", tt.err, d, tt.level)
		}
	}
}
