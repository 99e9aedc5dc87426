package batch_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

func TestEnqueuePublishesEveryRowOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 1234))
	p := plan(t, in, "")
	if !strings.HasPrefix(p.BatchID, "b-") || len(p.BatchID) != 22 {
		t.Errorf("derived batch id %q", p.BatchID)
	}
	var progress []batch.Progress
	en := e.enqueuer(t, batch.Options{Progress: func(pr batch.Progress) { progress = append(progress, pr) }})
	r, err := en.Enqueue(ctxTimeout(t, time.Minute), in, p)
	if err != nil {
		t.Fatal(err)
	}
	if r.Enqueued != 1234 || r.Duplicates != 0 || r.AlreadyEnqueued || r.Resumed || r.State != batch.StateEnqueued {
		t.Errorf("report = %+v", r)
	}
	if got := r.Totals["USD"].String() + " " + r.Totals["JPY"].String(); got != "6170.00 3085" {
		t.Errorf("totals = %s", got)
	}
	assertExactlyOnce(t, e, p.BatchID, 1234)
	m := manifest(t, e, p.BatchID)
	if m.State != batch.StateEnqueued || m.Rows != 1234 || m.Enqueued != 1234 || m.SHA256 != p.SHA256 || m.Source != "pay.csv" || m.Chunks != 13 || m.Attempts != 1 {
		t.Errorf("manifest = %+v", m)
	}
	if len(progress) != 13 || progress[12].Rows != 1234 || progress[12].Total != 1234 {
		t.Errorf("progress = %v", progress)
	}
	// Markers are purged once the manifest says enqueued; only jobs stay for the workers.
	info, err := e.h.Jobs.Info(context.Background(), jetstream.WithSubjectFilter(queue.DefaultNames().ChunkSubjects(p.BatchID)))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1234 || len(info.State.Subjects) != 0 {
		t.Errorf("stream holds %d messages, marker subjects %v", info.State.Msgs, info.State.Subjects)
	}
	// Every client_orderid is reserved for this batch.
	for _, id := range []string{"o-0", "o-617", "o-1233"} {
		if r := reservation(t, e, id); r.BatchID != p.BatchID {
			t.Errorf("reservation of %s = %+v", id, r)
		}
	}
}

func TestRerunAfterSuccessPublishesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 250))
	p := plan(t, in, "payroll-1")
	en := e.enqueuer(t, batch.Options{})
	if _, err := en.Enqueue(context.Background(), in, p); err != nil {
		t.Fatal(err)
	}
	r, err := en.Enqueue(context.Background(), in, p)
	if err != nil {
		t.Fatal(err)
	}
	if !r.AlreadyEnqueued || r.Enqueued != 250 {
		t.Errorf("second run report = %+v", r)
	}
	assertExactlyOnce(t, e, "payroll-1", 250)
}

