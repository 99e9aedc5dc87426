package payout

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// TestPoolReconnectDropsNoJobs is issue 15's "slow consumer, messages dropped": every worker is
// busy and pulled jobs wait for one when the NATS connection drops and comes back. The pull is
// re-issued on reconnect while the jobs pulled before are still waiting; a fixed buffer of
// `concurrency` messages then overflows and the client drops jobs, which come back only after
// AckWait. With AckWait far longer than the batch needs, every result must be in before any job
// could have been redelivered.
func TestPoolReconnectDropsNoJobs(t *testing.T) {
	t.Parallel()
	srv, nc, js := queuetest.Start(t)
	s := fastSettings()
	s.AckWait = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := queue.Provision(ctx, js, queue.DefaultNames(), s)
	if err != nil {
		t.Fatal(err)
	}
	p := &poolEnv{t: t, srv: srv, js: js, h: h, names: queue.DefaultNames()}
	const n, concurrency = 40, 4
	p.enqueue("reconnect", rows("rc", n))

	gw := newFakeGateway()
	gw.release, gw.entered = make(chan struct{}), make(chan struct{}, n*4)
	opts := fastOptions(concurrency)
	opts.CallTimeout, opts.SettleDelay = 15*time.Second, 16*time.Second // the blocked calls must outlive the outage
	stop := p.run(opts, Deps{Gateway: gw, Classify: fakeClassify, Log: zerolog.Nop()})
	defer stop()

	for range concurrency {
		<-gw.entered // every worker is in a gateway call
	}
	// Jobs pulled beyond the workers wait in the client: the consumer has more pending than
	// the workers hold.
	testwait.Eventually(t, 10*time.Second, "jobs pulled ahead", func() bool {
		info, err := h.Consumer.Info(context.Background())
		return err == nil && info.NumAckPending > concurrency+1
	})
	queuetest.Restart(t, srv)
	queuetest.WaitConnected(t, nc, 10*time.Second)
	close(gw.release)
	testwait.Eventually(t, s.AckWait-5*time.Second, "every result before AckWait", func() bool {
		return p.count(p.names.ResultSubject("reconnect")) == n
	})
}
