package batch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/job/jobtest"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// BenchmarkEnqueue measures enqueue (validation pass + publish pass) against an embedded server
// with sync_interval: always, beside the broker's own async publish rate for the same message
// size on the same server in the same run (a raw jetstream PublishAsync loop with a bounded
// window). Metrics: rows/s (whole enqueue), publish_rows/s (publish pass only), baseline_msgs/s
// and ratio = rows/s / baseline_msgs/s.
//
//	go test -run '^$' -bench BenchmarkEnqueue -benchtime 1x ./pkg/batch
func BenchmarkEnqueue(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			_, nc, js := queuetest.Start(b)
			h := queuetest.Provision(b, js)
			dir := b.TempDir()
			ctx := context.Background()
			en, err := batch.New(js, h, batch.Options{ChunkSize: benchInt("PAYRUN_BENCH_CHUNK", 0), Window: benchInt("PAYRUN_BENCH_WINDOW", 0)})
			if err != nil {
				b.Fatal(err)
			}
			var enqueueDur, publishDur, baseDur time.Duration
			var size, baseMsgs int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				path := jobtest.WriteBatch(b, dir, fmt.Sprintf("r%d", i), rows)
				b.StartTimer()
				start := time.Now()
				p, err := batch.ValidateInput(batch.FileInput(path), "", 100, batch.JobLimit{})
				if err != nil {
					b.Fatal(err)
				}
				pubStart := time.Now()
				r, err := en.Enqueue(ctx, batch.FileInput(path), p)
				if err != nil || r.Enqueued != rows {
					b.Fatalf("enqueue: %+v, %v", r, err)
				}
				enqueueDur += time.Since(start)
				publishDur += time.Since(pubStart)
				b.StopTimer()
				// The same message size through the broker's plain async publish path.
				msg, _ := json.Marshal(job.Message{Version: 1, BatchID: p.BatchID, Line: 2, ClientOrderID: "r0-00000000", Amount: "1.00", Currency: "USD",
					Params: []job.Param{{Name: "client_orderid", Value: "r0-00000000"}, {Name: "amount", Value: "1.00"}, {Name: "currency", Value: "USD"},
						{Name: "account_number", Value: "40817810000000000000"}, {Name: "receiver_first_name", Value: "Anna"}, {Name: "receiver_last_name", Value: "Ivanova"}, {Name: "receiver_country_code", Value: "US"}}})
				size = len(msg)
				baseMsgs += min(rows, baselineMsgs)
				baseDur += rawAsyncPublish(b, js, fmt.Sprintf("BASE%d", i), min(rows, baselineMsgs), msg)
				_ = nc
				b.StartTimer()
			}
			n := float64(rows * b.N)
			rate, base := n/enqueueDur.Seconds(), float64(baseMsgs)/baseDur.Seconds()
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(n/publishDur.Seconds(), "publish_rows/s")
			b.ReportMetric(base, "baseline_msgs/s")
			b.ReportMetric(rate/base, "ratio")
			b.ReportMetric(float64(size), "msg_bytes")
		})
	}
}

// baselineMsgs caps the baseline's message count: with sync_interval: always the plain async path
// runs at a few hundred to a few thousand messages per second here, and its rate is steady after a
// few thousand messages, so 20k measures it without spending many minutes.
const baselineMsgs = 20_000

// rawAsyncPublish publishes n copies of msg to a fresh file stream (Discard New, sync always via
// the server) with jetstream PublishAsync and a bounded window, and returns the time until every
// publish is acknowledged.
func rawAsyncPublish(b *testing.B, js jetstream.JetStream, name string, n int, msg []byte) time.Duration {
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{"bench." + name}, Storage: jetstream.FileStorage, Discard: jetstream.DiscardNew}); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = js.DeleteStream(ctx, name) }()
	subj := "bench." + name
	start := time.Now()
	for range n {
		if _, err := js.PublishAsync(subj, msg, jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(10 * time.Minute):
		b.Fatal("async publishes not acknowledged")
	}
	return time.Since(start)
}

// benchInt reads an optional tuning knob for exploring chunk size and window.
func benchInt(name string, def int) int {
	var v int
	if _, err := fmt.Sscan(os.Getenv(name), &v); err != nil {
		return def
	}
	return v
}
