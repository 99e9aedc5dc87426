package payout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/ratelimit"
	"github.com/payrun/payrun/pkg/submit"
)

// Deps are the machine's and the pool's collaborators.
type Deps struct {
	JS       jetstream.JetStream // required
	Gateway  Gateway             // required
	Classify ErrorClassifier     // files gateway errors; required
	Limiter  Limiter             // optional: waited on before every gateway call (leave nil when the client limits)
	Clock    Clock               // optional: system clock
	// Keys opens the sealed parameters of job messages (pkg/seal's Keyring); nil: a job with
	// sealed parameters is undecodable.
	Keys job.Opener
	Log  zerolog.Logger
	// Registerer receives the metrics (optional). Several pools may share one.
	Registerer prometheus.Registerer
}

// ioTimeout bounds one ledger, publish or ack operation.
const ioTimeout = 10 * time.Second

// maxSteps bounds the decisions taken for one delivery (a CAS conflict storm, a bug).
const maxSteps = 16

// machine carries out the classifier's decisions for one delivery at a time; it is safe for
// concurrent use by many goroutines (and many processes: the ledger's CAS serializes them).
type machine struct {
	opts     Options
	ledger   *ledger
	gw       Gateway
	classify ErrorClassifier
	limiter  Limiter
	clock    Clock
	keys     job.Opener
	cls      *classifier
	pub      publisher
	sum      *summarizer
	admit    *admission
	log      zerolog.Logger
	met      *metrics
}

// newMachine validates opts and binds the ledger and batches buckets.
func newMachine(ctx context.Context, opts Options, deps Deps) (*machine, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if deps.JS == nil || deps.Gateway == nil || deps.Classify == nil {
		return nil, fmt.Errorf("%w: deps: JS, Gateway and Classify are required", ErrInvalidOptions)
	}
	if deps.Clock == nil {
		deps.Clock = systemClock{}
	}
	met, err := newMetrics(deps.Registerer)
	if err != nil {
		return nil, err
	}
	ledger, err := openLedger(ctx, deps.JS, opts.Names.LedgerBucket)
	if err != nil {
		return nil, err
	}
	batchesKV, err := deps.JS.KeyValue(ctx, opts.Names.BatchesBucket)
	if err != nil {
		return nil, fmt.Errorf("payout: batches bucket %s: %w", opts.Names.BatchesBucket, err)
	}
	ordersKV, err := deps.JS.KeyValue(ctx, opts.Names.OrdersBucket)
	if err != nil {
		return nil, fmt.Errorf("payout: orders bucket %s: %w", opts.Names.OrdersBucket, err)
	}
	pub := publisher{js: deps.JS, names: opts.Names}
	return &machine{
		opts: opts, ledger: ledger, gw: deps.Gateway, classify: deps.Classify,
		limiter: deps.Limiter, clock: deps.Clock, keys: deps.Keys, cls: newClassifier(opts, deps.Log),
		pub: pub, sum: newSummarizer(deps.JS, batchesKV, opts.Names, deps.Log, met, deps.Clock.Now),
		admit: newAdmission(batchesKV, ordersKV, opts.Names), log: deps.Log, met: met,
	}, nil
}

// Handle processes one delivery: it reads the ledger, lets the classifier decide, carries the
// decisions out until one disposes of the message, applies it, and returns it. ctx bounds the
// gateway calls (cancel it to abandon work: the request's outcome is then ambiguous and the
// ledger says so); ledger writes and the reply to the server still complete.
func (m *machine) Handle(ctx context.Context, msg jetstream.Msg) decision {
	m.met.inFlight.Inc()
	defer m.met.inFlight.Dec()
	d := m.handle(ctx, msg)
	m.apply(ctx, msg, d)
	m.met.jobs.WithLabelValues(d.Action.String(), string(d.ResultStatus)).Inc()
	return d
}

