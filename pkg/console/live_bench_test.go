package console

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// BenchmarkLivePoll is one poll of a batch page's live part (manifest, results, counts) with
// 10,000 results stored. "full re-read" starts each poll with an empty cache: it reads every
// result from the start of the stream, as every poll did before the cache (the baseline);
// "nothing new" and "one new result" are polls of the cached batch. docs/console.md has the ratio.
func BenchmarkLivePoll(b *testing.B) {
	const id, rows = "bench-live", 10_000
	s, publish := benchServer(b, id, rows)
	ctx := context.Background()
	poll := func(b *testing.B) {
		v, err := s.live(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if v.Results < rows {
			b.Fatalf("%d results, want %d", v.Results, rows)
		}
	}
	b.Run("full re-read", func(b *testing.B) {
		for b.Loop() {
			s.cache = newResultCache(resultCacheBatches)
			poll(b)
		}
	})
	b.Run("nothing new", func(b *testing.B) {
		poll(b) // fills the cache
		for b.Loop() {
			poll(b)
		}
	})
	b.Run("one new result", func(b *testing.B) {
		poll(b)
		n := rows
		for b.Loop() {
			b.StopTimer()
			publish(n)
			n++
			b.StartTimer()
			poll(b)
		}
	})
}

// benchServer is a Server over an embedded JetStream holding the manifest of batch id and rows
// results of it; publish(i) stores the result of row i.
func benchServer(b *testing.B, id string, rows int) (*Server, func(i int)) {
	b.Helper()
	_, _, js := queuetest.Start(b)
	h := queuetest.Provision(b, js)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := New(ctx, js, h, Options{Users: []User{{Name: "v", Roles: []string{RoleViewer}, Hash: "-"}}})
	if err != nil {
		b.Fatal(err)
	}
	m, _ := json.Marshal(batch.Manifest{Version: batch.ManifestVersion, BatchID: id, Source: "bench.csv", Rows: rows,
		State: batch.StateEnqueued, Enqueued: rows, CreatedAt: time.Now()})
	if _, err := h.Batches.Put(ctx, queue.DefaultNames().BatchKey(id), m); err != nil {
		b.Fatal(err)
	}
	subj := queue.DefaultNames().ResultSubject(id)
	result := func(i int) []byte {
		data, _ := json.Marshal(job.Result{Version: job.ResultVersion, BatchID: id, ClientOrderID: fmt.Sprintf("row-%d", i),
			Status: job.StatusApproved, Amount: "1.00", Currency: "USD", Destination: "account ******7890"})
		return data
	}
	for i := range rows {
		if _, err := js.PublishAsync(subj, result(i)); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 || i == rows-1 { // within the client's limit of messages in flight
			select {
			case <-js.PublishAsyncComplete():
			case <-ctx.Done():
				b.Fatal("results not stored in time")
			}
		}
	}
	return s, func(i int) {
		if _, err := js.Publish(context.Background(), subj, result(i)); err != nil {
			b.Fatal(err)
		}
	}
}
