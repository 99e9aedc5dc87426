package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/payrun/payrun/configs"
	"github.com/payrun/payrun/internal/testlog"
	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/job/jobtest"
	"github.com/payrun/payrun/pkg/job/schemas"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/submit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errCrash = errors.New("simulated crash between record and ack")

// Two batches are paid by a worker pool that is restarted mid-way; the consumer starts late,
// "crashes" once between recording a message and acknowledging it, and is started again. At the
// end its record holds exactly one entry per row and one summary per batch, every one valid
// against the published schema, and its counts agree with the summaries.
func TestConsumerSurvivesRestarts(t *testing.T) {
	srv, _, js := queuetest.Start(t)
	settings := queue.DefaultSettings()
	settings.AckWait = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h, err := queue.Provision(ctx, js, queue.DefaultNames(), settings)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t)

	// The worker pool starts first; the consumer only once results exist (deliver all).
	stopPool := runPool(t, js, gw)
	rows := map[string]int{"example-payroll": enqueue(t, js, h, "example-payroll", batch.Input{Name: "example-payroll.csv",
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(configs.ExamplePayroll)), nil }})}
	gen := jobtest.WriteBatch(t, t.TempDir(), "gen", 40)
	rows["gen"] = enqueue(t, js, h, "gen", batch.FileInput(gen))
	total := rows["example-payroll"] + rows["gen"]
	waitFor(t, 30*time.Second, "the first results", func() bool { return countResults(t, js) >= 5 })

	out := filepath.Join(t.TempDir(), "record.jsonl")
	opts := Options{NATSURL: srv.ClientURL(), Durable: "test-consumer", Out: out, AckWait: time.Second}
	var stdout1, stdout2 testlog.Buffer
	handled := 0
	first := startConsumer(t, opts, &stdout1, func(string) error {
		if handled++; handled == 12 {
			return errCrash
		}
		return nil
	})
	waitFor(t, 30*time.Second, "a third of the rows", func() bool { return countResults(t, js) >= total/3 })
	stopPool() // the worker restarts
	if err := first.wait(); !errors.Is(err, errCrash) {
		t.Fatalf("first consumer: %v, want the simulated crash", err)
	}
	stopPool = runPool(t, js, gw)
	defer stopPool()

	second := startConsumer(t, opts, &stdout2, nil)
	waitFor(t, 60*time.Second, "both summaries in the record", func() bool {
		n := 0
		for _, e := range readRecord(t, out) {
			if strings.HasPrefix(e.Key, "summary:") {
				n++
			}
		}
		return n == 2
	})
	second.stop()

	sch := jobtest.LoadSchemas(t)
	keys := map[string]int{}
	counts := map[string]map[job.Status]int{}
	var summaries []job.BatchSummary
	for _, e := range readRecord(t, out) {
		keys[e.Key]++
		switch {
		case strings.HasPrefix(e.Key, "result:"):
			if err := sch.Validate(schemas.Result, e.Message); err != nil {
				t.Error(err)
			}
			r, err := job.DecodeResult(e.Message)
			if err != nil {
				t.Fatal(err)
			}
			if r.Line < 2 {
				t.Errorf("%s: line %d", e.Key, r.Line)
			}
			if counts[r.BatchID] == nil {
				counts[r.BatchID] = map[job.Status]int{}
			}
			counts[r.BatchID][r.Status]++
		case strings.HasPrefix(e.Key, "summary:"):
			if err := sch.Validate(schemas.BatchSummary, e.Message); err != nil {
				t.Error(err)
			}
			s, err := job.DecodeBatchSummary(e.Message)
			if err != nil {
				t.Fatal(err)
			}
			summaries = append(summaries, s)
		case strings.HasPrefix(e.Key, "dead:"):
			if err := sch.Validate(schemas.DeadLetter, e.Message); err != nil {
				t.Error(err)
			}
		}
	}
	for k, n := range keys {
		if n != 1 {
			t.Errorf("%s recorded %d times", k, n)
		}
	}
	for _, s := range summaries {
		got := 0
		for st, n := range s.Counts {
			got += n
			if counts[s.BatchID][st] != n {
				t.Errorf("batch %s %s: consumer counted %d, summary says %d", s.BatchID, st, counts[s.BatchID][st], n)
			}
		}
		if got != rows[s.BatchID] || s.Rows != rows[s.BatchID] {
			t.Errorf("batch %s: summary counts %d rows %d, enqueued %d", s.BatchID, got, s.Rows, rows[s.BatchID])
		}
	}
	// The message recorded just before the crash came again and was skipped, not printed twice.
	printed := stdout1.String() + stdout2.String()
	if n := strings.Count(printed, "\nresult "); n+boolInt(strings.HasPrefix(printed, "result ")) != total {
		t.Errorf("printed %d result lines, want %d:\n%s", n, total, printed)
	}
	if !strings.Contains(second.stderr.String(), "already handled") {
		t.Errorf("the unacknowledged message was not redelivered and skipped; stderr:\n%s", second.stderr.String())
	}
	// The consumer has nothing pending: everything was acknowledged.
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := js.Consumer(ctx, "PAYOUT_RESULTS", "test-consumer")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := info.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ci.NumPending != 0 || ci.NumAckPending != 0 || ci.Config.DeliverPolicy != jetstream.DeliverAllPolicy || ci.Config.AckPolicy != jetstream.AckExplicitPolicy {
		t.Errorf("consumer: pending %d ack pending %d, config %+v", ci.NumPending, ci.NumAckPending, ci.Config)
	}
}

