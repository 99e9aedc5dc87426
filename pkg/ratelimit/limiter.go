package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// Limiter is one member of a pool-wide rate limit. It is safe for concurrent use.
type Limiter struct {
	opts    Options
	kv      jetstream.KeyValue
	log     zerolog.Logger
	metrics *metrics
	total   *rate.Limiter
	wire    *rate.Limiter    // this member's share again, taken by Pace right before each send
	lanes   map[string]*lane // one per configured kind
	dflt    *lane            // every other kind: total only
	gate    atomic.Pointer[gateState]

	mu       sync.Mutex
	members  map[string]*member // self included
	active   bool               // holds a share (see membership.go)
	closed   bool
	joined   bool              // the bucket's initial state has been read; admission may start
	lastBeat time.Time         // send time of the newest heartbeat the server accepted
	beatFail bool              // the last heartbeat failed
	hearing  time.Time         // heartbeats accepted again since (after a failure): silence before it is no evidence
	inc      int64             // incarnation: new each time this member (re)creates its record
	rev      uint64            // revision of this member's record, for compare-and-set heartbeats
	suspects map[string]uint64 // silent members (id -> last revision seen) to delete with CAS
	pause    *pauseRecord
	pressure pressureState
	changed  chan struct{} // closed and replaced whenever the gate changes

	// Gateway answers (pressure.go, adaptive.go).
	adaptive   adaptiveRecord  // the pool's factor as last seen
	win        windowCount     // answers in the window being counted
	winIdx     int64           // that window's number
	streak     int             // pressure answers in a row
	verdicts   []windowVerdict // closed windows to merge into the pool's factor
	report     pressureReport  // stop to merge into the pool's record
	reported   bool            // report holds something
	lastRate   float64         // last logged effective rate
	lastReason string          // and its reason

	beatNow    chan struct{}   // buffered 1: the view changed, advertise it now
	pressureC  chan struct{}   // buffered 1: an answer was reported
	beatsOff   atomic.Bool     // test hook: simulate a member that died without Close
	onGrant    func(time.Time) // test hook: the moment each token is consumed
	watcher    jetstream.KeyWatcher
	done       chan struct{} // closed by Close
	loopCtx    context.Context
	stopLoops  context.CancelFunc
	loops      sync.WaitGroup
	watchEnded chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// gateState is what every grant checks, lock-free.
type gateState struct {
	active        bool
	paused        bool
	fenceAt       time.Time // no grants from here on unless a newer heartbeat succeeds
	pressureUntil time.Time
}

func (g *gateState) open(now time.Time) bool {
	return g.active && !g.paused && now.Before(g.fenceAt) && !now.Before(g.pressureUntil)
}

// New joins the pool: it opens (or creates) the bucket, registers this member, reads the
// current pause and pressure records and starts the heartbeat, watch and dispatch
// goroutines. The new member grants nothing until every member it sees has counted it (see
// docs/ratelimit.md), which normally takes a few milliseconds. ctx bounds only the setup.
func New(ctx context.Context, js jetstream.JetStream, opts Options) (*Limiter, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	kv := o.KV
	if kv == nil {
		if js == nil {
			return nil, fmt.Errorf("%w: a JetStream context or Options.KV is required", ErrInvalidOptions)
		}
		if kv, err = openBucket(ctx, js, o.Bucket); err != nil {
			return nil, err
		}
	}
	l := &Limiter{
		opts:       o,
		kv:         kv,
		log:        zerolog.Nop(),
		total:      rate.NewLimiter(0, 0),
		wire:       rate.NewLimiter(0, 0),
		lanes:      map[string]*lane{},
		members:    map[string]*member{o.ID: {lastSeen: time.Now()}},
		suspects:   map[string]uint64{},
		changed:    make(chan struct{}),
		beatNow:    make(chan struct{}, 1),
		pressureC:  make(chan struct{}, 1),
		done:       make(chan struct{}),
		watchEnded: make(chan struct{}),
		onGrant:    o.onGrant,
		adaptive:   adaptiveRecord{Factor: 1, Verdict: verdictHold},
		lastRate:   o.Rate,
		lastReason: ReasonConfigured,
	}
	l.log = o.Log.With().Str("component", "ratelimit").Str("member", o.ID).Logger()
	if l.metrics, err = newMetrics(o); err != nil {
		return nil, err
	}
	l.dflt = newLane(l, "default", nil)
	for kind := range o.Kinds {
		l.lanes[kind] = newLane(l, kind, rate.NewLimiter(0, 0))
	}
	l.gate.Store(&gateState{})
	if err := l.join(ctx); err != nil {
		l.metrics.unregister()
		return nil, err
	}
	l.loopCtx, l.stopLoops = context.WithCancel(context.Background())
	l.loops.Add(2 + 1 + len(l.lanes))
	go l.beatLoop()
	go l.pressureLoop()
	go l.dflt.run()
	for _, ln := range l.lanes {
		go ln.run()
	}
	go l.watchLoop()
	return l, nil
}

// join writes the first heartbeat and reads the bucket's current state before any grant.
func (l *Limiter) join(ctx context.Context) error {
	if err := l.putSelf(ctx); err != nil {
		return err
	}
	w, err := l.kv.WatchAll(context.Background())
	if err != nil {
		_ = l.deregister()
		return fmt.Errorf("ratelimit: watch bucket: %w", err)
	}
	l.watcher = w
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				_ = l.deregister()
				return fmt.Errorf("ratelimit: watch bucket: %w", jetstream.ErrConnectionClosed)
			}
			if e == nil { // initial values done
				l.mu.Lock()
				l.joined = true
				l.reconcileLocked(time.Now())
				l.mu.Unlock()
				return nil
			}
			l.handle(e)
		case <-ctx.Done():
			_ = w.Stop()
			for range w.Updates() { // let the subscription's callback finish
			}
			_ = l.deregister()
			return fmt.Errorf("ratelimit: read bucket: %w", ctx.Err())
		}
	}
}

