package batch_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

func TestWaitFollowsResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 4))
	p := plan(t, in, "b1")
	if _, err := e.enqueuer(t, batch.Options{}).Enqueue(context.Background(), in, p); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	publishResult(t, e, job.Result{BatchID: "b1", ClientOrderID: "o-0", Status: job.StatusApproved, Amount: "10.00", Currency: "USD", PaynetOrderID: "901", Attempts: 1, FinishedAt: now, Destination: "account ******7800"})
	publishResult(t, e, job.Result{BatchID: "b1", ClientOrderID: "o-1", Status: job.StatusDeclined, Amount: "5", Currency: "JPY", ErrorCode: "-1", ErrorMessage: "=HYPERLINK(\"x\")", Attempts: 1, FinishedAt: now})
	// A result for another batch and a re-published duplicate are ignored.
	publishResult(t, e, job.Result{BatchID: "other", ClientOrderID: "o-2", Status: job.StatusApproved, Amount: "1.00", Currency: "USD"})

	var got []job.Result // OnResult runs on Wait's goroutine, read after done
	done := make(chan struct{})
	var res batch.WaitResult
	var werr error
	go func() {
		defer close(done)
		res, werr = batch.Wait(ctxTimeout(t, 30*time.Second), e.js, e.h.Batches, "b1", batch.WaitOptions{OnResult: func(r job.Result) { got = append(got, r) }})
	}()
	// The rest arrives while Wait follows (a duplicate without msg id included).
	dup, _ := json.Marshal(job.Result{Version: 1, BatchID: "b1", ClientOrderID: "o-0", Status: job.StatusApproved, Amount: "10.00", Currency: "USD"})
	if err := e.nc.Publish(queue.DefaultNames().ResultSubject("b1"), dup); err != nil {
		t.Fatal(err)
	}
	publishResult(t, e, job.Result{BatchID: "b1", ClientOrderID: "o-2", Status: job.StatusApproved, Amount: "10.00", Currency: "USD", Attempts: 2, FinishedAt: now})
	publishResult(t, e, job.Result{BatchID: "b1", ClientOrderID: "o-3", Status: job.StatusUnresolved, Amount: "5", Currency: "JPY", ErrorMessage: "+status unknown", Attempts: 40})
	<-done
	if werr != nil {
		t.Fatal(werr)
	}
	if res.Expected != 4 || res.Results != 4 || res.Counts[job.StatusApproved] != 2 || res.Counts[job.StatusDeclined] != 1 || res.AllApproved() {
		t.Errorf("result = %+v", res)
	}
	if got := res.Totals[job.StatusApproved]["USD"].String(); got != "20.00" {
		t.Errorf("approved USD = %s", got)
	}
	byID := map[string]job.Result{}
	for _, r := range got {
		if _, dup := byID[r.ClientOrderID]; dup {
			t.Errorf("OnResult called twice for %s", r.ClientOrderID)
		}
		byID[r.ClientOrderID] = r
	}
	if len(byID) != 4 || byID["o-1"].Status != job.StatusDeclined || byID["o-3"].Attempts != 40 || byID["o-0"].PaynetOrderID != "901" {
		t.Errorf("results passed to OnResult = %+v", got)
	}
}

func TestWaitTimeoutAndStates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 2))
	p := plan(t, in, "b1")
	if _, err := e.enqueuer(t, batch.Options{}).Enqueue(context.Background(), in, p); err != nil {
		t.Fatal(err)
	}
	publishResult(t, e, job.Result{BatchID: "b1", ClientOrderID: "o-0", Status: job.StatusApproved, Amount: "10.00", Currency: "USD"})
	res, err := batch.Wait(context.Background(), e.js, e.h.Batches, "b1", batch.WaitOptions{Timeout: 300 * time.Millisecond})
	if !errors.Is(err, batch.ErrWaitTimeout) || res.Results != 1 || res.Expected != 2 {
		t.Errorf("Wait = %+v, %v; want timeout with 1 of 2", res, err)
	}
	if _, err := batch.Wait(context.Background(), e.js, e.h.Batches, "nope", batch.WaitOptions{}); !errors.Is(err, batch.ErrUnknownBatch) {
		t.Errorf("unknown batch: %v", err)
	}
	// A batch whose publishing was interrupted cannot be waited for yet.
	in2 := stringInput("p2.csv", csvRows("x", 0, 300))
	fp := &failingPublisher{real: batch.ConnPublisher{NC: e.nc}, n: 1}
	if _, err := e.enqueuer(t, batch.Options{Publisher: fp, Window: 1}).Enqueue(context.Background(), in2, plan(t, in2, "b2")); err == nil {
		t.Fatal("expected the injected failure")
	}
	if _, err := batch.Wait(context.Background(), e.js, e.h.Batches, "b2", batch.WaitOptions{}); !errors.Is(err, batch.ErrNotEnqueued) {
		t.Errorf("publishing batch: %v", err)
	}
	// The summary event is picked up when it is in the stream.
	s := job.NewBatchSummary("b1", 2)
	data, _ := json.Marshal(s)
	if err := e.nc.PublishMsg(&nats.Msg{Subject: queue.DefaultNames().SummarySubject("b1"), Data: data}); err != nil {
		t.Fatal(err)
	}
	publishResult(t, e, job.Result{BatchID: "b1", ClientOrderID: "o-1", Status: job.StatusApproved, Amount: "5", Currency: "JPY"})
	res, err = batch.Wait(ctxTimeout(t, 30*time.Second), e.js, e.h.Batches, "b1", batch.WaitOptions{})
	if err != nil || !res.AllApproved() || res.Summary == nil || res.Summary.BatchID != "b1" {
		t.Errorf("Wait = %+v, %v", res, err)
	}
}