// A run that died between marking the batch enqueued and purging its markers leaves them in the
// work-queue stream, where no consumer ever takes them; the next run of the batch purges them.
func TestRerunPurgesLeftoverMarkers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 150))
	p := plan(t, in, "b1")
	en := e.enqueuer(t, batch.Options{})
	if _, err := en.Enqueue(context.Background(), in, p); err != nil {
		t.Fatal(err)
	}
	names := queue.DefaultNames()
	for chunk := range 2 { // as if the purge had not happened
		if _, err := e.js.Publish(context.Background(), names.ChunkSubject("b1", chunk), []byte(`{"batch_id":"b1"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := en.Enqueue(context.Background(), in, p); err != nil || !r.AlreadyEnqueued {
		t.Fatalf("re-run = %+v, %v", r, err)
	}
	info, err := e.h.Jobs.Info(context.Background(), jetstream.WithSubjectFilter(names.ChunkSubjects("b1")))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.State.Subjects) != 0 {
		t.Errorf("markers left after the re-run: %v", info.State.Subjects)
	}
	assertExactlyOnce(t, e, "b1", 150)
}

func TestResumeAfterInterruptedPublish(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pub  func(real batch.Publisher) *failingPublisher
	}{
		{"publisher fails after 3 chunks", func(real batch.Publisher) *failingPublisher {
			return &failingPublisher{real: real, n: 3}
		}},
		{"reply lost after commit", func(real batch.Publisher) *failingPublisher {
			return &failingPublisher{real: real, n: 2, storeThenFail: true}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			in := stringInput("pay.csv", csvRows("o", 0, 1000))
			p := plan(t, in, "b1")
			fp := tt.pub(batch.ConnPublisher{NC: e.nc})
			_, err := e.enqueuer(t, batch.Options{Publisher: fp, Window: 1}).Enqueue(context.Background(), in, p)
			if !errors.Is(err, errInjected) {
				t.Fatalf("first run = %v, want the injected failure", err)
			}
			if m := manifest(t, e, "b1"); m.State != batch.StatePublishing {
				t.Fatalf("manifest state after failure = %s, want publishing", m.State)
			}
			if total, _ := jobsInStream(t, e, "b1"); total == 0 || total == 1000 {
				t.Fatalf("after the interruption the stream holds %d jobs; the test wants a partial batch", total)
			}
			// The re-run strips Nats-Msg-Id: it must not rely on the duplicate window.
			again := &failingPublisher{real: batch.ConnPublisher{NC: e.nc}, n: -1, stripMsgID: true}
			r, err := e.enqueuer(t, batch.Options{Publisher: again}).Enqueue(context.Background(), in, p)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Resumed || r.Enqueued != 1000 || r.State != batch.StateEnqueued {
				t.Errorf("re-run report = %+v", r)
			}
			assertExactlyOnce(t, e, "b1", 1000)
			if m := manifest(t, e, "b1"); m.Attempts != 2 {
				t.Errorf("attempts = %d, want 2", m.Attempts)
			}
		})
	}
}

// A reply lost after the commit within one run: the retry finds the marker and does not re-send.
func TestLostReplyRetriedWithinRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 500))
	p := plan(t, in, "b1")
	fp := &failingPublisher{real: batch.ConnPublisher{NC: e.nc}, n: 2, timeoutOnce: true, stripMsgID: true}
	r, err := e.enqueuer(t, batch.Options{Publisher: fp, Window: 1}).Enqueue(context.Background(), in, p)
	if err != nil || r.Enqueued != 500 || r.Resumed {
		t.Fatalf("Enqueue = %+v, %v", r, err)
	}
	if fp.chunks.Load() != 5 {
		t.Errorf("%d chunk publishes, want 5 (the lost reply is resolved by the marker, not re-sent)", fp.chunks.Load())
	}
	assertExactlyOnce(t, e, "b1", 500)
}

func TestResumeAfterCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 3000))
	p := plan(t, in, "b1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	en := e.enqueuer(t, batch.Options{Window: 2, Progress: func(pr batch.Progress) {
		if pr.Rows >= 500 {
			cancel()
		}
	}})
	if _, err := en.Enqueue(ctx, in, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run = %v, want context.Canceled", err)
	}
	if m := manifest(t, e, "b1"); m.State != batch.StatePublishing {
		t.Fatalf("state = %s", m.State)
	}
	r, err := e.enqueuer(t, batch.Options{}).Enqueue(context.Background(), in, p)
	if err != nil || !r.Resumed || r.Enqueued != 3000 {
		t.Fatalf("re-run = %+v, %v", r, err)
	}
	assertExactlyOnce(t, e, "b1", 3000)
}

// Two cron jobs running the same command at the same moment: both succeed, each row is stored once.
func TestConcurrentRunsOfOneBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 3000))
	p := plan(t, in, "b1")
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			r, err := e.enqueuer(t, batch.Options{Window: 2}).Enqueue(context.Background(), in, p)
			if err == nil && r.Enqueued != 3000 {
				err = fmt.Errorf("report %+v", r)
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	assertExactlyOnce(t, e, "b1", 3000)
}

func TestDuplicateFromAnotherBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	en := e.enqueuer(t, batch.Options{})
	a := stringInput("a.csv", csvRows("o", 0, 300))
	if _, err := en.Enqueue(context.Background(), a, plan(t, a, "batch-a")); err != nil {
		t.Fatal(err)
	}
	// Overlapping file: rows 200..299 belong to batch-a.
	b := stringInput("b.csv", csvRows("o", 200, 450))
	r, err := en.Enqueue(context.Background(), b, plan(t, b, "batch-b"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Enqueued != 150 || r.Duplicates != 100 || len(r.DuplicateSamples) != 20 {
		t.Fatalf("report = %+v", r)
	}
	d := r.DuplicateSamples[0]
	if d.OtherBatch != "batch-a" || !strings.HasPrefix(d.ClientOrderID, "o-2") || d.Line < 2 {
		t.Errorf("duplicate sample = %+v", d)
	}
	assertExactlyOnce(t, e, "batch-a", 300)
	assertExactlyOnce(t, e, "batch-b", 150)
	// The same content under yet another batch id pays nothing twice.
	r, err = en.Enqueue(context.Background(), a, plan(t, a, "batch-c"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Enqueued != 0 || r.Duplicates != 300 {
		t.Errorf("same file, other batch id: %+v", r)
	}
	if total, _ := jobsInStream(t, e, "batch-c"); total != 0 {
		t.Errorf("batch-c published %d jobs", total)
	}
	// Re-running batch-b reports the same numbers from its manifest.
	r, err = en.Enqueue(context.Background(), b, plan(t, b, "batch-b"))
	if err != nil || !r.AlreadyEnqueued || r.Duplicates != 100 || r.Enqueued != 150 {
		t.Errorf("re-run of batch-b = %+v, %v", r, err)
	}
}

// orderedPublisher holds chunk 0's publish until chunk 1's is done, so chunks finish out of order.
type orderedPublisher struct {
	real      batch.Publisher
	chunk1Out chan struct{}
}

func (p *orderedPublisher) PublishAtomic(ctx context.Context, n int, fill func(i int, m *nats.Msg)) (queue.AtomicAck, error) {
	var last nats.Msg
	last.Header = nats.Header{}
	fill(n-1, &last)
	names := queue.DefaultNames()
	switch last.Subject {
	case names.ChunkSubject("late", 0):
		select {
		case <-p.chunk1Out:
		case <-ctx.Done():
			return queue.AtomicAck{}, ctx.Err()
		}
	case names.ChunkSubject("late", 1):
		defer close(p.chunk1Out)
	}
	return p.real.PublishAtomic(ctx, n, fill)
}

// The manifest keeps the first duplicates of the file (lowest lines), whichever chunk finished first.
func TestDuplicateSamplesAreTheFirstLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := stringInput("a.csv", csvRows("o", 0, 100))
	if _, err := e.enqueuer(t, batch.Options{}).Enqueue(context.Background(), owner, plan(t, owner, "owner")); err != nil {
		t.Fatal(err)
	}
	// Chunk 0 (lines 2-101): 5 duplicates; chunk 1 (lines 102-201): 25 duplicates.
	body := func(prefix string, from, to int) string { return strings.SplitN(csvRows(prefix, from, to), "\n", 2)[1] }
	file := csvRows("o", 0, 5) + body("n", 0, 95) + body("o", 5, 30) + body("m", 0, 75)
	in := stringInput("late.csv", file)
	pub := &orderedPublisher{real: batch.ConnPublisher{NC: e.nc}, chunk1Out: make(chan struct{})}
	r, err := e.enqueuer(t, batch.Options{Publisher: pub, Window: 2}).Enqueue(ctxTimeout(t, time.Minute), in, plan(t, in, "late"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Duplicates != 30 || len(r.DuplicateSamples) != 20 {
		t.Fatalf("report = %+v", r)
	}
	for i, d := range r.DuplicateSamples {
		want := 2 + i // lines 2-6, then 102-116
		if i >= 5 {
			want = 97 + i
		}
		if d.Line != want {
			t.Errorf("sample %d is line %d, want %d (%v)", i, d.Line, want, r.DuplicateSamples)
		}
	}
	if m := manifest(t, e, "late"); len(m.DuplicateSamples) != 20 || m.DuplicateSamples[0].Line != 2 {
		t.Errorf("manifest samples = %v", m.DuplicateSamples)
	}
}

func TestBatchIDReusedForOtherFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	en := e.enqueuer(t, batch.Options{})
	a := stringInput("a.csv", csvRows("o", 0, 10))
	if _, err := en.Enqueue(context.Background(), a, plan(t, a, "b1")); err != nil {
		t.Fatal(err)
	}
	b := stringInput("b.csv", csvRows("x", 0, 10))
	if _, err := en.Enqueue(context.Background(), b, plan(t, b, "b1")); !errors.Is(err, batch.ErrBatchConflict) {
		t.Fatalf("err = %v, want ErrBatchConflict", err)
	}
	assertExactlyOnce(t, e, "b1", 10)
}

func TestValidateInput(t *testing.T) {
	t.Parallel()
	bad := "client_orderid,amount,currency,account_number\nok-1,10.00,USD,1234567890\nbad-1,10.001,USD,1234567890\nbad-2,1,XXX,1234567890\n"
	_, err := batch.ValidateInput(stringInput("bad.csv", bad), "", 100, batch.JobLimit{})
	var ife *batch.InvalidFileError
	if !errors.As(err, &ife) || !errors.Is(err, job.ErrInvalidBatch) {
		t.Fatalf("err = %v, want *InvalidFileError", err)
	}
	if ife.Summary.Errors.Total != 2 || ife.Summary.Rows != 3 || ife.Summary.Errors.List[0].Line != 3 {
		t.Errorf("summary = %+v", ife.Summary)
	}
	// Two problems in one row are two errors, not two invalid rows.
	_, err = batch.ValidateInput(stringInput("two.csv", "client_orderid,amount,currency,account_number,ipaddress\nx,10.001,USD,1234567890,not-an-ip\n"), "", 100, batch.JobLimit{})
	if !errors.As(err, &ife) || ife.ErrorCount() != 2 || err.Error() != "batch: two.csv: 2 errors in 1 row, nothing enqueued" {
		t.Errorf("one row with two problems: %v", err)
	}
	// A file without rows enqueues nothing (pkg/job reports it as invalid; ErrEmptyBatch is the backstop).
	if _, err := batch.ValidateInput(stringInput("e.csv", "client_orderid,amount,currency,account_number\n"), "", 10, batch.JobLimit{}); !errors.Is(err, job.ErrInvalidBatch) && !errors.Is(err, batch.ErrEmptyBatch) {
		t.Errorf("empty file: %v", err)
	}
	for _, id := range []string{"a b", "x.y", strings.Repeat("z", 65), "ü", queue.Token("a b")} {
		if _, err := batch.ValidateInput(stringInput("f.csv", csvRows("o", 0, 1)), id, 10, batch.JobLimit{}); !errors.Is(err, batch.ErrInvalidBatchID) {
			t.Errorf("batch id %q: %v", id, err)
		}
	}
	// The derived id depends on content only.
	p1 := plan(t, stringInput("x.csv", csvRows("o", 0, 5)), "")
	p2 := plan(t, stringInput("y.csv", csvRows("o", 0, 5)), "")
	p3 := plan(t, stringInput("x.csv", csvRows("o", 0, 6)), "")
	if p1.BatchID != p2.BatchID || p1.BatchID == p3.BatchID {
		t.Errorf("derived ids %s %s %s", p1.BatchID, p2.BatchID, p3.BatchID)
	}
}

func TestNATSOutageMidPublish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 5000))
	p := plan(t, in, "b1")
	stopped := false
	en := e.enqueuer(t, batch.Options{Window: 2, Timeout: 500 * time.Millisecond, Progress: func(pr batch.Progress) {
		if pr.Rows >= 1000 && !stopped {
			stopped = true
			e.srv.Stop() // the outage: NATS goes away mid-publish
		}
	}})
	_, err := en.Enqueue(ctxTimeout(t, time.Minute), in, p)
	if !errors.Is(err, queue.ErrUnavailable) {
		t.Fatalf("err during outage = %v, want ErrUnavailable", err)
	}
	queuetest.Restart(t, e.srv)
	queuetest.WaitConnected(t, e.nc, 10*time.Second)
	if m := manifest(t, e, "b1"); m.State != batch.StatePublishing {
		t.Fatalf("state after outage = %s, want publishing", m.State)
	}
	r, err := e.enqueuer(t, batch.Options{}).Enqueue(ctxTimeout(t, time.Minute), in, p)
	if err != nil || !r.Resumed || r.Enqueued != 5000 {
		t.Fatalf("re-run after outage = %+v, %v", r, err)
	}
	assertExactlyOnce(t, e, "b1", 5000)
}
