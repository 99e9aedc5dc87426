package payout

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

// benchRows is the batch size of BenchmarkEndToEnd: PAYRUN_BENCH_ROWS (default 2000; the
// documented numbers use 10000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("PAYRUN_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 2000
}

// BenchmarkEndToEnd measures jobs/s for one batch through two pools, the real client and the
// sandbox (no faults, no rate limit; each job is one payout and one status call, both signed).
// Beside it, in the same iteration (half before the batch, half after, so that both see the
// same machine), it measures the bare cost of the two signatures a job needs on all cores
// ("sign-jobs/s") and reports the ratio.
//
//	PAYRUN_BENCH_ROWS=10000 go test -run '^$' -bench EndToEnd ./pkg/payout
func BenchmarkEndToEnd(b *testing.B) {
	rows := benchRows()
	privPEM := signertest.PrivateKeyPEM()
	key, err := signer.ParsePrivateKey(privPEM)
	if err != nil {
		b.Fatal(err)
	}
	sg, err := signer.New(key, sandboxLogin)
	if err != nil {
		b.Fatal(err)
	}
	sb, gw := startSandbox(b, sandbox.Options{})
	p := newPoolEnv(b)
	opts := fastOptions(32)
	opts.Poll.FastInterval = 10 * time.Millisecond
	var batchTime, signTime time.Duration
	for i := range b.N {
		b.StopTimer()
		batch := fmt.Sprintf("BENCH-%d", i)
		jobs := make([]job.Job, rows)
		for k := range jobs {
			jobs[k] = sandboxJob(fmt.Sprintf("b%d-%06d", i, k), k)
		}
		p.enqueue(batch, jobs)
		signTime += signJobs(b, sg, jobs[:rows/2])
		b.StartTimer()
		start := time.Now()
		stop1 := p.run(opts, Deps{Gateway: gw, Classify: ClassifySubmitError, Log: zerolog.Nop()})
		stop2 := p.run(opts, Deps{Gateway: gw, Classify: ClassifySubmitError, Log: zerolog.Nop()})
		testwait.Eventually(b, 10*time.Minute, "summary", func() bool { return p.count(p.names.SummarySubject(batch)) == 1 })
		batchTime += time.Since(start)
		b.StopTimer()
		stop1()
		stop2()
		if d := sb.Stats().Duplicates; d != 0 {
			b.Fatalf("duplicates %d", d)
		}
		signTime += signJobs(b, sg, jobs[rows/2:])
		b.StartTimer()
	}
	jobsPerSec := float64(rows*b.N) / batchTime.Seconds()
	signPerSec := float64(rows*b.N) / signTime.Seconds()
	b.ReportMetric(jobsPerSec, "jobs/s")
	b.ReportMetric(signPerSec, "sign-jobs/s")
	b.ReportMetric(jobsPerSec/signPerSec, "ratio")
}

// signJobs signs each job's payout and status requests on all cores and returns the time taken.
func signJobs(b *testing.B, sg *signer.Signer, jobs []job.Job) time.Duration {
	work := make(chan job.Job)
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range work {
				status := []signer.Param{{Name: "login", Value: sandboxLogin}, {Name: "client_orderid", Value: j.ClientOrderID}, {Name: "orderid", Value: "1234567"}}
				if _, err := sg.Sign(http.MethodPost, "http://127.0.0.1:1/paynet/api/v4/payout/39915", toSignerParams(j.PayoutParams())); err != nil {
					b.Error(err)
				}
				if _, err := sg.Sign(http.MethodPost, "http://127.0.0.1:1/paynet/api/v4/status/39915", status); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	return time.Since(start)
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
	if _, err := p.h.Batches.Create(context.Background(), p.names.BatchKey("LAT"), []byte(`{"batch_id":"LAT","state":"publishing"}`)); err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		j := sandboxJob(fmt.Sprintf("lat-%07d", i), i)
		data := jobBytes(b, "LAT", j)
		p.reserve("LAT", []job.Job{j})
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

func (g *timedGateway) Payout(ctx context.Context, params []job.Param) (Reply, error) {
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
