package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// enqueueCLI enqueues a batch as the enqueue command does (pkg/batch), outside the console.
func (e *env) enqueueCLI(id, content string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in := batch.Input{Name: "cron.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
	en, err := batch.New(e.js, e.handles, batch.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := batch.ValidateInput(in, id, 10, batch.JobLimit{})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := en.Enqueue(ctx, in, p); err != nil {
		e.t.Fatal(err)
	}
}

// publishResult publishes a row's result as a worker does (a put-back row's with its
// generation's message id).
func (e *env) publishResult(r job.Result) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.Version = 1
	data, _ := json.Marshal(r)
	msg := &nats.Msg{Subject: queue.DefaultNames().ResultSubject(r.BatchID), Data: data, Header: nats.Header{}}
	n := queue.DefaultNames()
	if _, err := e.js.PublishMsg(ctx, msg, jetstream.WithMsgID(n.GenerationMsgID(n.ResultMsgID(r.BatchID, r.ClientOrderID), r.Generation))); err != nil {
		e.t.Fatal(err)
	}
}

// A batch enqueued from the command line shows in the list and on its page; results appear on
// the live part as they arrive, and the report has the rows (the same formats as --report).
func TestBatchFromCLIListLiveAndReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.enqueueCLI("cron-2026-12", "client_orderid,amount,currency,account_number\ncron-1,10.00,USD,1234567890\ncron-2,5,JPY,0987654321\n")
	v := e.login("viewer")
	st, body := v.get("/")
	if st != http.StatusOK || !strings.Contains(body, `href="/batches/cron-2026-12"`) || !strings.Contains(body, "JPY 5, USD 10.00") {
		t.Fatalf("list: %d: %s", st, body)
	}
	_, live := v.get("/batches/cron-2026-12/live")
	if !strings.Contains(live, "0 of 2 rows") || strings.Contains(live, `id="done"`) {
		t.Errorf("live before results: %s", live)
	}
	e.publishResult(job.Result{BatchID: "cron-2026-12", ClientOrderID: "cron-1", Status: job.StatusApproved, Amount: "10.00", Currency: "USD", Destination: "account ******7890", PaynetOrderID: "77"})
	_, live = v.get("/batches/cron-2026-12/live")
	for _, want := range []string{"1 of 2 rows", "<td>cron-1</td>", "approved", "account ******7890", "USD 10.00"} {
		if !strings.Contains(live, want) {
			t.Errorf("live after one result lacks %q: %s", want, live)
		}
	}
	e.publishResult(job.Result{BatchID: "cron-2026-12", ClientOrderID: "cron-2", Status: job.StatusDeclined, Amount: "5", Currency: "JPY", Destination: "account ******4321", ErrorCode: "DECLINED", ErrorMessage: "no"})
	_, body = v.get("/")
	if !strings.Contains(body, `value="2"`) {
		t.Errorf("list progress lacks 2 results: %s", body)
	}
	for _, tc := range []struct{ query, want string }{
		{"format=csv", "client_orderid,status,paynet_order_id"},
		{"format=excel", "\ufeffclient_orderid"},
		{"format=excel&delimiter=%3B", "\ufeffclient_orderid;status"},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.web.URL+"/batches/cron-2026-12/report?"+tc.query, nil)
		st, rep := v.do(req)
		if st != http.StatusOK || !strings.HasPrefix(rep, tc.want) || !strings.Contains(rep, "cron-1") || !strings.Contains(rep, "DECLINED") {
			t.Errorf("report %s: %d: %q", tc.query, st, rep)
		}
	}
	if st, _ := v.get("/batches/cron-2026-12/report?format=pdf"); st != http.StatusBadRequest {
		t.Errorf("report format pdf: %d, want 400", st)
	}
	if st, _ := v.get("/batches/nope/report"); st != http.StatusNotFound {
		t.Errorf("report of an unknown batch: %d, want 404", st)
	}
	if st, _ := v.get("/batches/nope"); st != http.StatusNotFound {
		t.Errorf("unknown batch: %d, want 404", st)
	}
	// Retry is for operators, and only once the batch is completed.
	if st, _ := v.upload("/batches/cron-2026-12/retry", "f.csv", []byte("x"), false); st != http.StatusForbidden {
		t.Errorf("viewer retry: %d, want 403", st)
	}
	op := e.login("op")
	if st, body := op.upload("/batches/cron-2026-12/retry", "f.csv", []byte("client_orderid,amount,currency,account_number\ncron-1,10.00,USD,1234567890\n"), false); st != http.StatusConflict || !strings.Contains(body, "still running") {
		t.Errorf("retry of a running batch: %d: %s", st, body)
	}
}

