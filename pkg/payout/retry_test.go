package payout

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
)

// A row put back by `enqueue --retry` (pending_retry, generation 1) after it was written off as
// error/DEAD_LETTER is paid once, and its new final result carries generation 1 under its own
// msg id (result:<batch>:<id>:r1), so that the stream's dedup does not swallow it and consumers
// can tell it supersedes the earlier one.
//
// Protects I5 (a row proven unsent can be put back) and I2 (one final result per row and
// generation).
func TestPutBackRowGetsNewGenerationResult(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.MaxFailures = 1 })
	e.gw.payScript["c1"] = []string{payRetryable, payAccept}
	e.gw.statusSeq = []string{"approved"}
	if d, _ := e.deliver("B", "c1", 1); d.Action != actionAck {
		t.Fatalf("first life: %+v, want the row dead-lettered", d)
	}
	first := e.ledger("B", "c1")
	if !first.ProvenUnsent() {
		t.Fatalf("a row dead-lettered after a request that was definitely not sent is not ProvenUnsent: %+v", first)
	}
	// What enqueue --retry writes (pkg/batch tests it).
	key := e.names.LedgerKey("B", "c1")
	_, rev, err := e.m.ledger.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.ledger.Put(context.Background(), key, &Entry{BatchID: "B", ClientOrderID: "c1", Line: 2,
		State: StatePendingRetry, Attempts: first.Attempts, Generation: 1}, rev); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.deliver("B", "c1", 1); d.Action != actionNakDelay {
		t.Fatalf("put-back row: %+v", d)
	}
	e.clock.Advance(e.opts.Poll.FastInterval)
	if d, _ := e.deliver("B", "c1", 2); d.Action != actionAck {
		t.Fatalf("put-back row: %+v", d)
	}
	if n := e.gw.payouts("c1"); n != 2 {
		t.Fatalf("payout calls %d, want 2 (one not sent, one after the put-back)", n)
	}
	rs := e.results("B")
	if len(rs) != 2 || rs[0].Status != job.StatusError || rs[0].Generation != 0 || rs[1].Status != job.StatusApproved || rs[1].Generation != 1 {
		t.Fatalf("results %+v, want error (generation 0) then approved (generation 1)", rs)
	}
	ids := map[string]bool{}
	cons, err := e.js.OrderedConsumer(context.Background(), e.names.ResultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{e.names.ResultSubject("B")}})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := cons.FetchNoWait(10)
	if err != nil {
		t.Fatal(err)
	}
	for m := range msgs.Messages() {
		ids[m.Headers().Get(jetstream.MsgIDHeader)] = true
	}
	if !ids["result:B:c1"] || !ids["result:B:c1:r1"] {
		t.Fatalf("result msg ids %v, want result:B:c1 and result:B:c1:r1", ids)
	}
}