// Close leaves the pool: it stops granting (pending Waits return ErrClosed), deletes this
// member's record so the others take over its share at once, and stops every goroutine.
// It returns the error of the delete, if any (the others then notice after DeadAfter).
func (l *Limiter) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.active = false
		l.applyLocked(time.Now())
		l.mu.Unlock()
		close(l.done)
		l.stopLoops()
		l.loops.Wait()
		l.closeErr = l.deregister()
		_ = l.watcher.Stop()
		<-l.watchEnded
		l.metrics.unregister()
	})
	return l.closeErr
}

func (l *Limiter) deregister() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l.mu.Lock()
	rev := l.rev
	l.mu.Unlock()
	// Only our own incarnation: a record rewritten since (deleted as dead, or taken over by
	// a newer process with the same ID) is not ours to delete.
	err := l.kv.Delete(ctx, memberKey(l.opts.ID), jetstream.LastRevision(rev))
	if err != nil && !errCAS(err) {
		return fmt.Errorf("ratelimit: deregister member: %w", err)
	}
	return nil
}

func (l *Limiter) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

type ctxKey int

const (
	kindKey ctxKey = iota
	fairKey
)

// WithKind marks ctx so that Wait(ctx) takes a token of the given call kind.
func WithKind(ctx context.Context, kind string) context.Context {
	return context.WithValue(ctx, kindKey, kind)
}

// WithKey marks ctx with a fairness key (normally the batch id) for Wait(ctx).
func WithKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, fairKey, key)
}

// CallFromContext returns the call kind and fairness key that WithKind and WithKey put on ctx
// ("" when absent), for adapters that forward a wait to another limiter.
func CallFromContext(ctx context.Context) (kind, key string) {
	kind, _ = ctx.Value(kindKey).(string)
	key, _ = ctx.Value(fairKey).(string)
	return kind, key
}

// Wait blocks until this caller may send one gateway request; the call kind and fairness key
// come from WithKind and WithKey on ctx (both optional). It satisfies submit.Limiter. See
// WaitFor for the contract.
func (l *Limiter) Wait(ctx context.Context) error {
	kind, key := CallFromContext(ctx)
	return l.WaitFor(ctx, kind, key)
}