// Operators pause and resume the pool with a reason; nobody else can.
func TestPauseResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctl, err := ratelimit.OpenControl(ctx, e.js, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"viewer", "sub", "appr"} {
		if st, _ := e.login(u).post("/pool/pause", url.Values{"reason": {"x"}}); st != http.StatusForbidden {
			t.Errorf("%s pauses: %d, want 403", u, st)
		}
	}
	op := e.login("op")
	if st, _ := op.post("/pool/pause", url.Values{"reason": {""}}); st != http.StatusBadRequest {
		t.Errorf("pause without a reason: %d, want 400", st)
	}
	if st, _ := op.post("/pool/pause", url.Values{"reason": {"gateway maintenance"}, "csrf": {""}}); st != http.StatusForbidden {
		t.Errorf("pause without CSRF: %d, want 403", st)
	}
	if s, _ := ctl.Status(ctx); s.Paused {
		t.Fatal("paused by a refused request")
	}
	if st, _ := op.post("/pool/pause", url.Values{"reason": {"gateway maintenance"}}); st != http.StatusSeeOther {
		t.Fatalf("pause: %d", st)
	}
	s, err := ctl.Status(ctx)
	if err != nil || !s.Paused || !strings.Contains(s.PauseReason, "gateway maintenance") || !strings.Contains(s.PauseReason, "op") {
		t.Fatalf("status after pause: %+v, %v", s, err)
	}
	if _, body := op.get("/"); !strings.Contains(body, "Paused") || !strings.Contains(body, "gateway maintenance") {
		t.Errorf("list does not show the pause")
	}
	if st, _ := op.post("/pool/resume", url.Values{"reason": {"done"}}); st != http.StatusSeeOther {
		t.Fatalf("resume: %d", st)
	}
	if s, _ := ctl.Status(ctx); s.Paused {
		t.Error("still paused after resume")
	}
	if a := e.audit.String(); !strings.Contains(a, `"audit":"pause"`) || !strings.Contains(a, `"audit":"resume"`) {
		t.Errorf("audit lacks pause/resume: %s", a)
	}
}

// Reading a batch's results leaves no consumer behind on the results stream.
func TestLiveLeavesNoConsumers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.enqueueCLI("cli-2", "client_orderid,amount,currency,account_number\ncli-2,1.00,USD,1234567890\n")
	e.publishResult(job.Result{BatchID: "cli-2", ClientOrderID: "cli-2", Status: job.StatusApproved, Amount: "1.00", Currency: "USD", Destination: "account ******7890"})
	v := e.login("viewer")
	for range 3 {
		if _, body := v.get("/batches/cli-2/live"); !strings.Contains(body, "1 of 1 rows") {
			t.Fatalf("live: %s", body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := e.handles.Results.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Consumers != 0 {
		t.Errorf("%d consumers left on the results stream", info.State.Consumers)
	}
}

// On a completed batch, retry lists every row of the file with the reason it is or is not put
// back (here none was proven unsent: no ledger entry says so).
func TestRetryListsRefusedRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const file = "client_orderid,amount,currency,account_number\ncli-3,1.00,USD,1234567890\n"
	e.enqueueCLI("cli-3", file)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	entry, err := e.handles.Batches.Get(ctx, "cli-3")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(entry.Value(), &m); err != nil {
		t.Fatal(err)
	}
	m["state"] = string(batch.StateCompleted) // as the worker marks it once every row has its result
	data, _ := json.Marshal(m)
	if _, err := e.handles.Batches.Update(ctx, "cli-3", data, entry.Revision()); err != nil {
		t.Fatal(err)
	}
	st, body := e.login("op").upload("/batches/cli-3/retry", "cli-3.csv", []byte(file), false)
	if st != http.StatusOK || !strings.Contains(body, "0 rows put back, 1 not") || !strings.Contains(body, "<td>cli-3</td>") {
		t.Errorf("retry: %d: %s", st, body)
	}
	if !strings.Contains(e.audit.String(), `"audit":"retry"`) {
		t.Errorf("audit lacks the retry")
	}
}

// A manifest of a version this console does not know is refused as pkg/batch refuses it: the
// list leaves it out; its batch page, its report and an upload of its file say so (and change
// nothing) instead of blaming NATS.
func TestUnknownManifestVersionRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.enqueueCLI("known-1", "client_orderid,amount,currency,account_number\nk-1,10.00,USD,1234567890\n")
	const newerFile = "client_orderid,amount,currency,account_number\nn-1,10.00,USD,1234567890\n"
	e.enqueueCLI("", newerFile) // the id is derived from the content, as an upload's is
	sum := sha256.Sum256([]byte(newerFile))
	newer := "b-" + hex.EncodeToString(sum[:])[:20]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	entry, err := e.handles.Batches.Get(ctx, queue.Token(newer))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(entry.Value(), &m); err != nil {
		t.Fatal(err)
	}
	m["version"] = batch.ManifestVersion + 1
	data, _ := json.Marshal(m)
	if _, err := e.handles.Batches.Put(ctx, queue.Token(newer), data); err != nil {
		t.Fatal(err)
	}
	if _, err := batch.DecodeManifest(data); !errors.Is(err, job.ErrUnknownVersion) {
		t.Fatalf("pkg/batch: %v, want job.ErrUnknownVersion", err)
	}

	v := e.login("viewer")
	if st, body := v.get("/"); st != http.StatusOK || !strings.Contains(body, `href="/batches/known-1"`) || strings.Contains(body, newer) {
		t.Errorf("list: %d, want known-1 and not %s: %s", st, newer, body)
	}
	for _, path := range []string{"/batches/" + newer, "/batches/" + newer + "/report?format=csv"} {
		st, body := v.get(path)
		if st != http.StatusInternalServerError || !strings.Contains(body, "version 2") || strings.Contains(body, "NATS") {
			t.Errorf("%s: %d, want 500 naming manifest version 2: %s", path, st, body)
		}
	}
	if st, body := e.login("sub").upload("/upload", "again.csv", []byte(newerFile), false); st != http.StatusInternalServerError || !strings.Contains(body, "version 2") {
		t.Errorf("upload of its file: %d, want 500 naming manifest version 2: %s", st, body)
	}
	if _, body := v.get("/"); strings.Contains(body, newer) {
		t.Errorf("the refused upload was kept: %s", body)
	}
	if n := strings.Count(e.audit.String(), `"outcome":"unknown manifest version"`); n != 3 {
		t.Errorf("audit log has %d refusals, want 3: %s", n, e.audit.String())
	}
}