// A record cut short by a crash mid-write loses only the partial line; a garbled line is an error.
func TestRecordRecovers(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "r.jsonl")
	if err := os.WriteFile(path, []byte(`{"key":"result:b:1","subject":"s","stream_seq":1,"message":{}}`+"\n"+`{"key":"result:b:2","sub`), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := openRecord(path)
	if err != nil {
		t.Fatal(err)
	}
	if !r.seen["result:b:1"] || r.seen["result:b:2"] || len(r.seen) != 1 {
		t.Fatalf("seen %v", r.seen)
	}
	if err := r.add(entry{Key: "result:b:2", Subject: "s", StreamSeq: 2, Message: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	r.close()
	if got := readRecord(t, path); len(got) != 2 || got[1].Key != "result:b:2" {
		t.Fatalf("record after recovery %+v", got)
	}
	if err := os.WriteFile(path, []byte("not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openRecord(path); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("garbled record: %v", err)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	noenv := func(string) string { return "" }
	if err := run(context.Background(), []string{"--help"}, noenv, io.Discard, &stderr); err != nil || !strings.Contains(stderr.String(), "Exit codes") {
		t.Errorf("--help: %v\n%s", err, stderr.String())
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"--version"}, noenv, &stdout, io.Discard); err != nil || !strings.HasPrefix(stdout.String(), "payrun-example-consumer ") {
		t.Errorf("--version: %v %q", err, stdout.String())
	}
	for _, args := range [][]string{{"--out", ""}, {"extra"}, {"--bogus"}} {
		if err := run(context.Background(), args, noenv, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// startGateway serves the sandbox with a fresh key and returns a client for it.
func startGateway(t *testing.T) payout.Gateway {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, signer.MinKeyBits)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Options{PublicKey: &key.PublicKey, Login: "consumer-test", ProcessingPolls: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	sg, err := signer.New(key, "consumer-test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := submit.NewClient(submit.Options{BaseURL: sb.URL(), EndpointID: "1", Login: "consumer-test", Timeout: 500 * time.Millisecond,
		Backoff: submit.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, MaxElapsed: 200 * time.Millisecond}}, sg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return payout.SubmitGateway(c)
}

// runPool runs a worker pool with fast timings; stop ends it gracefully (a worker restart).
func runPool(t *testing.T, js jetstream.JetStream, gw payout.Gateway) (stop func()) {
	t.Helper()
	o := payout.DefaultOptions()
	o.Concurrency = 4
	o.CallTimeout, o.SettleDelay, o.ShutdownTimeout = 800*time.Millisecond, time.Second, 300*time.Millisecond
	o.BackoffInitial, o.BackoffMax = 20*time.Millisecond, 200*time.Millisecond
	o.Poll = payout.PollOptions{FastInterval: 20 * time.Millisecond, FastPhase: time.Second, SlowInterval: 100 * time.Millisecond, Horizon: 30 * time.Second}
	pool, err := payout.NewPool(o, payout.Deps{JS: js, Gateway: gw, Classify: payout.ClassifySubmitError, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pool.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("pool: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func enqueue(t *testing.T, js jetstream.JetStream, h *queue.Handles, id string, in batch.Input) int {
	t.Helper()
	plan, err := batch.ValidateInput(in, id, 10, batch.JobLimit{})
	if err != nil {
		t.Fatal(err)
	}
	enq, err := batch.New(js, h, batch.Options{Names: queue.DefaultNames()})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := enq.Enqueue(context.Background(), in, plan)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Enqueued
}

// countResults is how many results the stream holds.
func countResults(t *testing.T, js jetstream.JetStream) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "PAYOUT_RESULTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("payouts.results.>"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

type runningConsumer struct {
	cancel context.CancelFunc
	done   chan error
	stderr *testlog.Buffer
}

func startConsumer(t *testing.T, o Options, stdout io.Writer, beforeAck func(string) error) *runningConsumer {
	t.Helper()
	rc := &runningConsumer{done: make(chan error, 1), stderr: &testlog.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	rc.cancel = cancel
	c, err := Open(ctx, o, stdout, rc.stderr)
	if err != nil {
		t.Fatal(err)
	}
	c.beforeAck = beforeAck
	go func() {
		defer c.Close()
		rc.done <- c.Run(ctx)
	}()
	t.Cleanup(rc.stop)
	return rc
}

func (rc *runningConsumer) wait() error { err := <-rc.done; rc.done <- err; return err }
func (rc *runningConsumer) stop()       { rc.cancel(); rc.wait() }

func readRecord(t *testing.T, path string) []entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	var out []entry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // a line being written right now
		}
		out = append(out, e)
	}
	return out
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
