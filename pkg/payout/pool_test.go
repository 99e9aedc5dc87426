package payout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// fastOptions run the state machine in milliseconds (tests use the real clock with a pool).
func fastOptions(concurrency int) Options {
	o := DefaultOptions()
	o.Concurrency = concurrency
	o.CallTimeout = 800 * time.Millisecond
	o.SettleDelay = time.Second
	o.ShutdownTimeout = 300 * time.Millisecond
	o.BackoffInitial, o.BackoffMax = 20*time.Millisecond, 200*time.Millisecond
	o.Poll = PollOptions{FastInterval: 20 * time.Millisecond, FastPhase: time.Second, SlowInterval: 100 * time.Millisecond, Horizon: 30 * time.Second}
	return o
}

// fastSettings provision the consumer with a short AckWait (a dead worker's job returns fast).
func fastSettings() queue.Settings {
	s := queue.DefaultSettings()
	s.AckWait = 2 * time.Second
	s.MaxAckPending = 20_000
	return s
}

type poolEnv struct {
	t     testing.TB
	srv   *queue.EmbeddedServer
	js    jetstream.JetStream
	h     *queue.Handles
	names queue.Names
}

func newPoolEnv(t testing.TB) *poolEnv {
	t.Helper()
	srv, _, js := queuetest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := queue.Provision(ctx, js, queue.DefaultNames(), fastSettings())
	if err != nil {
		t.Fatal(err)
	}
	return &poolEnv{t: t, srv: srv, js: js, h: h, names: queue.DefaultNames()}
}

// enqueue publishes jobs (and the manifest, as enqueue does) for rows coids.
func (p *poolEnv) enqueue(batch string, jobs []job.Job) {
	p.t.Helper()
	ctx := context.Background()
	man := fmt.Appendf(nil, `{"batch_id":%q,"rows":%d,"enqueued":%d,"state":"enqueued"}`, batch, len(jobs), len(jobs))
	if _, err := p.h.Batches.Create(ctx, p.names.BatchKey(batch), man); err != nil {
		p.t.Fatal(err)
	}
	p.reserve(batch, jobs)
	for i, j := range jobs {
		if _, err := p.js.PublishAsync(p.names.JobSubject(batch), jobBytes(p.t, batch, j), jetstream.WithMsgID(p.names.JobMsgID(batch, j.ClientOrderID))); err != nil {
			p.t.Fatal(err)
		}
		if i%1000 == 999 || i == len(jobs)-1 {
			select {
			case <-p.js.PublishAsyncComplete():
			case <-time.After(30 * time.Second):
				p.t.Fatal("enqueue: publish did not complete")
			}
		}
	}
}

// reserve reserves the jobs' client_orderids for batch, as enqueue does before publishing.
func (p *poolEnv) reserve(batch string, jobs []job.Job) {
	p.t.Helper()
	for _, j := range jobs {
		if _, err := p.h.Orders.Create(context.Background(), p.names.OrderKey(j.ClientOrderID), []byte(batch)); err != nil {
			p.t.Fatal(err)
		}
	}
}

// run starts a pool; stop cancels it and waits for Run to return (its error is checked).
func (p *poolEnv) run(opts Options, deps Deps) (stop func()) {
	p.t.Helper()
	deps.JS = p.js
	pool, err := NewPool(opts, deps)
	if err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pool.Run(ctx) }()
	testwait.Eventually(p.t, 10*time.Second, "pool ready", func() bool { return pool.Ready(context.Background()) == nil })
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					p.t.Errorf("Run: %v", err)
				}
			case <-time.After(opts.ShutdownTimeout + 10*time.Second):
				p.t.Fatal("Run did not return after cancel")
			}
		})
	}
}