func (m *machine) handle(ctx context.Context, msg jetstream.Msg) decision {
	dl := deliveryMeta{NumDelivered: 1, MaxDeliver: m.opts.MaxDeliver}
	var seq uint64
	var enqueuedAt time.Time
	if meta, err := msg.Metadata(); err == nil {
		dl.NumDelivered, seq, enqueuedAt = meta.NumDelivered, meta.Sequence.Stream, meta.Timestamp
	}
	v, err := decodeJob(msg.Data(), m.keys)
	v.EnqueuedAt = enqueuedAt
	event, readErr := eventDelivery, error(nil)
	if err != nil {
		row := v.row() // what the payload tells of the row; the subject names the batch
		row.BatchID = batchFromSubject(m.opts.Names.JobSubjectPrefix, msg.Subject())
		// A job naming a row of a real batch (manifest and reservation agree) ends the row with
		// a result when nothing was sent; anything else is a foreign message: dead letter only.
		var aerr error = errNotEnqueued
		if v.namesRow(row.BatchID) {
			actx, cancel := m.io(ctx)
			_, aerr = m.admit.reserved(actx, msg.Subject(), row.BatchID, row.ClientOrderID)
			cancel()
		}
		if errors.Is(aerr, errNotEnqueued) || errors.Is(aerr, errReservationLost) {
			d := m.cls.Decide(input{Event: eventUndecodable, Row: row, Delivery: dl, Now: m.clock.Now(), Err: err})
			return m.deadMessage(ctx, msg, d, row, seq, dl, d.Reason+": "+err.Error())
		}
		if aerr != nil {
			return m.cls.Decide(input{Event: eventInfraError, Row: row, Delivery: dl, Now: m.clock.Now(), Err: aerr})
		}
		event, readErr = eventUnreadable, err
	}
	// A job whose data key is missing can still be followed (lookups need no parameters), never sent.
	noParams := errors.Is(readErr, errDataKeyUnavailable)
	row := v.row()
	ctx = submit.WithBatch(ctx, row.BatchID) // the gateway client's log lines name the batch
	key := m.opts.Names.LedgerKey(row.BatchID, row.ClientOrderID)
	var entry *Entry
	var rev uint64
	infra := func(err error) decision {
		ev := eventInfraError
		if ctx.Err() != nil {
			ev = eventInterrupted
		}
		d := m.cls.Decide(input{Event: ev, Row: row, Entry: entry, Delivery: dl, Now: m.clock.Now(), Err: err})
		if d.Next != nil && rev == 0 { // a hand-back's first record of the row; a conflict means another worker has one
			if _, err := m.put(ctx, key, d.Next, rev); err != nil && !errors.Is(err, errConflict) {
				m.log.Warn().Err(err).Str("client_orderid", row.ClientOrderID).Msg("payout: record a hand-back")
			}
		}
		return d
	}
	entry, rev, err = m.get(ctx, key)
	if err != nil {
		return infra(err)
	}
	// Only a job that enqueue published may be paid (a manifest, the client_orderid reserved for
	// its batch, its content the reserved content). Checked before a row's first ledger write
	// and again before every payout request, so that a job naming a real row with other
	// content is never sent, whatever state the real row's entry is in.
	// verified: this delivery's job is readable and its content digest matched enqueue's record
	// of the row (its reservation, or its chunk record): its entry writes record the row's content.
	admitted, unbound, verified := false, false, false
	admit := func() (decision, bool) {
		actx, cancel := m.io(ctx)
		defer cancel()
		err := m.admit.check(actx, msg.Subject(), v)
		if errors.Is(err, errReservationLost) {
			// A row whose reservation is lost is followed, never sent, when something vouches
			// for it: its ledger entry (written only after an admitted delivery) or enqueue's
			// record of its chunk. Anything else is a job enqueue never published.
			vouched := entry != nil
			if !vouched {
				ok, verr := m.admit.vouched(actx, v)
				if verr != nil {
					return infra(verr), false
				}
				vouched, verified = ok, ok // the chunk record holds the row's content digest
			}
			if vouched {
				admitted, unbound = true, true
				return decision{}, true
			}
			err = fmt.Errorf("%w: %w, and no record of enqueue vouches for the row", errNotEnqueued, err)
		}
		if errors.Is(err, errNotEnqueued) {
			d := m.cls.Decide(input{Event: eventNotEnqueued, Row: row, Delivery: dl, Now: m.clock.Now(), Err: err})
			return m.deadMessage(ctx, msg, d, row, seq, dl, d.Reason), false
		}
		if err != nil {
			return infra(err), false
		}
		admitted, verified = true, true
		return decision{}, true
	}
	if entry == nil && event == eventDelivery {
		if d, ok := admit(); !ok {
			return d
		}
	}
	in := input{Event: event, Row: row, Entry: entry, Delivery: dl, Now: m.clock.Now(), Err: readErr}
	var callDeadline time.Time
	var params []job.Param // opened right before the attempt's ledger write and request
	for range maxSteps {
		in.Unbound, in.NoParams = unbound, noParams
		d := m.cls.Decide(in)
		if d.Step == stepSubmit && noParams {
			return infra(fmt.Errorf("payout: a send decided for a job whose data key is missing (refused)"))
		}
		if d.Step == stepSubmit && !admitted {
			if d, ok := admit(); !ok {
				return d
			}
			if unbound {
				continue // decide again: a row whose reservation is lost is never sent
			}
		}
		if d.Step == stepSubmit && unbound {
			return infra(fmt.Errorf("payout: a send decided for a row whose reservation is lost (refused)"))
		}
		stamp := func() {}
		if d.Step == stepSubmit {
			// Wait for the rate limit before the ledger counts the attempt.
			if err := m.wait(limitContext(ctx, ratelimit.KindPayout, row.BatchID), msg); err != nil {
				return infra(err)
			}
			if params, err = v.params(m.keys); err != nil {
				return infra(err) // decodeJob opened them already: cannot happen with the same keys
			}
			// The request's deadline runs from before the ledger write that records it for
			// every reader (each try of it): a process that stalls between the write and the
			// request cannot send it after another worker's settle wait has run out.
			stamp = func() {
				callDeadline = time.Now().Add(m.opts.CallTimeout)
				now := m.clock.Now()
				d.Next.SubmittedAt, d.Next.Deadline = now, now.Add(m.opts.CallTimeout)
			}
		}
		if d.Next != nil {
			if verified {
				d.Next.recordContent(v)
			}
			newRev, err := m.write(ctx, msg, key, d.Next, rev, stamp)
			if errors.Is(err, errConflict) {
				// Another worker touched the entry: continue from its state, never repeat a call.
				m.met.conflicts.Inc()
				if entry, rev, err = m.get(ctx, key); err != nil {
					return infra(err)
				}
				in = input{Event: event, Row: row, Entry: entry, Delivery: dl, Now: m.clock.Now(), Err: readErr}
				continue
			}
			if err != nil {
				return infra(err)
			}
			entry, rev = d.Next, newRev
		}
		switch d.Step {
		case stepNone:
			return d
		case stepSubmit:
			_ = msg.InProgress() // the ack deadline restarts; AckWait exceeds the HTTP timeout
			cctx, cancel := context.WithDeadline(limitContext(ctx, ratelimit.KindPayout, row.BatchID), callDeadline)
			start := time.Now()
			reply, err := m.gw.Payout(cctx, params)
			cancel()
			out, info := payoutOutcome(m.classify, reply, err)
			m.met.gatewayCall("payout", out, time.Since(start))
			in = input{Event: eventPayout, Row: row, Entry: entry, Outcome: out, Gateway: info, Delivery: dl, Now: m.clock.Now()}
		case stepLookup:
			lctx := limitContext(ctx, ratelimit.KindStatus, row.BatchID)
			if err := m.wait(lctx, msg); err != nil {
				return infra(err)
			}
			_ = msg.InProgress()
			cctx, cancel := context.WithTimeout(lctx, m.opts.CallTimeout)
			start := time.Now()
			reply, err := m.gw.Status(cctx, StatusQuery{ClientOrderID: row.ClientOrderID, OrderID: entry.OrderID})
			cancel()
			if ctx.Err() != nil { // shutting down: a lookup cut short is not the row's failure
				return infra(ctx.Err())
			}
			out, info := statusOutcome(m.classify, reply, err)
			m.met.gatewayCall("status", out, time.Since(start))
			m.met.polls.Inc()
			in = input{Event: eventStatus, Row: row, Entry: entry, Outcome: out, Gateway: info, Delivery: dl, Now: m.clock.Now()}
		case stepDeadLetter:
			return m.deadMessage(ctx, msg, d, row, seq, dl, d.Reason)
		case stepReport:
			_ = msg.InProgress() // the summary check may read a whole batch's results
			v.Unverified = !verified
			if err := m.report(ctx, v, entry, msg, seq, dl); err != nil {
				return infra(err)
			}
			in = input{Event: eventReported, Row: row, Entry: entry, Delivery: dl, Now: m.clock.Now()}
		default:
			return infra(fmt.Errorf("step %s in a row's decision", d.Step))
		}
	}
	return infra(fmt.Errorf("no disposition after %d decisions", maxSteps))
}

