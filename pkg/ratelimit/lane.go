package ratelimit

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// A lane serves the waiters of one call kind (or of every unlisted kind). Waiters queue in
// one FIFO per fairness key; the lane's single dispatcher goroutine takes a token and hands
// it to the head of the next key in round-robin order, so a key with a huge backlog gets one
// grant per turn like every other waiting key.
type lane struct {
	l         *Limiter
	name      string        // metric label
	kind      *rate.Limiter // nil for the default lane: total only
	wake      chan struct{} // buffered 1: a waiter was queued
	hist      prometheus.Observer
	throttled prometheus.Counter

	mu     sync.Mutex
	queues map[string]*list.List // key -> FIFO of *waiter
	ring   []string              // keys with waiters, in round-robin order
	next   int                   // index in ring of the key served next
	queued int
}

type waiter struct {
	key     string
	elem    *list.Element
	granted chan struct{} // closed by the dispatcher when the token is handed over
	done    bool          // granted; guarded by lane.mu
}

func newLane(l *Limiter, name string, kind *rate.Limiter) *lane {
	return &lane{
		l: l, name: name, kind: kind, wake: make(chan struct{}, 1), queues: map[string]*list.List{},
		hist:      l.metrics.waitSeconds.WithLabelValues(name),
		throttled: l.metrics.throttled.WithLabelValues(name),
	}
}

// wait blocks until this caller holds a token. See Limiter.WaitFor for the contract.
func (ln *lane) wait(ctx context.Context, key string) error {
	start := time.Now()
	ln.mu.Lock()
	if ln.queued == 0 && ln.tryNow(start) {
		ln.mu.Unlock()
		ln.hist.Observe(0)
		return nil
	}
	w := &waiter{key: key, granted: make(chan struct{})}
	q := ln.queues[key]
	if q == nil {
		q = list.New()
		ln.queues[key] = q
		ln.ring = append(ln.ring, key)
	}
	w.elem = q.PushBack(w)
	ln.queued++
	ln.mu.Unlock()
	select {
	case ln.wake <- struct{}{}:
	default:
	}

	var cause error
	select {
	case <-w.granted:
		ln.observe(start)
		return nil
	case <-ctx.Done():
		cause = ctx.Err()
	case <-ln.l.done:
		cause = ErrClosed
	}
	ln.mu.Lock()
	if w.done { // granted while we were giving up: the token is ours, use it
		ln.mu.Unlock()
		ln.observe(start)
		return nil
	}
	ln.remove(w)
	ln.mu.Unlock()
	if cause != ErrClosed {
		if _, paused := ln.l.Paused(); paused {
			return fmt.Errorf("ratelimit: wait: %w: %w", ErrPaused, cause)
		}
	}
	return fmt.Errorf("ratelimit: wait: %w", cause)
}

func (ln *lane) observe(start time.Time) {
	ln.hist.Observe(time.Since(start).Seconds())
	ln.throttled.Inc()
}

// tryNow takes a token without queueing when the gate is open and the buckets have one.
// Called with ln.mu held and no waiter queued.
func (ln *lane) tryNow(now time.Time) bool {
	if !ln.l.gateOpen(now) || !ln.take(now) {
		return false
	}
	ln.l.granted(now)
	return true
}

// take consumes one token from the kind bucket (if any) and the total bucket. Tokens are
// consumed at the moment of the grant (never reserved ahead), so grant times obey the bucket
// exactly however late a goroutine runs. If another lane empties the total bucket between
// the check and the take, the kind token is forfeited: never more than the limit.
func (ln *lane) take(now time.Time) bool {
	if ln.kind == nil {
		return ln.l.total.AllowN(now, 1)
	}
	return ln.l.total.TokensAt(now) >= 1 && ln.kind.AllowN(now, 1) && ln.l.total.AllowN(now, 1)
}

// untilToken is how long until both buckets hold a token; false when one has no rate (this
// member holds no share).
func (ln *lane) untilToken(now time.Time) (time.Duration, bool) {
	var d time.Duration
	for _, b := range [2]*rate.Limiter{ln.kind, ln.l.total} {
		if b == nil {
			continue
		}
		t := b.TokensAt(now)
		if t >= 1 {
			continue
		}
		r := float64(b.Limit())
		if r <= 0 {
			return 0, false
		}
		d = max(d, time.Duration((1-t)/r*float64(time.Second))+1)
	}
	return d, true
}

// remove drops a waiter that gave up. Called with ln.mu held.
func (ln *lane) remove(w *waiter) {
	q := ln.queues[w.key]
	q.Remove(w.elem)
	ln.queued--
	if q.Len() == 0 {
		ln.dropKey(w.key)
	}
}

func (ln *lane) dropKey(key string) {
	delete(ln.queues, key)
	for i, k := range ln.ring {
		if k == key {
			ln.ring = append(ln.ring[:i], ln.ring[i+1:]...)
			if i < ln.next {
				ln.next--
			}
			break
		}
	}
	if ln.next >= len(ln.ring) {
		ln.next = 0
	}
}

// grantNext hands a token to the head of the next key in round-robin order. It reports
// false when nobody is waiting. Called with ln.mu held.
func (ln *lane) grantNext() bool {
	if ln.queued == 0 {
		return false
	}
	key := ln.ring[ln.next]
	q := ln.queues[key]
	w := q.Remove(q.Front()).(*waiter)
	ln.queued--
	if q.Len() == 0 {
		ln.dropKey(key) // the next key slides into this slot
	} else {
		ln.next = (ln.next + 1) % len(ln.ring)
	}
	w.done = true
	close(w.granted)
	return true
}

// run is the lane's dispatcher; it returns when the limiter closes.
func (ln *lane) run() {
	l := ln.l
	defer l.loops.Done()
	for {
		ln.mu.Lock()
		n := ln.queued
		ln.mu.Unlock()
		if n == 0 {
			select {
			case <-ln.wake:
				continue
			case <-l.done:
				return
			}
		}
		if !l.awaitGate() {
			return
		}
		ln.mu.Lock()
		now := time.Now()
		d, ok := ln.untilToken(now)
		if ok && d == 0 && ln.queued > 0 && l.gateOpen(now) && ln.take(now) {
			l.granted(now)
			ln.grantNext()
		}
		ln.mu.Unlock()
		if !ok { // the gate is open but the share not yet applied: a transient
			d = time.Millisecond
		}
		if d > 0 {
			l.sleep(d) // the loop re-checks everything
		}
	}
}
