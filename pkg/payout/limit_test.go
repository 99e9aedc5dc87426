package payout

import (
	"context"
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
