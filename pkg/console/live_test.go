package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// countingJS counts the messages the console reads through ordered consumers (how it reads the
// results stream).
type countingJS struct {
	jetstream.JetStream
	n *atomic.Int64
}

func (c countingJS) OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	cons, err := c.JetStream.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return nil, err
	}
	return countingConsumer{cons, c.n}, nil
}

type countingConsumer struct {
	jetstream.Consumer
	n *atomic.Int64
}

func (c countingConsumer) Fetch(batch int, opts ...jetstream.FetchOpt) (jetstream.MessageBatch, error) {
	b, err := c.Consumer.Fetch(batch, opts...)
	if err != nil {
		return nil, err
	}
	return &countingBatch{MessageBatch: b, n: c.n}, nil
}

func (c countingConsumer) Next(opts ...jetstream.FetchOpt) (jetstream.Msg, error) {
	m, err := c.Consumer.Next(opts...)
	if err == nil {
		c.n.Add(1)
	}
	return m, err
}

// countingBatch counts the messages passed on; the reader drains it.
type countingBatch struct {
	jetstream.MessageBatch
	n *atomic.Int64
}

func (b *countingBatch) Messages() <-chan jetstream.Msg {
	out := make(chan jetstream.Msg)
	go func() {
		defer close(out)
		for m := range b.MessageBatch.Messages() {
			b.n.Add(1)
			out <- m
		}
	}()
	return out
}

// liveEnv is a console whose results reads are counted, with a CLI batch of rows lv-0…lv-(rows-1).
func liveEnv(t *testing.T, id string, rows int) (*env, *atomic.Int64) {
	t.Helper()
	read := &atomic.Int64{}
	e := newWrappedEnv(t, func(js jetstream.JetStream, h queue.Handles) (jetstream.JetStream, queue.Handles) {
		return countingJS{js, read}, h
	}, nil)
	var file strings.Builder
	file.WriteString("client_orderid,amount,currency,account_number\n")
	for i := range rows {
		fmt.Fprintf(&file, "lv-%d,1.00,USD,1234567890\n", i)
	}
	e.enqueueCLI(id, file.String())
	return e, read
}

func (e *env) result(id string, row, generation int, status job.Status) {
	e.t.Helper()
	e.publishResult(job.Result{BatchID: id, ClientOrderID: fmt.Sprintf("lv-%d", row), Generation: generation, Status: status,
		Amount: "1.00", Currency: "USD", Destination: "account ******7890", PaynetOrderID: fmt.Sprintf("gw-%d-%d", row, generation)})
}

// poll fetches the live part and fails the test unless it has every string of want.
func (b *browser) poll(id string, want ...string) string {
	b.t.Helper()
	st, body := b.get("/batches/" + id + "/live")
	if st != http.StatusOK {
		b.t.Fatalf("live: %d: %s", st, body)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			b.t.Errorf("live lacks %q: %s", w, body)
		}
	}
	return body
}

// A poll of the live part reads only the results stored since the last poll (of any viewer), not
// the batch's every result again: nothing when nothing is new.
func TestLivePollReadsOnlyNewResults(t *testing.T) {
	t.Parallel()
	const id = "lv-new"
	e, read := liveEnv(t, id, 20)
	for i := range 10 {
		e.result(id, i, 0, job.StatusApproved)
	}
	a, b := e.login("viewer"), e.login("appr")
	for _, tc := range []struct {
		name     string
		viewer   *browser
		newRows  []int
		wantRead int64
		want     string
	}{
		{"first poll reads what is stored", a, nil, 10, "10 of 20 rows"},
		{"nothing new", a, nil, 0, "10 of 20 rows"},
		{"another viewer, nothing new", b, nil, 0, "10 of 20 rows"},
		{"one new result", a, []int{10}, 1, "11 of 20 rows"},
		{"three new results", b, []int{11, 12, 13}, 3, "14 of 20 rows"},
	} {
		for _, r := range tc.newRows {
			e.result(id, r, 0, job.StatusApproved)
		}
		read.Store(0)
		tc.viewer.poll(id, tc.want)
		if got := read.Load(); got != tc.wantRead {
			t.Errorf("%s: read %d results, want %d", tc.name, got, tc.wantRead)
		}
	}
}