func (p *poolEnv) count(subject string) uint64 {
	p.t.Helper()
	info, err := p.h.Results.Info(context.Background(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		p.t.Fatal(err)
	}
	return info.State.Subjects[subject]
}

func rows(prefix string, n int) []job.Job {
	out := make([]job.Job, n)
	for i := range out {
		out[i] = testJob(fmt.Sprintf("%s-%04d", prefix, i), i+2)
	}
	return out
}

func TestPoolRunsBatch(t *testing.T) {
	t.Parallel()
	p := newPoolEnv(t)
	gw := newFakeGateway()
	const batch, n = "POOL-1", 60
	p.enqueue(batch, rows("r", n))
	stop := p.run(fastOptions(8), Deps{Gateway: gw, Classify: fakeClassify, Log: zerolog.Nop()})
	defer stop()
	testwait.Eventually(t, 30*time.Second, "summary", func() bool { return p.count(p.names.SummarySubject(batch)) == 1 })
	stop()
	if got := p.count(p.names.ResultSubject(batch)); got != n {
		t.Errorf("results %d, want %d", got, n)
	}
	for _, j := range rows("r", n) {
		if c := gw.payouts(j.ClientOrderID); c != 1 {
			t.Errorf("%s: payout calls %d", j.ClientOrderID, c)
		}
	}
}

// Cancelled with requests in flight: the pool stops pulling, hands back what it had not
// started, interrupts in-flight calls after the shutdown timeout (recording them as ambiguous),
// and returns. A new pool finishes the batch without a second payout for any row.
func TestPoolShutdownInFlight(t *testing.T) {
	t.Parallel()
	p := newPoolEnv(t)
	gw := newFakeGateway()
	gw.release = make(chan struct{}) // never closed: every payout hangs until cancelled
	gw.entered = make(chan struct{}, 100)
	const batch, n, conc = "SHUT-1", 20, 4
	p.enqueue(batch, rows("s", n))
	opts := fastOptions(conc)
	stop := p.run(opts, Deps{Gateway: gw, Classify: fakeClassify, Log: zerolog.Nop()})
	for range conc {
		select {
		case <-gw.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("workers did not start")
		}
	}
	start := time.Now()
	stop()
	if took := time.Since(start); took > opts.ShutdownTimeout+5*time.Second {
		t.Errorf("shutdown took %s", took)
	}
	gw.mu.Lock()
	interrupted := len(gw.orders)
	gw.mu.Unlock()
	if interrupted != conc {
		t.Fatalf("interrupted requests %d, want %d", interrupted, conc)
	}
	gw.release, gw.entered = nil, nil
	stop2 := p.run(opts, Deps{Gateway: gw, Classify: fakeClassify, Log: zerolog.Nop()})
	defer stop2()
	testwait.Eventually(t, 30*time.Second, "summary", func() bool { return p.count(p.names.SummarySubject(batch)) == 1 })
	stop2()
	if got := p.count(p.names.ResultSubject(batch)); got != n {
		t.Errorf("results %d, want %d", got, n)
	}
	gw.mu.Lock()
	defer gw.mu.Unlock()
	if len(gw.orders) != n {
		t.Errorf("orders %d, want %d", len(gw.orders), n)
	}
	for coid, c := range gw.payoutCalls {
		if c != 1 {
			t.Errorf("%s: payout calls %d, want 1 (no re-send after an interrupted request)", coid, c)
		}
	}
}

func TestPoolRefusesUnsafeConsumer(t *testing.T) {
	t.Parallel()
	p := newPoolEnv(t)
	opts := fastOptions(2)
	opts.CallTimeout = 3 * time.Second // longer than the consumer's AckWait (2s)
	opts.SettleDelay = 4 * time.Second
	pool, err := NewPool(opts, Deps{JS: p.js, Gateway: newFakeGateway(), Classify: fakeClassify, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Run(context.Background()); err == nil {
		t.Fatal("Run accepted an AckWait shorter than the call timeout")
	}
	if err := pool.Ready(context.Background()); err == nil {
		t.Fatal("Ready before Run bound the consumer")
	}
}

// Every row's result is out before enqueue marks the manifest enqueued (a fast rejection, a
// slow enqueue): the manifest watcher publishes the summary when the manifest changes.
func TestPoolSummaryAfterLateManifest(t *testing.T) {
	t.Parallel()
	p := newPoolEnv(t)
	gw := newFakeGateway()
	const batch = "LATE-1"
	jobs := rows("late", 3)
	for _, j := range jobs {
		gw.payScript[j.ClientOrderID] = []string{payReject}
	}
	ctx := context.Background()
	rev, err := p.h.Batches.Create(ctx, p.names.BatchKey(batch), fmt.Appendf(nil, `{"batch_id":%q,"rows":3,"state":"publishing"}`, batch))
	if err != nil {
		t.Fatal(err)
	}
	p.reserve(batch, jobs)
	for _, j := range jobs {
		if _, err := p.js.Publish(ctx, p.names.JobSubject(batch), jobBytes(t, batch, j)); err != nil {
			t.Fatal(err)
		}
	}
	stop := p.run(fastOptions(4), Deps{Gateway: gw, Classify: fakeClassify, Log: zerolog.Nop()})
	defer stop()
	testwait.Eventually(t, 10*time.Second, "results", func() bool { return p.count(p.names.ResultSubject(batch)) == 3 })
	if n := p.count(p.names.SummarySubject(batch)); n != 0 {
		t.Fatalf("summary before the row count is final: %d", n)
	}
	if _, err := p.h.Batches.Update(ctx, p.names.BatchKey(batch), fmt.Appendf(nil, `{"batch_id":%q,"rows":3,"enqueued":3,"state":"enqueued"}`, batch), rev); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 10*time.Second, "summary", func() bool { return p.count(p.names.SummarySubject(batch)) == 1 })
}

// The pool's NATS connection is closed under it (not a shutdown): pulling has ended for good,
// so Run must return an error instead of idling until its context ends.
func TestPoolReturnsWhenPullEnds(t *testing.T) {
	t.Parallel()
	p := newPoolEnv(t)
	nc, js := queuetest.Connect(t, p.srv)
	pool, err := NewPool(fastOptions(2), Deps{JS: js, Gateway: newFakeGateway(), Classify: fakeClassify, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- pool.Run(ctx) }()
	testwait.Eventually(t, 10*time.Second, "pool ready", func() bool { return pool.Ready(context.Background()) == nil })
	nc.Close()
	select {
	case err := <-done:
		if !errors.Is(err, jetstream.ErrConnectionClosed) {
			t.Fatalf("Run returned %v after its connection closed; want an error saying so", err)
		}
	case <-time.After(10 * time.Second):
		cancel()
		<-done
		t.Fatal("Run kept running with no way to pull jobs")
	}
}