func TestEscapeCell(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-5": "'-5", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"plain": "plain", "": "", "10.00": "10.00", "a=b": "a=b",
		// Also NUL and LF (OWASP ASVS 1.2.10 lists NUL), a trigger behind leading spaces (spreadsheets
		// that trim spaces on import), and the full-width forms some spreadsheets accept as formulas.
		"\x00=1": "'\x00=1", "\n=1": "'\n=1", "  =1+1": "'  =1+1", " -5": "' -5", "＝1+1": "'＝1+1",
		"＋1": "'＋1", "－1": "'－1", "＠SUM(A1)": "'＠SUM(A1)", " plain": " plain", "x ": "x ",
		// A cell that starts with the escape character itself is escaped too, so "=1+1" and
		// "'=1+1" stay distinct in the report (issue 16).
		"'=1+1": "''=1+1", "'plain": "''plain", " 'x": "' 'x",
	}
	for in, want := range tests {
		if got := batch.EscapeCell(in); got != want {
			t.Errorf("EscapeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEscapeCell(f *testing.F) {
	for _, s := range []string{"", "=1", "+", "-5", "@x", "\tx", "plain", "'=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := batch.EscapeCell(s)
		if rest := strings.TrimLeft(got, " "); rest != "" && strings.ContainsRune("=+-@\t\r\n\x00＝＋－＠", []rune(rest)[0]) {
			t.Fatalf("EscapeCell(%q) = %q still starts with a formula character", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("EscapeCell(%q) = %q changed more than a prefix", s, got)
		}
		// Reversible: a reader drops one leading "'" and has the value back, so two values
		// never escape alike.
		if back := strings.TrimPrefix(got, "'"); back != s && got != s {
			t.Fatalf("EscapeCell(%q) = %q does not unescape", s, got)
		} else if got == s && strings.HasPrefix(s, "'") {
			t.Fatalf("EscapeCell(%q) left a leading quote: unescaping would drop it", s)
		}
	})
}

// A completed batch whose results are no longer all in the stream (older than the results' max
// age, or deleted) must end Wait with an error, not block forever (the default has no timeout).
func TestWaitCompletedBatchWithMissingResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := stringInput("pay.csv", csvRows("o", 0, 3))
	p := plan(t, in, "b1")
	if _, err := e.enqueuer(t, batch.Options{}).Enqueue(context.Background(), in, p); err != nil {
		t.Fatal(err)
	}
	m := manifest(t, e, "b1")
	m.State = batch.StateCompleted
	data, _ := json.Marshal(m)
	if _, err := e.h.Batches.Put(context.Background(), "b1", data); err != nil {
		t.Fatal(err)
	}
	// No result left at all, then two of three (one of them twice).
	_, err := batch.Wait(ctxTimeout(t, 10*time.Second), e.js, e.h.Batches, "b1", batch.WaitOptions{})
	if !errors.Is(err, batch.ErrResultsMissing) {
		t.Fatalf("no results: Wait = %v, want ErrResultsMissing", err)
	}
	for _, id := range []string{"o-0", "o-1", "o-1"} {
		dup, _ := json.Marshal(job.Result{Version: job.ResultVersion, BatchID: "b1", ClientOrderID: id, Status: job.StatusApproved, Amount: "1.00", Currency: "USD"})
		if err := e.nc.Publish(queue.DefaultNames().ResultSubject("b1"), dup); err != nil {
			t.Fatal(err)
		}
	}
	res, err := batch.Wait(ctxTimeout(t, 10*time.Second), e.js, e.h.Batches, "b1", batch.WaitOptions{})
	if !errors.Is(err, batch.ErrResultsMissing) || res.Results != 2 || res.Expected != 3 {
		t.Fatalf("two of three: Wait = %+v, %v, want ErrResultsMissing with 2 of 3", res, err)
	}
}

// After `enqueue --retry` (the manifest's summary generation is 1), --wait follows the put-back
// rows' new results: a result of a higher generation supersedes the row's earlier one in the
// counts and totals, and the wait ends with the summary of generation 1, not at the first result
// of every row.
//
// Protects I2 (the result a row ends with is the one reported).
func TestWaitFollowsSummaryGenerations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const id = "wg"
	in := stringInput("wg.csv", "client_orderid,amount,currency,account_number\nwg-0,10.00,USD,1234567800\nwg-1,5.00,USD,1234567801\n")
	if _, err := e.enqueuer(t, batch.Options{}).Enqueue(context.Background(), in, plan(t, in, id)); err != nil {
		t.Fatal(err)
	}
	publishResult(t, e, job.Result{BatchID: id, ClientOrderID: "wg-0", Status: job.StatusApproved, Amount: "10.00", Currency: "USD"})
	publishResult(t, e, job.Result{BatchID: id, ClientOrderID: "wg-1", Status: job.StatusError, Amount: "5.00", Currency: "USD", ErrorCode: "DEAD_LETTER"})
	publishSummary := func(gen int) {
		t.Helper()
		s := job.NewBatchSummary(id, 2)
		s.Generation = gen
		b, _ := json.Marshal(s)
		n := queue.DefaultNames()
		if _, err := e.js.Publish(context.Background(), n.SummarySubject(id), b, jetstream.WithMsgID(n.GenerationMsgID(n.SummaryMsgID(id), gen))); err != nil {
			t.Fatal(err)
		}
	}
	publishSummary(0)
	kve, err := e.h.Batches.Get(context.Background(), queue.Token(id))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(kve.Value(), &m)
	m["state"], m["summary_generation"], m["retry_base"], m["retry_rows"] = "retrying", 1, 2, 1
	b, _ := json.Marshal(m)
	if _, err := e.h.Batches.Update(context.Background(), queue.Token(id), b, kve.Revision()); err != nil {
		t.Fatal(err)
	}
	publishResult(t, e, job.Result{BatchID: id, ClientOrderID: "wg-1", Status: job.StatusApproved, Amount: "5.00", Currency: "USD", Generation: 1})
	publishSummary(1)
	got := map[string]job.Result{}
	res, err := batch.Wait(ctxTimeout(t, 30*time.Second), e.js, e.h.Batches, id, batch.WaitOptions{OnResult: func(r job.Result) { got[r.ClientOrderID] = r }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Results != 2 || res.Counts[job.StatusApproved] != 2 || len(res.Counts) != 1 || res.Totals[job.StatusApproved]["USD"].String() != "15.00" {
		t.Fatalf("wait %+v, want two approved rows (USD 15.00), the error superseded", res)
	}
	if res.Summary == nil || res.Summary.Generation != 1 || got["wg-1"].Generation != 1 {
		t.Fatalf("summary %+v, wg-1 %+v: want generation 1 for both", res.Summary, got["wg-1"])
	}
}

// With Summary, Wait returns only once the workers' batch summary is in, also when every row
// already has a result; without it, it returns at the last result.
func TestWaitForSummary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const id = "ws"
	in := stringInput("ws.csv", csvRows("ws", 0, 1))
	if _, err := e.enqueuer(t, batch.Options{}).Enqueue(context.Background(), in, plan(t, in, id)); err != nil {
		t.Fatal(err)
	}
	publishResult(t, e, job.Result{BatchID: id, ClientOrderID: "ws-0", Status: job.StatusApproved, Amount: "10.00", Currency: "USD"})
	if res, err := batch.Wait(ctxTimeout(t, 30*time.Second), e.js, e.h.Batches, id, batch.WaitOptions{}); err != nil || res.Results != 1 || res.Summary != nil {
		t.Fatalf("without Summary: %+v, %v; want the one result and no summary", res, err)
	}
	res, err := batch.Wait(context.Background(), e.js, e.h.Batches, id, batch.WaitOptions{Summary: true, Timeout: 300 * time.Millisecond})
	if !errors.Is(err, batch.ErrWaitTimeout) || res.Results != 1 {
		t.Fatalf("Summary before the summary is published: %+v, %v; want a timeout with the one result", res, err)
	}
	b, _ := json.Marshal(job.NewBatchSummary(id, 1))
	if err := e.nc.PublishMsg(&nats.Msg{Subject: queue.DefaultNames().SummarySubject(id), Data: b}); err != nil {
		t.Fatal(err)
	}
	res, err = batch.Wait(ctxTimeout(t, 30*time.Second), e.js, e.h.Batches, id, batch.WaitOptions{Summary: true})
	if err != nil || res.Summary == nil || res.Summary.BatchID != id {
		t.Fatalf("Summary after the summary is published: %+v, %v", res, err)
	}
}
