package payout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/queue"
)

// Pool is a bounded set of goroutines working jobs from the durable consumer that every worker
// process shares.
type Pool struct {
	opts Options
	deps Deps

	mu      sync.Mutex
	cons    jetstream.Consumer // set while Run has the consumer bound (readiness)
	machine *machine           // set while Run runs (callbacks)
}

// NewPool checks opts and deps; Run binds to JetStream.
func NewPool(opts Options, deps Deps) (*Pool, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if deps.JS == nil || deps.Gateway == nil || deps.Classify == nil {
		return nil, fmt.Errorf("%w: deps: JS, Gateway and Classify are required", ErrInvalidOptions)
	}
	p := &Pool{opts: opts, deps: deps}
	if deps.Registerer != nil {
		lag := newLagCollector(p)
		var err error
		if reuse(deps.Registerer, &lag, &err); err != nil {
			return nil, fmt.Errorf("payout: metrics: %w", err)
		}
	}
	return p, nil
}

// Run works jobs until ctx is cancelled, then shuts down in order: it stops pulling, hands back
// (Nak) jobs it pulled but had not started, lets in-flight jobs finish within ShutdownTimeout,
// cancels what is still running (its outcome is recorded in the ledger and the job handed back),
// and returns. A job held by a process that dies instead is redelivered after AckWait. When
// pulling ends on its own before ctx is cancelled (the NATS connection was closed), Run shuts
// down the same way and returns an error: the pool can no longer work.
//
// Run reads AckWait and MaxDeliver from the consumer and refuses to start when they are unsafe
// for the options (AckWait must exceed CallTimeout; the consumer must not have a BackOff list).
func (p *Pool) Run(ctx context.Context) error {
	cons, opts, err := p.bind(ctx)
	if err != nil {
		return err
	}
	m, err := newMachine(ctx, opts, p.deps)
	if err != nil {
		return err
	}
	log := p.deps.Log.With().Str("consumer", opts.Names.Consumer).Int("concurrency", opts.Concurrency).Logger()

	// workCtx outlives ctx by at most ShutdownTimeout: in-flight gateway calls may finish.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	// runCtx ends with ctx, or when pulling has ended on its own (the connection was closed):
	// then nothing more can be worked and Run returns an error instead of idling.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()

	jobs := make(chan jetstream.Msg)
	nc := p.deps.JS.Conn()
	// The handler is called for one message at a time; blocking until a worker is free is the
	// back-pressure. Messages beyond the pull (a pull re-issued after a reconnect or a missed
	// heartbeat, while jobs pulled before still wait) queue in the subscription instead of
	// overflowing a fixed buffer: a "slow consumer" drop would leave a job until AckWait.
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		select {
		case jobs <- confirmReplies(msg, nc, workCtx, opts.AckWait, &log):
		case <-runCtx.Done():
			handBack(msg, &log)
		}
	}, jetstream.PullMaxMessages(opts.Concurrency), jetstream.PullHeartbeat(pullHeartbeat),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if runCtx.Err() == nil {
				queue.CountAPIError(p.deps.JS, "pull", err) // payrun_nats_api_errors_total of a counting handle
				log.Warn().Err(err).Msg("payout: pull")
			}
		}))
	if err != nil {
		return fmt.Errorf("payout: pull from %s: %w", opts.Names.Consumer, err)
	}
	p.mu.Lock()
	p.cons, p.machine = cons, m
	p.mu.Unlock()
	log.Info().Dur("ack_wait_ms", opts.AckWait).Int("max_deliver", opts.MaxDeliver).Msg("payout: pool started")

	// pulled is closed once the pull has stopped: the workers finish the job in hand and leave.
	// jobs itself is never closed: a handler call may still be running after the consume
	// context reports Closed, and a send on a closed channel would panic; such a late handler
	// finds no worker and hands its message back (runCtx has ended by then).
	pulled := make(chan struct{})
	var workers sync.WaitGroup
	for range opts.Concurrency {
		workers.Go(func() {
			for {
				select {
				case msg := <-jobs:
					m.Handle(workCtx, msg)
				case <-pulled:
					return
				}
			}
		})
	}
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		m.sum.watch(runCtx)
	}()

	var pullErr error
	select {
	case <-ctx.Done():
		log.Info().Dur("shutdown_timeout_ms", opts.ShutdownTimeout).Msg("payout: stopping: no new jobs")
	case <-cc.Closed():
		pullErr = fmt.Errorf("payout: pulling from %s ended: %w", opts.Names.Consumer, jetstream.ErrMsgIteratorClosed)
		if nc := p.deps.JS.Conn(); nc != nil && nc.IsClosed() {
			pullErr = fmt.Errorf("payout: pulling from %s ended: %w", opts.Names.Consumer, jetstream.ErrConnectionClosed)
		}
		log.Error().Msg("payout: pulling ended on its own: stopping")
	}
	stopRun()
	timer := time.NewTimer(opts.ShutdownTimeout)
	defer timer.Stop()
	cc.Drain() // stop pulling; what is queued reaches the handler, which hands it back
	select {
	case <-cc.Closed():
	case <-timer.C: // the drain did not finish (connection trouble): drop the queue, it is redelivered after AckWait
		cc.Stop()
		<-cc.Closed()
		timer.Reset(0)
	}
	close(pulled)
	<-watched
	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-timer.C:
		log.Warn().Msg("payout: shutdown timeout: interrupting in-flight jobs")
		cancelWork()
		<-done
	}
	p.mu.Lock()
	p.cons, p.machine = nil, nil
	p.mu.Unlock()
	if pullErr != nil {
		return pullErr
	}
	log.Info().Msg("payout: pool stopped")
	return nil
}

