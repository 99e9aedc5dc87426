package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/job"
)

func (e *env) putManifest(batch string, rows int) {
	e.t.Helper()
	b := fmt.Appendf(nil, `{"batch_id":%q,"rows":%d,"enqueued":%d,"state":"enqueued","other":{"kept":true}}`, batch, rows+1, rows)
	if _, err := e.h.Batches.Create(context.Background(), e.names.BatchKey(batch), b); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) summaries(batch string) []job.BatchSummary {
	e.t.Helper()
	var out []job.BatchSummary
	for _, b := range e.read(e.names.SummarySubject(batch)) {
		s, err := job.DecodeBatchSummary(b)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestSummaryOncePerBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const batch = "SUM-1"
	e.putManifest(batch, 3)
	e.gw.payScript["r1"] = []string{payAccept}
	e.gw.payScript["r2"] = []string{payReject}
	e.gw.payScript["r3"] = []string{payAccept}
	e.gw.statusSeq = []string{"approved"}
	e.deliver(batch, "r1", 1)
	e.deliver(batch, "r2", 1)
	e.deliver(batch, "r3", 1)
	e.clock.Advance(e.opts.Poll.FastInterval)
	e.deliver(batch, "r1", 2)
	if n := len(e.summaries(batch)); n != 0 {
		t.Fatalf("summary with 2 of 3 results: %d", n)
	}
	e.deliver(batch, "r3", 2)
	sums := e.summaries(batch)
	if len(sums) != 1 {
		t.Fatalf("summaries %d, want 1", len(sums))
	}
	s := sums[0]
	if s.Rows != 3 || s.Counts[job.StatusApproved] != 2 || s.Counts[job.StatusRejected] != 1 {
		t.Errorf("counts %+v", s)
	}
	if got := s.Totals[job.StatusApproved]["USD"]; got.Minor != 2100 {
		t.Errorf("approved USD total %+v, want 21.00", got)
	}
	// The manifest is marked (its other fields kept); later redeliveries publish nothing.
	kv, err := e.h.Batches.Get(context.Background(), e.names.BatchKey(batch))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(kv.Value(), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m[manifestSummaryField]; !ok || string(m["state"]) != `"completed"` || string(m["other"]) != `{"kept":true}` {
		t.Errorf("manifest after summary: %s", kv.Value())
	}
	// A fresh machine (no cache) re-reporting a final row beyond the dedup window must not
	// publish a second summary: re-open the row as final and deliver it again.
	key := e.names.LedgerKey(batch, "r3")
	en, rev, err := e.m.ledger.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	en.State = StateFinal
	if _, err := e.m.ledger.Put(context.Background(), key, en, rev); err != nil {
		t.Fatal(err)
	}
	e.m = e.machine()
	e.deliver(batch, "r3", 3)
	if n := len(e.summaries(batch)); n != 1 {
		t.Fatalf("summaries %d after a re-report, want 1", n)
	}
	if n := counterValue(t, e.m.met.summaries); n != 0 {
		t.Fatalf("the marked manifest did not stop a re-publish (dedup did): %v", n)
	}
}

// While the manifest says publishing its row count is not final: no summary yet.
func TestSummaryWhilePublishing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.payScript["r1"] = []string{payReject}
	if d, _ := e.deliver("NOMAN", "r1", 1); d.Action != actionAck {
		t.Fatalf("%+v", d)
	}
	if n := len(e.summaries("NOMAN")); n != 0 {
		t.Fatalf("summaries %d", n)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// Every row of a batch was skipped as another batch's duplicate: enqueue marks it enqueued with
// 0 rows, no job and no result will ever come, and the batch still gets its one (empty) summary.
func TestSummaryOfBatchWithoutRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const batch = "ALL-DUPS"
	e.putManifest(batch, 0)
	if err := e.m.sum.afterResult(context.Background(), batch, nil); err != nil {
		t.Fatalf("summary check of a batch without rows: %v", err)
	}
	sums := e.summaries(batch)
	if len(sums) != 1 || sums[0].Rows != 0 || len(sums[0].Counts) != 0 || sums[0].FinishedAt.IsZero() {
		t.Fatalf("summaries %+v, want one with 0 rows", sums)
	}
	if v := e.manifestView(batch); !v.done {
		t.Errorf("manifest not marked completed: %+v", v)
	}
}

// A summary is already on the stream but the manifest was never marked (the worker that
// published it died in between) and the duplicate window has passed: the next check marks the
// manifest and does not publish a second summary.
func TestSummaryNotRepublishedAfterLostMark(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const batch = "LOST-MARK"
	e.putManifest(batch, 1)
	e.gw.payScript["r1"] = []string{payReject}
	earlier := job.NewBatchSummary(batch, 1)
	b, err := json.Marshal(earlier)
	if err != nil {
		t.Fatal(err)
	}
	// No message id: as if published longer ago than the results stream's duplicate window.
	if _, err := e.js.Publish(context.Background(), e.names.SummarySubject(batch), b); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.deliver(batch, "r1", 1); d.Action != actionAck {
		t.Fatalf("%+v", d)
	}
	if n := len(e.summaries(batch)); n != 1 {
		t.Fatalf("summaries %d, want the one already published", n)
	}
	if v := e.manifestView(batch); !v.done {
		t.Errorf("manifest not marked completed: %+v", v)
	}
}

func (e *env) manifestView(batch string) manifestView {
	e.t.Helper()
	m, _, err := e.m.sum.manifest(context.Background(), batch)
	if err != nil || m == nil {
		e.t.Fatalf("manifest %s: %v", batch, err)
	}
	return viewManifest(m)
}

// A message on the batch's results subject that is not a result this worker can read (another
// schema version, garbage) must not hold the rows' acks hostage: the summary counts the results
// it can read, and the row is reported and acked.
func TestSummarySkipsUnreadableResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const batch = "ODD-RESULT"
	e.putManifest(batch, 1)
	e.gw.payScript["r1"] = []string{payReject}
	if _, err := e.js.Publish(context.Background(), e.names.ResultSubject(batch), []byte(`{"version":99}`)); err != nil {
		t.Fatal(err)
	}
	d, msg := e.deliver(batch, "r1", 1)
	if d.Action != actionAck || len(msg.replies) != 1 || msg.replies[0] != "double_ack" {
		t.Fatalf("decision %+v replies %v: want the row reported and acked", d, msg.replies)
	}
	sums := e.summaries(batch)
	if len(sums) != 1 || sums[0].Rows != 1 || sums[0].Counts[job.StatusRejected] != 1 {
		t.Fatalf("summaries %+v, want one counting the readable result", sums)
	}
}

// flakyWatchKV fails its first WatchAll calls (JetStream busy or unreachable for a moment).
type flakyWatchKV struct {
	jetstream.KeyValue
	mu    sync.Mutex
	fails int
}

func (kv *flakyWatchKV) WatchAll(ctx context.Context, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if kv.fails > 0 {
		kv.fails--
		return nil, errors.New("watch: timeout")
	}
	return kv.KeyValue.WatchAll(ctx, opts...)
}

// The manifest watcher does not give up when its first watch fails: a batch whose last result
// came before its manifest said "enqueued" still gets its summary.
func TestSummaryWatcherRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const batch = "WATCH-RETRY"
	e.gw.payScript["r1"] = []string{payReject}
	rev, err := e.h.Batches.Create(context.Background(), e.names.BatchKey(batch), fmt.Appendf(nil, `{"batch_id":%q,"state":"publishing"}`, batch))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := e.deliver(batch, "r1", 1); d.Action != actionAck {
		t.Fatalf("%+v", d)
	}
	e.m.sum.batches = &flakyWatchKV{KeyValue: e.m.sum.batches, fails: 2}
	e.m.sum.retry = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() { defer close(watched); e.m.sum.watch(ctx) }()
	defer func() { cancel(); <-watched }()
	if _, err := e.h.Batches.Update(context.Background(), e.names.BatchKey(batch), fmt.Appendf(nil, `{"batch_id":%q,"enqueued":1,"state":"enqueued"}`, batch), rev); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 10*time.Second, "summary", func() bool { return len(e.summaries(batch)) == 1 })
}