// WaitFor blocks until this caller may send one request of the given kind, queued fairly
// under key: waiters of one kind are served one key at a time in round-robin order, FIFO
// within a key. A kind not listed in Options.Kinds takes a token from the total only.
//
// It returns nil once the token is granted, also after waiting out a pause or gateway
// pressure: waiting is never a failed delivery. When ctx ends first it returns an error
// wrapping ctx.Err(), and also ErrPaused if the pool was paused or under pressure at that
// moment (hand the job back with a delay instead of counting a failure). After Close it
// returns ErrClosed.
func (l *Limiter) WaitFor(ctx context.Context, kind, key string) error {
	if l.isClosed() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ratelimit: wait: %w", err)
	}
	ln := l.lanes[kind]
	if ln == nil {
		ln = l.dflt
	}
	return ln.wait(ctx, key)
}

// Paused reports whether the pool is paused by an operator (until is zero: no known end) or
// backing off from gateway pressure (until is when the backoff ends). A worker about to wait
// longer than it wants to hold a job can hand the job back with a delay of time.Until(until).
func (l *Limiter) Paused() (until time.Time, ok bool) {
	g := l.gate.Load()
	if g.paused {
		return time.Time{}, true
	}
	if time.Now().Before(g.pressureUntil) {
		return g.pressureUntil, true
	}
	return time.Time{}, false
}

// Stats is a snapshot of this member's view.
type Stats struct {
	ID            string
	Members       int     // live members this one counts, itself included
	Active        bool    // holds a share
	Rate          float64 // this member's current total rate (requests/s)
	Burst         int     // this member's current total burst
	Factor        float64 // the pool's adaptive factor: 1, or lower after congestion
	Paused        bool
	PauseKind     string // PauseKindOperator or PauseKindAuth, when Paused
	PauseReason   string // when Paused
	PressureUntil time.Time
	PoolRate      float64 // the pool's effective rate now (0 while stopped)
	Reason        string  // why (ReasonConfigured, ReasonCongested, ...)
}

// Stats returns this member's current view of the pool.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	var kind, pauseReason string
	if l.pause != nil {
		kind, pauseReason = l.pause.kind(), l.pause.Reason
	}
	rate, reason := l.rateLocked(time.Now())
	return Stats{
		PauseKind:     kind,
		PauseReason:   pauseReason,
		ID:            l.opts.ID,
		Members:       len(l.members),
		Active:        l.active,
		Rate:          float64(l.total.Limit()),
		Burst:         l.total.Burst(),
		Factor:        l.adaptive.Factor,
		Paused:        l.pause != nil,
		PressureUntil: l.pressure.until,
		PoolRate:      rate,
		Reason:        reason,
	}
}

// Pause pauses the whole pool: every member's Wait blocks until Resume. Jobs are not lost;
// they wait (or are handed back by the worker, see Paused).
func (l *Limiter) Pause(ctx context.Context, reason string) error {
	return (&Control{kv: l.kv, by: l.opts.ID}).Pause(ctx, reason)
}

// Resume ends a pause of the whole pool.
func (l *Limiter) Resume(ctx context.Context) error {
	return (&Control{kv: l.kv, by: l.opts.ID}).Resume(ctx)
}

// granted records a grant for the test hook.
func (l *Limiter) granted(at time.Time) {
	if l.onGrant != nil {
		l.onGrant(at)
	}
}

// gateOpen reports whether a token may be granted now.
func (l *Limiter) gateOpen(now time.Time) bool { return l.gate.Load().open(now) }

// awaitGate blocks until the gate is open; false means the limiter closed.
func (l *Limiter) awaitGate() bool {
	for {
		l.mu.Lock()
		ch := l.changed
		l.mu.Unlock()
		g := l.gate.Load()
		now := time.Now()
		if g.open(now) {
			return true
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if g.active && !g.paused && now.Before(g.fenceAt) && now.Before(g.pressureUntil) {
			timer = time.NewTimer(g.pressureUntil.Sub(now))
			fire = timer.C
		}
		select {
		case <-ch:
		case <-fire:
		case <-l.done:
			return false
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// sleep waits d, or less when the gate changes or the limiter closes.
func (l *Limiter) sleep(d time.Duration) {
	l.mu.Lock()
	ch := l.changed
	l.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ch:
	case <-l.done:
	}
}

// errCAS reports a lost compare-and-set.
func errCAS(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
