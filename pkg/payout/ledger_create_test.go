package payout

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// failingCreateKV fails the ledger's creates (an Update on revision 0: compare-and-set on "no
// entry") as a bucket whose leader was just killed does: the first fails of them return a
// timeout. With applied, the first failing create is written before its error is returned (a
// proposal that timed out and was applied after all). onFail runs after each failed create.
type failingCreateKV struct {
	jetstream.KeyValue
	mu      sync.Mutex
	fails   int
	applied bool
	creates int
	onFail  func()
}

func (kv *failingCreateKV) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	if rev != 0 {
		return kv.KeyValue.Update(ctx, key, value, rev)
	}
	kv.mu.Lock()
	kv.creates++
	fail, apply := kv.fails > 0, kv.applied
	if fail {
		kv.fails--
		kv.applied = false
	}
	onFail := kv.onFail
	kv.mu.Unlock()
	if !fail {
		return kv.KeyValue.Update(ctx, key, value, rev)
	}
	if apply {
		if _, err := kv.KeyValue.Update(ctx, key, value, rev); err != nil {
			return 0, err
		}
	}
	if onFail != nil {
		onFail()
	}
	return 0, fmt.Errorf("fake ledger leader gone: %w", nats.ErrTimeout)
}

func (kv *failingCreateKV) count() int { kv.mu.Lock(); defer kv.mu.Unlock(); return kv.creates }

// failCreates makes the machine's ledger fail its creates as kv says.
func (e *env) failCreates(kv *failingCreateKV) *failingCreateKV {
	kv.KeyValue = e.m.ledger.kv
	e.m.ledger.kv = kv
	return kv
}

// A new row whose first ledger write fails for a moment (the ledger bucket's leader was killed)
// is paid in the same delivery, once, without the lost-entry path's settle wait and lookup: the
// worker that failed the write knows nothing was sent in this delivery, and on a first delivery
// nobody else sent anything either. Handing it back instead made its redelivery find no entry,
// which no one can tell from a lost one (issue 15: 293 rows waited settle_delay in one 12-kill
// run).
//
// Protects I1 (one payout: the create that succeeds is the row's only entry) and I4 (a moment
// of ledger unavailability slows a row, it does not cost it a settle wait and a lookup).
func TestFirstLedgerWriteRetriedInPlace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	kv := e.failCreates(&failingCreateKV{fails: 3})
	d, msg := e.deliver("B", "c1", 1)
	if d.Action != actionNakDelay || d.Delay != e.opts.Poll.FastInterval {
		t.Fatalf("decision %+v: want the row sent and accepted in this delivery (nak %s to poll)", d, e.opts.Poll.FastInterval)
	}
	if n := e.gw.payouts("c1"); n != 1 {
		t.Fatalf("payout requests %d, want 1", n)
	}
	if n := e.gw.statuses("c1"); n != 0 {
		t.Fatalf("status lookups %d, want 0 (no evidence was lost: nothing to look up)", n)
	}
	if got := e.ledger("B", "c1"); got.State != StateAccepted || got.Attempts != 1 || got.Lost != "" || got.Resent {
		t.Fatalf("ledger %+v, want accepted after one attempt, never lost or re-sent", got)
	}
	if n := kv.count(); n != 4 {
		t.Fatalf("creates %d, want 4 (3 failed, then the one that counts)", n)
	}
	if msg.inProgress < 3 {
		t.Fatalf("InProgress sent %d times, want one before each retried create (the server must not redeliver meanwhile)", msg.inProgress)
	}
}

// A first ledger write that timed out but was applied after all is found by its retry as an
// existing entry. The worker cannot tell its own entry from another worker's, so it never
// assumes it is its own: it takes the path of a submitting entry whose request's outcome is
// unknown — settle, then look the order up — and sends nothing blindly.
//
// Protects I1 and I3 (positive evidence before any send that could be a second one).
func TestFirstLedgerWriteAppliedDespiteErrorIsNeverTakenAsOurs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.failCreates(&failingCreateKV{fails: 1, applied: true})
	d, _ := e.deliver("B", "c1", 1)
	entry := e.ledger("B", "c1")
	if entry == nil || entry.State != StateSubmitting || entry.Attempts != 1 {
		t.Fatalf("ledger %+v, want the applied submitting entry", entry)
	}
	settle := e.m.cls.lookupAt(entry).Sub(t0)
	if d.Action != actionNakDelay || d.Delay != settle || d.Step != stepNone {
		t.Fatalf("decision %+v: want a nak for the settle wait (%s), as for any submitting entry", d, settle)
	}
	if p, s := e.gw.payouts("c1"), e.gw.statuses("c1"); p != 0 || s != 0 {
		t.Fatalf("payouts %d, lookups %d during the settle wait: want none", p, s)
	}
	e.clock.Advance(settle)
	e.deliver("B", "c1", 2)
	if p, s := e.gw.payouts("c1"), e.gw.statuses("c1"); p != 1 || s != 1 {
		t.Fatalf("payouts %d, lookups %d after the settle: want the lookup's not-found, then one send", p, s)
	}
	if got := e.ledger("B", "c1"); got.Attempts != 2 || !got.Resent {
		t.Fatalf("ledger %+v, want the send after the lookup counted as attempt 2, re-sent", got)
	}
}

// When the ledger stays unavailable past the retry budget (well inside ack_wait), the row is
// handed back as before: nak after backoff_initial, nothing sent, nothing recorded.
//
// Protects I4 (the row is kept) and I1 (no request without its entry).
func TestFirstLedgerWriteHandedBackWhenBudgetRunsOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) {
		o.CallTimeout, o.AckWait, o.SettleDelay = 200*time.Millisecond, 600*time.Millisecond, time.Second
	})
	kv := e.failCreates(&failingCreateKV{fails: 1 << 30})
	start := time.Now()
	d, _ := e.deliver("B", "c1", 1)
	if took := time.Since(start); took >= e.opts.AckWait {
		t.Fatalf("the delivery took %s: the retries must end well inside ack_wait %s", took, e.opts.AckWait)
	}
	if d.Action != actionNakDelay || d.Delay != e.opts.BackoffInitial {
		t.Fatalf("decision %+v: want handed back after backoff_initial", d)
	}
	if n := kv.count(); n < 2 {
		t.Fatalf("creates %d: want the write retried before the hand-back", n)
	}
	if p := e.gw.payouts("c1"); p != 0 {
		t.Fatalf("payouts %d without a ledger entry", p)
	}
	if got := e.ledger("B", "c1"); got != nil {
		t.Fatalf("ledger %+v, want none", got)
	}
}

// A shutdown ends the retries at once: the job is handed back without delay, nothing sent.
//
// Protects I4 (interrupted work is not the row's failure) and the pool's ordered shutdown.
func TestFirstLedgerWriteRetriesStopAtShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kv := e.failCreates(&failingCreateKV{fails: 1 << 30, onFail: cancel})
	e.enqueued("B", "c1")
	msg := &fakeMsg{data: jobBytes(t, "B", testJob("c1", 2)), subject: e.names.JobSubject("B"),
		meta: jetstream.MsgMetadata{NumDelivered: 1, Sequence: jetstream.SequencePair{Stream: 7}, Timestamp: t0}}
	d := e.m.Handle(ctx, msg)
	if d.Action != actionNakDelay || d.Delay != 0 {
		t.Fatalf("decision %+v: want handed back at once", d)
	}
	if n := kv.count(); n != 1 {
		t.Fatalf("creates %d after shutdown began, want 1", n)
	}
	if p := e.gw.payouts("c1"); p != 0 {
		t.Fatalf("payouts %d", p)
	}
}