// pullHeartbeat is how often the consumer's leader sends an idle heartbeat on a pending pull.
// Two missed heartbeats re-issue the pull: after the leader is lost (a crashed node sends
// nothing, so a pull parked there is gone), the pool finds the new leader within about two
// heartbeats of its election instead of 10 s with nats.go's default. A pull re-issued while
// no leader is elected yet is refused (no responders) and the next one follows two heartbeats
// later, so the pull is sent every second during an election: the least nats.go allows
// (500 ms), at the cost of two idle heartbeats a second per worker.
const pullHeartbeat = 500 * time.Millisecond

// handBack returns a job that was pulled but not started, for immediate redelivery elsewhere.
func handBack(msg jetstream.Msg, log *zerolog.Logger) {
	if err := msg.Nak(); err != nil {
		log.Warn().Err(err).Str("subject", msg.Subject()).Msg("payout: hand back")
	}
}

// bind looks the consumer up and takes AckWait and MaxDeliver from its configuration.
func (p *Pool) bind(ctx context.Context) (jetstream.Consumer, Options, error) {
	opts := p.opts
	cons, err := p.deps.JS.Consumer(ctx, opts.Names.JobStream, opts.Names.Consumer)
	if err != nil {
		return nil, opts, fmt.Errorf("payout: consumer %s on %s: %w", opts.Names.Consumer, opts.Names.JobStream, err)
	}
	cfg := cons.CachedInfo().Config
	if len(cfg.BackOff) > 0 {
		return nil, opts, fmt.Errorf("%w: consumer %s has a BackOff list, which silently replaces AckWait", ErrInvalidOptions, opts.Names.Consumer)
	}
	if cfg.AckPolicy != jetstream.AckExplicitPolicy {
		return nil, opts, fmt.Errorf("%w: consumer %s must use explicit acks", ErrInvalidOptions, opts.Names.Consumer)
	}
	opts.AckWait = cfg.AckWait
	opts.MaxDeliver = cfg.MaxDeliver
	if opts.MaxDeliver <= 0 {
		opts.MaxDeliver = -1
	}
	if err := opts.Validate(); err != nil {
		return nil, opts, fmt.Errorf("payout: consumer %s: %w", opts.Names.Consumer, err)
	}
	return cons, opts, nil
}

// Ready reports whether the pool can work: Run has bound the consumer, the NATS connection is
// up and the consumer answers. It is meant for /readyz.
func (p *Pool) Ready(ctx context.Context) error {
	p.mu.Lock()
	cons := p.cons
	p.mu.Unlock()
	if cons == nil {
		return ErrNotRunning
	}
	if nc := p.deps.JS.Conn(); nc == nil || !nc.IsConnected() {
		return fmt.Errorf("payout: not connected to NATS")
	}
	if _, err := cons.Info(ctx); err != nil {
		return fmt.Errorf("payout: consumer unreachable: %w", err)
	}
	return nil
}

// ErrNotRunning is Ready's answer before Run has bound the consumer or after it returned.
var ErrNotRunning = errors.New("payout: pool not running")
