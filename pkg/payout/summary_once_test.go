package payout

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/job"
)

// A plain (core NATS) subscriber on the summary subject receives exactly one summary for a batch
// whose rows all finish at once on many goroutines and two pools, and the summaries metric counts
// it once. The stream's Nats-Msg-Id dedup hides repeated publishes from stream readers only.
//
// Protects I2 (exactly one result per row, and one summary per batch).
func TestSummaryPublishedOnceToCoreSubscribers(t *testing.T) {
	t.Parallel()
	p := newPoolEnv(t)
	gw := newFakeGateway()
	const batch, n = "ONCE-1", 10
	jobs := rows("once", n)
	for _, j := range jobs {
		gw.payScript[j.ClientOrderID] = []string{payReject} // every row finishes on its first delivery
	}
	sub, err := p.js.Conn().SubscribeSync(p.names.SummarySubjectPrefix + ".>")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	reg := prometheus.NewRegistry()
	deps := Deps{Gateway: gw, Classify: fakeClassify, Log: zerolog.Nop(), Registerer: reg}
	stop1 := p.run(fastOptions(n), deps)
	defer stop1()
	stop2 := p.run(fastOptions(n), deps)
	defer stop2()
	p.enqueue(batch, jobs)
	testwait.Eventually(t, 30*time.Second, "every job acknowledged", func() bool {
		info, err := p.h.Jobs.Consumer(context.Background(), p.names.Consumer)
		if err != nil {
			return false
		}
		ci, err := info.Info(context.Background())
		return err == nil && p.count(p.names.SummarySubject(batch)) == 1 && ci.NumPending == 0 && ci.NumAckPending == 0
	})
	stop1()
	stop2()
	if err := p.js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	got := 0
	for {
		msg, err := sub.NextMsg(100 * time.Millisecond)
		if err != nil {
			break
		}
		s, err := job.DecodeBatchSummary(msg.Data)
		if err != nil || s.BatchID != batch || s.Rows != n {
			t.Fatalf("summary %+v, %v", s, err)
		}
		got++
	}
	if got != 1 {
		t.Fatalf("core subscriber received %d summaries for one batch, want 1", got)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "payrun_payout_summaries_published_total" {
			if v := mf.GetMetric()[0].GetCounter().GetValue(); v != 1 {
				t.Fatalf("summaries metric %v, want 1", v)
			}
			return
		}
	}
	t.Fatal("no summaries metric")
}

// A summary claim whose holder died (it lapsed) does not stop the batch's summary: the next
// check takes the claim over and publishes once.
//
// Protects I2.
func TestSummaryClaimOfDeadPublisherTakenOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const batch = "CLAIM-1"
	b := fmt.Appendf(nil, `{"batch_id":%q,"enqueued":1,"state":"enqueued",%q:%q}`, batch, manifestClaimField, t0.Add(-time.Second).Format(time.RFC3339Nano))
	if _, err := e.h.Batches.Create(context.Background(), e.names.BatchKey(batch), b); err != nil {
		t.Fatal(err)
	}
	e.gw.payScript["r1"] = []string{payReject}
	if d, _ := e.deliver(batch, "r1", 1); d.Action != actionAck {
		t.Fatalf("%+v", d)
	}
	if n := len(e.summaries(batch)); n != 1 {
		t.Fatalf("summaries %d, want 1", n)
	}
	if v := e.manifestView(batch); !v.done {
		t.Fatalf("manifest not marked: %+v", v)
	}
}
