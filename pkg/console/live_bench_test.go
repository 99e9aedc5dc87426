package console

import (
	"context"
	"testing"
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
			s.cache = newResultCache(resultCacheBatches, resultCacheRows)
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
	s, st := newResultsServer(b)
	st.batch(id, rows, rows)
	return s, func(i int) { st.publish(id, i) }
}
