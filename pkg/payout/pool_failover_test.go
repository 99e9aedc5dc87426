package payout

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// newClusterPoolEnv starts three nats-server processes and provisions every stream and bucket
// R3, with an AckWait of a minute: far longer than an election, and a retry budget for a row's
// first ledger write (a third of it) that outlasts one.
func newClusterPoolEnv(t *testing.T) (*queuetest.Cluster, *poolEnv, queue.Settings) {
	t.Helper()
	cl := queuetest.StartCluster(t, queuetest.ClusterOptions{Binary: queuetest.BuildServer(t)})
	_, js := cl.Connect(t)
	s := fastSettings()
	s.Replicas = 3
	s.AckWait = time.Minute
	names := queue.DefaultNames()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := queue.Provision(ctx, js, names, s)
	if err != nil {
		t.Fatal(err)
	}
	return cl, &poolEnv{t: t, js: js, h: h, names: names}, s
}

// TestPoolReplyReachesNextConsumerLeader is issue 15's "rows in flight at a kill wait up to
// ack_wait": a three-node cluster of real nats-server processes, the job's gateway call in
// progress when the node leading the consumer is SIGKILLed. The replies that follow (a nak to
// poll the accepted order, and whatever the ledger's own election costs) reach a consumer
// without a leader; sent as plain publishes they vanish, and the job waits the whole AckWait.
// Confirmed and sent again, they reach the next leader: with an AckWait far longer than an
// election, the result must be in, and the job acknowledged, well before the AckWait.
func TestPoolReplyReachesNextConsumerLeader(t *testing.T) {
	t.Parallel()
	cl, p, s := newClusterPoolEnv(t)
	js, h, names := p.js, p.h, p.names
	p.enqueue("failover", rows("fo", 1))

	gw := newFakeGateway()
	gw.release, gw.entered = make(chan struct{}), make(chan struct{}, 4)
	opts := fastOptions(1)
	// The blocked call outlives the kill. When the killed node also led the ledger, the write
	// of the accepted order fails and the next delivery settles (SettleDelay from the request)
	// before it looks the order up: kept short, well inside AckWait.
	opts.CallTimeout, opts.SettleDelay = 8*time.Second, 9*time.Second
	stop := p.run(opts, Deps{Gateway: gw, Classify: fakeClassify, Log: zerolog.Nop()})
	defer stop()

	<-gw.entered // the job is in its gateway call
	leader := func(ctx context.Context) (string, error) {
		return queuetest.ConsumerLeader(ctx, js, names.JobStream, names.Consumer)
	}
	killed := queuetest.WaitLeader(t, 10*time.Second, "", leader)
	cl.Node(killed).Kill()
	killedAt := time.Now()
	close(gw.release) // accepted: the nak that schedules the poll goes to a consumer without a leader
	// Well before AckWait, which is when a lost reply would bring the job back.
	testwait.Eventually(t, s.AckWait/2, "the result and its ack before AckWait", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		subj := names.ResultSubject("failover")
		results, err := h.Results.Info(ctx, jetstream.WithSubjectFilter(subj))
		if err != nil || results.State.Subjects[subj] != 1 {
			return false // no result yet, or asked during an election
		}
		info, err := h.Consumer.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})
	t.Logf("result in and acknowledged %s after the kill of %s (AckWait %s)", time.Since(killedAt).Round(10*time.Millisecond), killed, s.AckWait)
}

// gateLimiter holds the first payout's slot until released, so that a test can act between a
// row's admission and its first ledger write; every later wait passes.
type gateLimiter struct {
	entered chan struct{}
	release chan struct{}
}

func (l *gateLimiter) Wait(ctx context.Context) error {
	select {
	case l.entered <- struct{}{}:
	default:
	}
	select {
	case <-l.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestPoolFirstLedgerWriteSurvivesLedgerLeaderKill is issue 15's "rows in flight at a kill":
// three real nats-server processes, a new row about to write its first ledger entry when the
// node leading the ledger bucket is SIGKILLed. The create fails until the next leader is
// elected; retried in place, it lands in the same delivery and the row is sent once, never
// taking the lost-entry path (a redelivery that finds no entry: settle, look up, re-send marked
// resent).
//
// Protects I1 (one payout, one entry) and I4 (an election slows the row, nothing more).
func TestPoolFirstLedgerWriteSurvivesLedgerLeaderKill(t *testing.T) {
	t.Parallel()
	cl, p, s := newClusterPoolEnv(t)
	js, h, names := p.js, p.h, p.names
	p.enqueue("ledgerkill", rows("lk", 1))

	gw := newFakeGateway()
	lim := &gateLimiter{entered: make(chan struct{}, 1), release: make(chan struct{})}
	opts := fastOptions(1)
	opts.CallTimeout, opts.SettleDelay = 8*time.Second, 9*time.Second
	stop := p.run(opts, Deps{Gateway: gw, Classify: fakeClassify, Limiter: lim, Log: zerolog.Nop()})
	defer stop()

	<-lim.entered // admitted, no ledger entry yet: the next write is the row's first
	ledger := "KV_" + names.LedgerBucket
	killed := queuetest.WaitLeader(t, 10*time.Second, "", func(ctx context.Context) (string, error) {
		return queuetest.StreamLeader(ctx, js, ledger)
	})
	cl.Node(killed).Kill()
	killedAt := time.Now()
	close(lim.release)
	subj := names.ResultSubject("ledgerkill")
	testwait.Eventually(t, s.AckWait/2, "the row's result", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		results, err := h.Results.Info(ctx, jetstream.WithSubjectFilter(subj))
		return err == nil && results.State.Subjects[subj] == 1
	})
	t.Logf("result in %s after the kill of %s, the ledger bucket's leader", time.Since(killedAt).Round(10*time.Millisecond), killed)
	coid := rows("lk", 1)[0].ClientOrderID
	var e Entry
	testwait.Eventually(t, 10*time.Second, "the ledger entry", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		kv, err := h.Ledger.Get(ctx, names.LedgerKey("ledgerkill", coid))
		return err == nil && json.Unmarshal(kv.Value(), &e) == nil
	})
	if n := gw.payouts(coid); n != 1 {
		t.Fatalf("payout requests %d, want 1", n)
	}
	if e.Attempts != 1 || e.Resent || e.Result != job.StatusApproved {
		t.Fatalf("ledger %+v: want approved after one attempt, never re-sent after a lost entry's lookup", e)
	}
}
