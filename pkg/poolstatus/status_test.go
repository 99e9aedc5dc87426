package poolstatus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/poolstatus"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/ratelimit"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var at = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// A paused pool with two registered workers, two batches in progress (one with two results and
// three ledger entries) and one completed batch: the text and JSON forms match the golden files.
func TestStatusGolden(t *testing.T) {
	_, _, js := queuetest.Start(t)
	h := queuetest.Provision(t, js)
	ctx := context.Background()
	names := queue.DefaultNames()
	for _, id := range []string{"worker-b", "worker-a"} {
		lim, err := ratelimit.New(ctx, js, ratelimit.Options{KV: h.RateLimit, ID: id, Rate: 20, Burst: 20})
		if err != nil {
			t.Fatal(err)
		}
		defer lim.Close()
	}
	ctl, err := ratelimit.OpenControl(ctx, js, names.RateLimitBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Pause(ctx, "gateway maintenance"); err != nil {
		t.Fatal(err)
	}
	enqueue(t, js, h, "payroll-a", 5)
	enqueue(t, js, h, "payroll-b", 3)
	enqueue(t, js, h, "done-c", 2)
	if _, err := h.Batches.Put(ctx, names.BatchKey("done-c"), []byte(`{"version":1,"batch_id":"done-c","state":"completed","enqueued":2}`)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		r := job.Result{Version: 1, BatchID: "payroll-a", ClientOrderID: fmt.Sprintf("payroll-a-%08d", i), Status: job.StatusApproved, Amount: "1.00", Currency: "USD", Destination: "x"}
		data, _ := json.Marshal(r)
		if _, err := js.Publish(ctx, names.ResultSubject("payroll-a"), data); err != nil {
			t.Fatal(err)
		}
	}

	// Ledger entries of payroll-a: one reported, one being polled, one retried after failures.
	for coid, entry := range map[string]string{
		"payroll-a-00000000": `{"version":1,"state":"reported","attempts":1}`,
		"payroll-a-00000001": `{"version":1,"state":"accepted","attempts":1}`,
		"payroll-a-00000002": `{"version":1,"state":"pending_retry","attempts":1,"failures":2}`,
	} {
		if _, err := h.Ledger.Put(ctx, names.LedgerKey("payroll-a", coid), []byte(entry)); err != nil {
			t.Fatal(err)
		}
	}

	st, err := poolstatus.Read(ctx, js, poolstatus.Options{ConfiguredRate: 20, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Pool.PausedAt.IsZero() {
		t.Fatal("no pause time")
	}
	st.Pool.PausedAt = at.Add(-time.Hour) // the one time that is not the test's

	var text bytes.Buffer
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	js1, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "status.txt", text.Bytes())
	golden(t, "status.json", append(js1, '\n'))

	// Resumed: the pool may send at the configured rate times the adaptive factor.
	if err := ctl.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	st, err = poolstatus.Read(ctx, js, poolstatus.Options{ConfiguredRate: 20, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	text.Reset()
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if st.Sending != poolstatus.SendingLimited || st.EffectiveRate != 20 || !strings.Contains(text.String(), "sending up to 20 requests/s (100% of the configured rate)") {
		t.Errorf("resumed: sending %s, effective %v\n%s", st.Sending, st.EffectiveRate, text.String())
	}
}

// A status whose pool, consumer and batches could not be read says so for each, and still shows
// the configured rate and the replicas.
func TestStatusUnreadGolden(t *testing.T) {
	t.Parallel()
	st := poolstatus.Status{
		At: at, ConfiguredRate: 20, Sending: poolstatus.SendingUnknown,
		Pool:          poolstatus.Pool{Workers: []string{}},
		Consumer:      poolstatus.ConsumerStatus{Name: "payout-workers"},
		Batches:       []poolstatus.BatchStatus{},
		PoolError:     "poolstatus: ratelimit: status: context deadline exceeded",
		ConsumerError: "poolstatus: consumer payout-workers: context deadline exceeded",
		BatchesError:  "poolstatus: list batches: context deadline exceeded",
		Replication: poolstatus.Replication{Cluster: "c1", Groups: []poolstatus.Group{
			{Kind: "stream", Name: "PAYOUTS", Role: "jobs", Replicas: 3, Leader: "n1", Peers: []poolstatus.Peer{
				{Name: "n2", Current: true, Offline: true, ActiveMS: 900}, {Name: "n3", Offline: true, Lag: 3}}},
			{Kind: "bucket", Name: "PAYRUN_LEDGER", Role: "ledger", Error: "context deadline exceeded", Peers: []poolstatus.Peer{}},
		}},
	}
	var text bytes.Buffer
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden(t, "status-unread.txt", text.Bytes())
}

func TestStall(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pool poolstatus.Pool
		want string
	}{
		{poolstatus.Pool{Paused: true, PauseReason: "maintenance", Workers: []string{"a"}}, "pool paused: maintenance"},
		{poolstatus.Pool{Paused: true, PauseKind: ratelimit.PauseKindAuth, PauseReason: "HTTP 403 for login m", Workers: []string{"a"}}, "pool stopped: HTTP 403 for login m"},
		{poolstatus.Pool{Workers: []string{}}, "no worker registered"},
		{poolstatus.Pool{Workers: []string{"a"}, PressureUntil: at.Add(time.Minute)}, "gateway pressure until 2026-12-01T12:01:00Z"},
		{poolstatus.Pool{Workers: []string{"a"}, PressureUntil: at.Add(-time.Minute)}, ""},
	}
	for _, tc := range cases {
		if got := poolstatus.Stall(tc.pool, at); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.pool, got, tc.want)
		}
	}
}

func enqueue(t *testing.T, js jetstream.JetStream, h *queue.Handles, id string, rows int) {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("client_orderid,amount,currency,account_number\n")
	for i := range rows {
		fmt.Fprintf(&csv, "%s-%08d,1.00,USD,1234567890\n", id, i)
	}
	path := filepath.Join(t.TempDir(), id+".csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	in := batch.FileInput(path)
	plan, err := batch.ValidateInput(in, id, 10, batch.JobLimit{})
	if err != nil {
		t.Fatal(err)
	}
	enq, err := batch.New(js, h, batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enq.Enqueue(context.Background(), in, plan); err != nil {
		t.Fatal(err)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// Watch reports each interval; a tick without progress says why from the pool's state.
func TestWatch(t *testing.T) {
	t.Parallel()
	results := []int{0, 0, 3, 3, 3}
	pools := []poolstatus.Pool{
		{Workers: []string{}},
		{Workers: []string{}},
		{Workers: []string{"a"}},
		{Workers: []string{"a"}, Paused: true, PauseReason: "maintenance"},
		{Workers: []string{"a"}},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ticks []poolstatus.Tick
	n := 0
	poolstatus.Watch(ctx, poolstatus.WatchOptions{
		Interval: time.Millisecond, BatchID: "b", Expected: 5,
		Results:  func() int { return results[n] },
		ReadPool: func(context.Context) (poolstatus.Pool, error) { return pools[n], nil },
		Now:      func() time.Time { return at },
		OnTick: func(tk poolstatus.Tick) {
			ticks = append(ticks, tk)
			if n++; n == len(results) {
				cancel()
			}
		},
	})
	want := []string{"", "no worker registered", "", "pool paused: maintenance", ""}
	if len(ticks) != len(want) {
		t.Fatalf("%d ticks, want %d", len(ticks), len(want))
	}
	for i, w := range want {
		if ticks[i].Stalled != w || ticks[i].BatchID != "b" || ticks[i].Expected != 5 || ticks[i].Results != results[i] {
			t.Errorf("tick %d: %+v, want stalled %q", i, ticks[i], w)
		}
	}
}

// A watch that ends while it reads the pool prints no last tick: the read's error is the watch's
// own end, not the pool's state (enqueue --wait printed a final progress line without its
// explanation when its timeout fell inside a read).
func TestWatchEndingDuringReadPrintsNoTick(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ticks []poolstatus.Tick
	reads := 0
	poolstatus.Watch(ctx, poolstatus.WatchOptions{
		Interval: time.Millisecond, BatchID: "b", Expected: 5,
		Results: func() int { return 0 },
		ReadPool: func(rctx context.Context) (poolstatus.Pool, error) {
			if reads++; reads == 2 {
				cancel()
				<-rctx.Done()
				return poolstatus.Pool{}, rctx.Err()
			}
			return poolstatus.Pool{Workers: []string{}}, nil
		},
		Now:    func() time.Time { return at },
		OnTick: func(tk poolstatus.Tick) { ticks = append(ticks, tk) },
	})
	if len(ticks) != 1 || ticks[0].PoolError != "" {
		t.Fatalf("ticks %+v, want only the first, without a pool error", ticks)
	}
}
