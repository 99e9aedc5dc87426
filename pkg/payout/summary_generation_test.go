package payout

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
)

// After `enqueue --retry` put a row of a completed batch back (manifest retrying, summary
// generation 1, one row expected beyond the results stored then), the batch's summary is
// published again once that row's new result is in: generation 1, under its own msg id
// (summary:<batch>:r1), counting each row's highest-generation result; the manifest is marked
// completed again. Nothing is published again before the put-back row finishes.
//
// Protects I2 (every row's final result reaches the batch's summary, also after a put-back).
func TestSummaryPublishedAgainAfterRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.MaxFailures = 1 })
	const batch = "GEN"
	ctx := context.Background()
	putManifest := func(m string) {
		t.Helper()
		if _, err := e.h.Batches.Put(ctx, e.names.BatchKey(batch), []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	putManifest(`{"batch_id":"GEN","state":"enqueued","enqueued":2}`)
	e.gw.statusSeq = []string{"approved"}
	e.gw.payScript["g2"] = []string{payRetryable, payAccept}
	for _, coid := range []string{"g1", "g2"} {
		for n := uint64(1); n < 5; n++ {
			if d, _ := e.deliver(batch, coid, n); d.Action == actionAck {
				break
			}
			e.clock.Advance(e.opts.Poll.FastInterval)
		}
	}
	summaries := func() []job.BatchSummary {
		t.Helper()
		var out []job.BatchSummary
		for _, b := range e.read(e.names.SummarySubject(batch)) {
			s, err := job.DecodeBatchSummary(b)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	if s := summaries(); len(s) != 1 || s[0].Generation != 0 || s[0].Counts[job.StatusError] != 1 {
		t.Fatalf("summaries %+v, want generation 0 with one error", s)
	}
	// What enqueue --retry writes (pkg/batch tests it): the manifest, then the row's entry.
	putManifest(`{"batch_id":"GEN","state":"retrying","enqueued":2,"summary_generation":1,"retry_base":2,"retry_rows":1}`)
	first := e.ledger(batch, "g2")
	_, rev, err := e.m.ledger.Get(ctx, e.names.LedgerKey(batch, "g2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.ledger.Put(ctx, e.names.LedgerKey(batch, "g2"), &Entry{BatchID: batch, ClientOrderID: "g2", Line: 2,
		State: StatePendingRetry, Attempts: first.Attempts, Generation: 1}, rev); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.deliver(batch, "g2", 1); d.Action != actionNakDelay || len(summaries()) != 1 {
		t.Fatalf("put-back row sent: %+v; summaries %+v, want still one", d, summaries())
	}
	e.clock.Advance(e.opts.Poll.FastInterval)
	if d, _ := e.deliver(batch, "g2", 2); d.Action != actionAck {
		t.Fatalf("put-back row: %+v", d)
	}
	s := summaries()
	if len(s) != 2 || s[1].Generation != 1 || s[1].Counts[job.StatusApproved] != 2 || s[1].Counts[job.StatusError] != 0 || s[1].Rows != 2 {
		t.Fatalf("summaries %+v, want a generation-1 summary with two approved rows", s)
	}
	cons, err := e.js.OrderedConsumer(ctx, e.names.ResultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{e.names.SummarySubject(batch)}})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := cons.FetchNoWait(10)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for m := range msgs.Messages() {
		ids[m.Headers().Get(jetstream.MsgIDHeader)] = true
	}
	if !ids["summary:GEN"] || !ids["summary:GEN:r1"] {
		t.Fatalf("summary msg ids %v, want summary:GEN and summary:GEN:r1", ids)
	}
	kve, err := e.h.Batches.Get(ctx, e.names.BatchKey(batch))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(kve.Value(), &m); err != nil || m["state"] != "completed" {
		t.Fatalf("manifest %s, want completed again", kve.Value())
	}
}
