package batch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// TestMain checks for leaked goroutines, except the flush loops a nats-server file store can
// keep after Shutdown (queuetest.FileStoreFlushLoops says why).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, queuetest.FileStoreFlushLoops()...)
}

// csvRows returns a valid batch file with rows prefix-from..prefix-(to-1), 10.00 USD + 5 JPY each.
func csvRows(prefix string, from, to int) string {
	var b strings.Builder
	b.WriteString("client_orderid,amount,currency,account_number\n")
	for i := from; i < to; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&b, "%s-%d,10.00,USD,12345678%02d\n", prefix, i, i%100)
		} else {
			fmt.Fprintf(&b, "%s-%d,5,JPY,12345678%02d\n", prefix, i, i%100)
		}
	}
	return b.String()
}

func stringInput(name, content string) batch.Input {
	return batch.Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
}

type env struct {
	srv *queue.EmbeddedServer
	nc  *nats.Conn
	js  jetstream.JetStream
	h   *queue.Handles
}

func newEnv(t *testing.T) env {
	t.Helper()
	srv, nc, js := queuetest.Start(t)
	return env{srv: srv, nc: nc, js: js, h: queuetest.Provision(t, js)}
}

func (e env) enqueuer(t *testing.T, o batch.Options) *batch.Enqueuer {
	t.Helper()
	if o.ChunkSize == 0 {
		o.ChunkSize = 100
	}
	en, err := batch.New(e.js, e.h, o)
	if err != nil {
		t.Fatal(err)
	}
	return en
}

func plan(t *testing.T, in batch.Input, id string) batch.Plan {
	t.Helper()
	p, err := batch.ValidateInput(in, id, 100, batch.JobLimit{Bytes: 64 << 10, Source: "the stream allows"}) // the default stream's
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// jobsInStream reads every job message of batchID from the jobs stream (without consuming):
// total count and count per Nats-Msg-Id.
func jobsInStream(t *testing.T, e env, batchID string) (int, map[string]int) {
	t.Helper()
	ctx := context.Background()
	info, err := e.h.Jobs.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	total := 0
	subj := queue.DefaultNames().JobSubject(batchID)
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := e.h.Jobs.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != subj {
			continue
		}
		jm, err := job.DecodeMessage(m.Data)
		if err != nil || jm.BatchID != batchID {
			t.Fatalf("bad job message %s: %v", m.Data, err)
		}
		// (Tests that simulate an expired duplicate window strip the id.)
		// A row put back by Retry carries its retry generation: <job msg id>:r<generation>.
		if id := m.Header.Get(jetstream.MsgIDHeader); id != "" && id != queue.DefaultNames().JobMsgID(batchID, jm.ClientOrderID) &&
			!strings.HasPrefix(id, queue.DefaultNames().JobMsgID(batchID, jm.ClientOrderID)+":r") {
			t.Fatalf("msg id %q for %s", id, jm.ClientOrderID)
		}
		ids[jm.ClientOrderID]++
		total++
	}
	return total, ids
}

func assertExactlyOnce(t *testing.T, e env, batchID string, want int) {
	t.Helper()
	total, ids := jobsInStream(t, e, batchID)
	if total != want || len(ids) != want {
		t.Fatalf("stream holds %d jobs (%d distinct) of batch %s, want %d exactly once", total, len(ids), batchID, want)
	}
}

func manifest(t *testing.T, e env, batchID string) batch.Manifest {
	t.Helper()
	m, _, err := batch.ReadManifest(context.Background(), e.h.Batches, batchID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var errInjected = errors.New("injected failure")

// failingPublisher passes the first n job chunks (atomic batches that carry a chunk marker) to the
// real publisher, then fails. If storeThenFail, the failing chunk is really stored first (a reply
// lost after the commit). stripMsgID removes Nats-Msg-Id (as if the duplicate window had passed).
type failingPublisher struct {
	real          batch.Publisher
	n             int64
	storeThenFail bool
	stripMsgID    bool
	// timeoutOnce: the failing chunk is stored but reported as a timeout, once; later calls pass.
	timeoutOnce bool
	chunks      atomic.Int64
}

func (p *failingPublisher) PublishAtomic(ctx context.Context, n int, fill func(i int, m *nats.Msg)) (queue.AtomicAck, error) {
	if p.stripMsgID {
		orig := fill
		fill = func(i int, m *nats.Msg) {
			orig(i, m)
			m.Header.Del(jetstream.MsgIDHeader)
		}
	}
	var last nats.Msg
	last.Header = nats.Header{}
	fill(n-1, &last)
	isChunk := strings.HasPrefix(last.Subject, queue.DefaultNames().ChunkSubjectPrefix+".")
	if !isChunk || p.n < 0 {
		return p.real.PublishAtomic(ctx, n, fill)
	}
	if p.chunks.Add(1) <= p.n {
		return p.real.PublishAtomic(ctx, n, fill)
	}
	if p.timeoutOnce {
		if p.chunks.Load() > p.n+1 {
			return p.real.PublishAtomic(ctx, n, fill)
		}
		if _, err := p.real.PublishAtomic(ctx, n, fill); err != nil {
			return queue.AtomicAck{}, err
		}
		return queue.AtomicAck{}, nats.ErrTimeout
	}
	if p.storeThenFail {
		if _, err := p.real.PublishAtomic(ctx, n, fill); err != nil {
			return queue.AtomicAck{}, err
		}
	}
	return queue.AtomicAck{}, errInjected
}

// publishResult publishes a worker-style result for a row.
func publishResult(t *testing.T, e env, r job.Result) {
	t.Helper()
	r.Version = job.ResultVersion
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	n := queue.DefaultNames()
	if _, err := e.js.Publish(context.Background(), n.ResultSubject(r.BatchID), data, jetstream.WithMsgID(n.GenerationMsgID(n.ResultMsgID(r.BatchID, r.ClientOrderID), r.Generation))); err != nil {
		t.Fatal(err)
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
