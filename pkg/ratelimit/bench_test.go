package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// BenchmarkWait measures the limiter's own cost per request at a rate too high to ever block,
// interleaved in chunks with a bare rate.Limiter.Wait (the baseline) so that both see the
// same machine load. Reported: ns per Wait for the baseline, for a call of a kind without its
// own limit, and for a kind with its own limit (two buckets), and the ratios to the baseline.
func BenchmarkWait(b *testing.B) {
	const r, burst = 1e12, 1 << 30 // tokens never run out
	srv := startServer(b)
	o := ratelimit.Options{Rate: r, Burst: burst, Kinds: map[string]ratelimit.Limit{ratelimit.KindPayout: {Rate: r, Burst: burst}}}
	l := newLimiter(b, connect(b, srv), o)
	testwait.Eventually(b, 5*time.Second, "admitted", func() bool { return l.Stats().Active })
	bare := rate.NewLimiter(r, burst)
	ctx := context.Background()
	plain := ratelimit.WithKey(ctx, "batch")
	kind := ratelimit.WithKind(plain, ratelimit.KindPayout)
	for l.Wait(plain) != nil || l.Wait(kind) != nil { // first tokens
	}

	const chunk = 256
	var tBare, tPlain, tKind time.Duration
	n := 0
	timed := func(wait func(context.Context) error, c context.Context) time.Duration {
		start := time.Now()
		for range chunk {
			if err := wait(c); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	for b.Loop() {
		tBare += timed(bare.Wait, ctx)
		tPlain += timed(l.Wait, plain)
		tKind += timed(l.Wait, kind)
		n += chunk
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	b.ReportMetric(per(tBare), "bare-ns/wait")
	b.ReportMetric(per(tPlain), "limiter-ns/wait")
	b.ReportMetric(per(tKind), "limiter-kind-ns/wait")
	b.ReportMetric(per(tPlain)/per(tBare), "ratio")
	b.ReportMetric(per(tKind)/per(tBare), "kind-ratio")
}
