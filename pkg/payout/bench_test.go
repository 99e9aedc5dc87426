package payout

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
)

// benchRows is the batch size of BenchmarkEndToEnd: PAYRUN_BENCH_ROWS (default 2000; the
// documented numbers use 10000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("PAYRUN_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 2000
}

// BenchmarkEndToEnd measures jobs/s for one batch through pools, the real client and the
// sandbox (no faults, no rate limit; each job is one payout and one status call, both signed),
// beside the bare cost of the two signatures a job needs, measured in the same run on all cores.
//
//	PAYRUN_BENCH_ROWS=10000 go test -run '^$' -bench EndToEnd -benchtime 1x ./pkg/payout
func BenchmarkEndToEnd(b *testing.B) {
	privPEM, err := os.ReadFile("testdata/test-rsa2048.pem")
	if err != nil {
		b.Fatal(err)
	}
	key, err := signer.ParsePrivateKey(privPEM)
	if err != nil {
		b.Fatal(err)
	}
	sg, err := signer.New(key, sandboxLogin)
	if err != nil {
		b.Fatal(err)
	}
	j := sandboxJob("bench-sign-0001", 0)
	payoutParams := toSignerParams(j.PayoutParams())
	statusParams := []signer.Param{{Name: "login", Value: sandboxLogin}, {Name: "client_orderid", Value: j.ClientOrderID}, {Name: "orderid", Value: "1234567"}}
	b.Run("two-signatures", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := sg.Sign(http.MethodPost, "http://127.0.0.1:1/paynet/api/v4/payout/39915", payoutParams); err != nil {
					b.Error(err)
				}
				if _, err := sg.Sign(http.MethodPost, "http://127.0.0.1:1/paynet/api/v4/status/39915", statusParams); err != nil {
					b.Error(err)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	})
	rows := benchRows()
	b.Run(fmt.Sprintf("batch-%d", rows), func(b *testing.B) {
		sb, gw := startSandbox(b, sandbox.Options{})
		p := newPoolEnv(b)
		opts := fastOptions(32)
		opts.Poll.FastInterval = 10 * time.Millisecond
		for i := range b.N {
			b.StopTimer()
			batch := fmt.Sprintf("BENCH-%d", i)
			jobs := make([]job.Job, rows)
			for k := range jobs {
				jobs[k] = sandboxJob(fmt.Sprintf("b%d-%06d", i, k), k)
			}
			p.enqueue(batch, jobs)
			b.StartTimer()
			stop1 := p.run(opts, Deps{Gateway: gw, Classify: ClassifySubmitError, Log: zerolog.Nop()})
			stop2 := p.run(opts, Deps{Gateway: gw, Classify: ClassifySubmitError, Log: zerolog.Nop()})
			waitFor(b, 10*time.Minute, "summary", func() bool { return p.count(p.names.SummarySubject(batch)) == 1 })
			b.StopTimer()
			stop1()
			stop2()
			if d := sb.Stats().Duplicates; d != 0 {
				b.Fatalf("duplicates %d", d)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "jobs/s")
	})
}

// BenchmarkEnqueueToSubmit measures, on an idle pool, the time from publishing a job to the
// gateway client being called with it (p50/p99 over b.N jobs, one at a time).
func BenchmarkEnqueueToSubmit(b *testing.B) {
	_, gw := startSandbox(b, sandbox.Options{})
	tg := &timedGateway{Gateway: gw, called: make(chan time.Time, 1)}
	p := newPoolEnv(b)
	stop := p.run(fastOptions(8), Deps{Gateway: tg, Classify: ClassifySubmitError, Log: zerolog.Nop()})
	defer stop()
	lat := make([]time.Duration, 0, b.N)
	for i := range b.N {
		j := sandboxJob(fmt.Sprintf("lat-%07d", i), i)
		data := jobBytes(b, "LAT", j)
		start := time.Now()
		if _, err := p.js.Publish(context.Background(), p.names.JobSubject("LAT"), data, jetstream.WithMsgID(p.names.JobMsgID("LAT", j.ClientOrderID))); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-tg.called:
			lat = append(lat, at.Sub(start))
		case <-time.After(30 * time.Second):
			b.Fatal("job not submitted")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// timedGateway reports when each payout call starts.
type timedGateway struct {
	Gateway
	called chan time.Time
}

func (g *timedGateway) Payout(ctx context.Context, params []Param) (PayoutReply, error) {
	g.called <- time.Now()
	return g.Gateway.Payout(ctx, params)
}

func toSignerParams(ps []job.Param) []signer.Param {
	out := make([]signer.Param, len(ps))
	for i, p := range ps {
		out[i] = signer.Param{Name: p.Name, Value: p.Value}
	}
	return out
}