// limitContext tells the limiter (and the gateway client's own retries, which take tokens from
// it) which kind of call follows and which batch it serves: per-kind limits and fairness between
// batches need both.
func limitContext(ctx context.Context, kind, batchID string) context.Context {
	return ratelimit.WithKey(ratelimit.WithKind(ctx, kind), batchID)
}

// wait waits for the rate limit (if any), keeping the message's ack deadline alive meanwhile.
func (m *machine) wait(ctx context.Context, msg jetstream.Msg) error {
	if m.limiter == nil {
		return nil
	}
	_ = msg.InProgress()
	if err := m.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrNoGatewaySlot, err)
	}
	return nil
}

// ErrNoGatewaySlot is wrapped by a limiter wait that gave up (rate limit backlog, an operator's
// pause, gateway pressure): the job is handed back with a delay, which is not a failure.
var ErrNoGatewaySlot = errors.New("payout: no gateway slot")

// deadMessage publishes the dead letter of a message that is not (or cannot be read as) an
// enqueued row: it has no ledger entry and no result; d (a term) is returned once the dead letter
// is out.
func (m *machine) deadMessage(ctx context.Context, msg jetstream.Msg, d decision, row rowID, seq uint64, dl deliveryMeta, reason string) decision {
	dead := DeadLetter{BatchID: row.BatchID, ClientOrderID: row.ClientOrderID, Line: row.Line, Reason: reason,
		Subject: msg.Subject(), StreamSeq: seq, NumDelivered: dl.NumDelivered, PayloadBytes: len(msg.Data()), At: m.clock.Now()}
	ioctx, cancel := m.io(ctx)
	defer cancel()
	if err := m.pub.deadLetter(ioctx, dead); err != nil {
		return m.cls.Decide(input{Event: eventInfraError, Row: row, Delivery: dl, Now: m.clock.Now(), Err: err})
	}
	m.met.deadLetters.Inc()
	return d
}