// A batch whose results take several reads is summarized whole, and the job that triggered the
// check has its ack deadline renewed while the results are read (a large batch must not lose
// its job to redelivery, nor its summary to a fixed deadline).
func TestSummaryOfLargeBatchKeepsJobAlive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const batch, rows = "LARGE", 1234
	e.putManifest(batch, rows)
	for i := range rows {
		r := job.Result{Version: job.ResultVersion, BatchID: batch, ClientOrderID: fmt.Sprintf("r%d", i),
			Status: job.StatusApproved, Amount: "1.00", Currency: "USD", Attempts: 1}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.js.PublishAsync(e.names.ResultSubject(batch), b); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-e.js.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		t.Fatal("results not stored")
	}
	var renewals int
	if err := e.m.sum.afterResult(context.Background(), batch, func() { renewals++ }); err != nil {
		t.Fatal(err)
	}
	sums := e.summaries(batch)
	if len(sums) != 1 || sums[0].Counts[job.StatusApproved] != rows || sums[0].Totals[job.StatusApproved]["USD"].String() != "1234.00" {
		t.Fatalf("summaries %+v, want one counting %d approved rows, USD 1234.00", sums, rows)
	}
	if renewals < 3 {
		t.Errorf("ack deadline renewed %d times while reading %d results in reads of 500, want at least 3", renewals, rows)
	}
	if summaryBudget(1_000_000) < 3*time.Minute {
		t.Errorf("a million-row batch gets %s to be summarized", summaryBudget(1_000_000))
	}
}
