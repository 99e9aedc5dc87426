package payout

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The pause between tries of a row's first ledger write: doubled after each try, up to the max.
const (
	createPauseFirst = 25 * time.Millisecond
	createPauseMax   = time.Second
)

// write carries out a decision's ledger write: Update(rev), or, when the row has no entry (rev
// 0), create. stamp runs before every try: a payout request's deadline runs from its own write.
func (m *machine) write(ctx context.Context, msg jetstream.Msg, key string, e *Entry, rev uint64, stamp func()) (uint64, error) {
	if rev == 0 {
		return m.create(ctx, msg, key, e, stamp)
	}
	stamp()
	return m.put(ctx, key, e, rev)
}

// create writes a row's first ledger entry: a compare-and-set on "no entry". A try that fails
// with anything but a conflict (the bucket's leader was lost, a timeout) is tried again in
// place for up to createBudget, the message kept in progress meanwhile, so that the delivery's
// own evidence is kept: nothing was sent in it (and on a first delivery, by nobody). Handed
// back instead, the row's redelivery would find no entry, which nobody can tell from a lost one
// (a settle wait and a lookup, I1/I3).
//
// Every try is the same compare-and-set, so a retry can never make a second entry: a try that
// succeeds holds the row's only entry; one that finds an entry (an earlier try applied after
// all, or another worker's) returns errConflict, and the caller re-reads it and never takes it
// for its own. A shutdown (ctx) ends the tries; when the budget is spent, the last error is
// returned and the row is handed back as any ledger failure is.
func (m *machine) create(ctx context.Context, msg jetstream.Msg, key string, e *Entry, stamp func()) (uint64, error) {
	end := time.Now().Add(m.createBudget())
	pause := createPauseFirst
	for {
		stamp()
		rev, err := m.put(ctx, key, e, 0)
		if err == nil || errors.Is(err, errConflict) || ctx.Err() != nil || time.Now().Add(pause).After(end) {
			return rev, err
		}
		m.met.createRetries.Inc()
		_ = msg.InProgress() // the server must not redeliver the job while this worker retries
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, err
		case <-t.C:
		}
		pause = min(2*pause, createPauseMax)
	}
}

// createBudget bounds the tries of a row's first ledger write: a third of ack_wait, so that
// with one try's own bound (ioTimeout) the job is kept well inside its ack deadline, which
// InProgress restarts before every retry.
func (m *machine) createBudget() time.Duration { return m.opts.AckWait / 3 }