// A row put back by a retry has a result of a newer generation: it replaces the row's older
// result across polls, and an older generation read later does not bring the old one back.
func TestLivePollNewerGenerationSupersedes(t *testing.T) {
	t.Parallel()
	const id = "lv-gen"
	e, _ := liveEnv(t, id, 3)
	v := e.login("viewer")
	e.result(id, 0, 0, job.StatusError)
	e.result(id, 1, 1, job.StatusApproved)
	v.poll(id, "2 of 3 rows", "gw-0-0", "gw-1-1")
	e.result(id, 0, 1, job.StatusApproved)
	e.result(id, 1, 0, job.StatusDeclined) // stored late: an older generation than the row's
	body := v.poll(id, "2 of 3 rows", "gw-0-1", "gw-1-1")
	for _, stale := range []string{"gw-0-0", "gw-1-0", "declined", "status error"} {
		if strings.Contains(body, stale) {
			t.Errorf("live shows the superseded %q: %s", stale, body)
		}
	}
}

// When the results stream was purged, lost results of the batch or was deleted and made again
// since the last poll, what the console remembers of it is gone too: the next poll shows what the
// stream holds now.
func TestLivePollAfterResultsStreamReset(t *testing.T) {
	t.Parallel()
	const id = "lv-reset"
	purgeSubject := func(ctx context.Context, e *env) error {
		return e.handles.Results.Purge(ctx, jetstream.WithPurgeSubject(queue.DefaultNames().ResultSubject(id)))
	}
	for _, tc := range []struct {
		name     string
		reset    func(context.Context, *env) error
		after    []int // rows whose generation-1 results are stored after the reset
		want     string
		wantRead int64
	}{
		{"purged", func(ctx context.Context, e *env) error { return e.handles.Results.Purge(ctx) }, []int{4}, "1 of 5 rows", 1},
		{"subject purged", purgeSubject, []int{4}, "1 of 5 rows", 1},
		// As many new results as were read, and more: the count alone does not show the loss.
		{"subject purged, more results since", purgeSubject, []int{0, 1, 2, 3}, "4 of 5 rows", 4 + 4},
		{"recreated", func(ctx context.Context, e *env) error {
			if err := e.js.DeleteStream(ctx, queue.DefaultNames().ResultStream); err != nil {
				return err
			}
			_, err := queue.Provision(ctx, e.js, queue.DefaultNames(), queue.DefaultSettings())
			return err
		}, []int{4}, "1 of 5 rows", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, read := liveEnv(t, id, 5)
			v := e.login("viewer")
			e.result("lv-other", 0, 0, job.StatusApproved) // the stream's first message stays when lv-reset's go
			for i := range 3 {
				e.result(id, i, 0, job.StatusApproved)
			}
			v.poll(id, "3 of 5 rows", "gw-2-0")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tc.reset(ctx, e); err != nil {
				t.Fatal(err)
			}
			for _, r := range tc.after {
				e.result(id, r, 1, job.StatusDeclined)
			}
			read.Store(0)
			body := v.poll(id, tc.want, fmt.Sprintf("gw-%d-1", tc.after[0]))
			if strings.Contains(body, "gw-2-0") {
				t.Errorf("live still shows a result the stream no longer holds: %s", body)
			}
			if got := read.Load(); got != tc.wantRead {
				t.Errorf("read %d results after the reset, want %d", got, tc.wantRead)
			}
		})
	}
}

// Viewers polling one batch at once share its reads: every result is read once, and each viewer
// sees them all.
func TestLivePollConcurrentViewersShareReads(t *testing.T) {
	t.Parallel()
	const id, rows = "lv-many", 30
	e, read := liveEnv(t, id, rows)
	for i := range rows {
		e.result(id, i, 0, job.StatusApproved)
	}
	viewers := []*browser{e.login("viewer"), e.login("appr"), e.login("op"), e.login("viewer")}
	var wg sync.WaitGroup
	for _, v := range viewers {
		wg.Go(func() {
			for range 3 {
				resp, err := v.c.Get(e.web.URL + "/batches/" + id + "/live")
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if want := fmt.Sprintf("%d of %d rows", rows, rows); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
					t.Errorf("live: %d, lacks %q", resp.StatusCode, want)
				}
			}
		})
	}
	wg.Wait()
	if got := read.Load(); got != rows {
		t.Errorf("%d viewers read %d results, want each of the %d once", len(viewers), got, rows)
	}
}