// report publishes the dead letter (if the row was dead-lettered) and the result, then checks
// whether the batch is complete. Every publish carries a message id, so a repeat is harmless.
func (m *machine) report(ctx context.Context, v jobView, e *Entry, msg jetstream.Msg, seq uint64, dl deliveryMeta) error {
	ioctx, cancel := m.io(ctx)
	defer cancel()
	if e.DeadLetter != "" {
		dead := DeadLetter{BatchID: v.BatchID, ClientOrderID: v.Job.ClientOrderID, Line: v.Job.Line,
			Reason: e.DeadLetter, Result: e.Result, Ledger: e, Subject: msg.Subject(), StreamSeq: seq,
			NumDelivered: dl.NumDelivered, PayloadBytes: len(msg.Data()), At: m.clock.Now()}
		if err := m.pub.deadLetter(ioctx, dead); err != nil {
			return err
		}
		m.met.deadLetters.Inc()
	}
	if err := m.pub.result(ioctx, v, e); err != nil {
		return err
	}
	m.met.results.WithLabelValues(string(e.Result)).Inc()
	if !v.EnqueuedAt.IsZero() {
		m.met.endToEnd.WithLabelValues(string(e.Result)).Observe(m.clock.Now().Sub(v.EnqueuedAt).Seconds())
	}
	// The summary check reads the whole batch's results when the last one is in: it gets its
	// own budget (by row count) and keeps the job's ack deadline alive while it reads. A
	// shutdown cuts it short; the job is then handed back and the next worker checks again.
	return m.sum.afterResult(ctx, v.BatchID, func() { _ = msg.InProgress() })
}

// apply replies to the server as decided.
func (m *machine) apply(ctx context.Context, msg jetstream.Msg, d decision) {
	var err error
	switch d.Action {
	case actionAck:
		// Until AckWait: an ack confirmed later than that no longer spares a redelivery.
		ioctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.opts.AckWait)
		err = msg.DoubleAck(ioctx)
		cancel()
	case actionNakDelay:
		err = msg.NakWithDelay(d.Delay)
	case actionTerm:
		err = msg.TermWithReason(d.Reason)
	case actionLeave:
	}
	if err != nil {
		// The ledger decides on the next delivery; a lost reply only costs a redelivery.
		m.log.Warn().Err(err).Str("action", d.Action.String()).Str("batch", batchFromSubject(m.opts.Names.JobSubjectPrefix, msg.Subject())).
			Str("subject", msg.Subject()).Msg("payout: reply to server failed")
	}
}

// io is a context for ledger, publish and reply operations: it outlives a cancelled work context
// (what was decided is recorded) but is bounded.
func (m *machine) io(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), ioTimeout)
}

func (m *machine) get(ctx context.Context, key string) (*Entry, uint64, error) {
	c, cancel := m.io(ctx)
	defer cancel()
	return m.ledger.Get(c, key)
}

func (m *machine) put(ctx context.Context, key string, e *Entry, rev uint64) (uint64, error) {
	c, cancel := m.io(ctx)
	defer cancel()
	return m.ledger.Put(c, key, e, rev)
}

// batchFromSubject extracts the batch token from a job subject (<prefix>.<batch>).
func batchFromSubject(prefix, subject string) string {
	if rest, ok := strings.CutPrefix(subject, prefix+"."); ok && rest != "" && !strings.Contains(rest, ".") {
		return rest
	}
	return ""
}
