package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/console"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/seal"
)

// The approval cannot be bypassed: every forged or misplaced request on every state-changing
// route leaves the jobs stream empty and the batch checked; only a second user's approval
// enqueues it.
func TestApprovalCannotBeBypassed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	sub := e.login("sub")
	id := e.uploadValid(sub)
	anon := e.browser()
	for _, tc := range []struct {
		name string
		b    *browser
		path string
		form url.Values
		want int
	}{
		{"uploader approves own batch", sub, "/batches/" + id + "/approve", nil, http.StatusForbidden},
		{"submitter releases with approvals on", sub, "/batches/" + id + "/release", nil, http.StatusForbidden},
		{"another submitter approves", e.login("sub2"), "/batches/" + id + "/approve", nil, http.StatusForbidden},
		{"viewer approves", e.login("viewer"), "/batches/" + id + "/approve", nil, http.StatusForbidden},
		{"operator approves", e.login("op"), "/batches/" + id + "/approve", nil, http.StatusForbidden},
		{"approver without CSRF token", e.login("appr"), "/batches/" + id + "/approve", url.Values{"csrf": {""}}, http.StatusForbidden},
		{"approver with a forged CSRF token", e.login("appr"), "/batches/" + id + "/approve", url.Values{"csrf": {"eA.eA"}}, http.StatusForbidden},
		{"not signed in", anon, "/batches/" + id + "/approve", nil, http.StatusUnauthorized},
		{"enqueue of a checked batch", e.login("appr"), "/batches/" + id + "/enqueue", nil, http.StatusConflict},
		{"operator enqueues", e.login("op"), "/batches/" + id + "/enqueue", nil, http.StatusForbidden},
	} {
		st, body := tc.b.post(tc.path, tc.form)
		if st != tc.want {
			t.Errorf("%s: status %d, want %d: %s", tc.name, st, tc.want, body)
		}
		if n := e.jobsStored(); n != 0 {
			t.Fatalf("%s: the jobs stream holds %d messages before approval", tc.name, n)
		}
	}
	// GET never changes anything.
	if st, _ := e.login("appr").get("/batches/" + id + "/approve"); st != http.StatusMethodNotAllowed {
		t.Errorf("GET approve: %d, want 405", st)
	}
	// A user holding both roles still cannot approve their own upload.
	both := e.login("both")
	own := e.uploadOther(both)
	if st, body := both.post("/batches/"+own+"/approve", nil); st != http.StatusForbidden {
		t.Errorf("uploader with the approver role approving own upload: %d: %s", st, body)
	}
	if n := e.jobsStored(); n != 0 {
		t.Fatalf("the jobs stream holds %d messages before approval", n)
	}

	// The second user approves: enqueued, the record says who and when, the file is gone.
	appr := e.login("appr")
	if st, body := appr.post("/batches/"+id+"/approve", nil); st != http.StatusSeeOther {
		t.Fatalf("approve: %d: %s", st, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, _, err := batch.ReadManifest(ctx, e.handles.Batches, id)
	if err != nil || m.State != batch.StateEnqueued || m.Enqueued != 3 {
		t.Fatalf("manifest after approval: %+v, %v", m, err)
	}
	up := e.record(id)
	if up.State != console.StateEnqueued || up.ApprovedBy != "appr" || !up.FourEyes || up.UploadedBy != "sub" || up.SHA256 != m.SHA256 || up.ApprovedAt.IsZero() {
		t.Errorf("record after approval: %+v", up)
	}
	if e.fileKept(id) {
		t.Error("the batch file is still kept after enqueue")
	}
	// Approving twice does nothing more.
	if st, _ := appr.post("/batches/"+id+"/approve", nil); st != http.StatusConflict {
		t.Errorf("second approval: %d, want 409", st)
	}
	if !strings.Contains(e.audit.String(), `"audit":"approve","remote"`) || !strings.Contains(e.audit.String(), `"user":"appr"`) {
		t.Errorf("audit log lacks the approval: %s", e.audit)
	}
}

// A rejection records who and why, deletes the file, and the batch can no longer be approved.
func TestReject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.uploadValid(e.login("sub"))
	appr := e.login("appr")
	if st, _ := appr.post("/batches/"+id+"/reject", url.Values{"reason": {"  "}}); st != http.StatusBadRequest {
		t.Errorf("reject without a reason: %d, want 400", st)
	}
	if st, _ := e.login("sub2").post("/batches/"+id+"/reject", url.Values{"reason": {"no"}}); st != http.StatusForbidden {
		t.Errorf("another submitter rejects: %d, want 403", st)
	}
	if st, body := appr.post("/batches/"+id+"/reject", url.Values{"reason": {"wrong month"}}); st != http.StatusSeeOther {
		t.Fatalf("reject: %d: %s", st, body)
	}
	up := e.record(id)
	if up.State != console.StateRejected || up.RejectedBy != "appr" || up.RejectReason != "wrong month" {
		t.Errorf("record: %+v", up)
	}
	if e.fileKept(id) {
		t.Error("the rejected file is still kept")
	}
	if st, _ := appr.post("/batches/"+id+"/approve", nil); st != http.StatusConflict {
		t.Errorf("approve after reject: %d, want 409", st)
	}
	if n := e.jobsStored(); n != 0 {
		t.Errorf("jobs stream holds %d messages", n)
	}
	_, body := appr.get("/batches/" + id)
	if !strings.Contains(body, "by appr") || !strings.Contains(body, "wrong month") {
		t.Errorf("batch page lacks the rejection")
	}
	// A rejected file may be uploaded again.
	if id2 := e.uploadValid(e.login("sub")); id2 != id || e.record(id).State != console.StateChecked {
		t.Errorf("re-upload after rejection: %s, %+v", id2, e.record(id))
	}
}

// With approvals off the uploader releases the batch; nobody else does.
func TestApprovalsOffUploaderReleases(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *console.Options) { o.Approvals = false })
	sub := e.login("sub")
	id := e.uploadValid(sub)
	if st, _ := e.login("sub2").post("/batches/"+id+"/release", nil); st != http.StatusForbidden {
		t.Errorf("another submitter releases: %d, want 403", st)
	}
	if n := e.jobsStored(); n != 0 {
		t.Fatalf("jobs stream holds %d messages", n)
	}
	if st, body := sub.post("/batches/"+id+"/release", nil); st != http.StatusSeeOther {
		t.Fatalf("release: %d: %s", st, body)
	}
	if up := e.record(id); up.State != console.StateEnqueued || up.ApprovedBy != "sub" || up.FourEyes {
		t.Errorf("record: %+v", up)
	}
}

// An approval while NATS is down leaves the batch approved; "enqueue again" finishes it.
func TestEnqueueAgainAfterOutage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.uploadValid(e.login("sub"))
	appr := e.login("appr")
	// The jobs stream refuses publishing: the approval is recorded, the enqueue fails.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.js.DeleteStream(ctx, queue.DefaultNames().JobStream); err != nil {
		t.Fatal(err)
	}
	if st, body := appr.post("/batches/"+id+"/approve", nil); st != http.StatusServiceUnavailable || !strings.Contains(body, "Enqueue again") {
		t.Fatalf("approve with no jobs stream: %d: %s", st, body)
	}
	if up := e.record(id); up.State != console.StateApproved || up.LastError == "" {
		t.Fatalf("record: %+v", up)
	}
	e.handles = provision(t, e.js)
	if st, body := appr.post("/batches/"+id+"/enqueue", nil); st != http.StatusSeeOther {
		t.Fatalf("enqueue again: %d: %s", st, body)
	}
	if up := e.record(id); up.State != console.StateEnqueued || up.Enqueued != 3 {
		t.Errorf("record: %+v", up)
	}
}

func provision(t *testing.T, js jetstream.JetStream) *queue.Handles {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := queue.Provision(ctx, js, queue.DefaultNames(), queue.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// record reads a batch's upload record from the console's bucket.
func (e *env) record(id string) console.Upload {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	up, err := console.ReadUpload(ctx, e.js, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return up
}

// fileKept reports whether the console's object store still holds the batch's file.
func (e *env) fileKept(id string) bool {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	obj, err := e.js.ObjectStore(ctx, console.DefaultFilesBucket)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = obj.GetInfo(ctx, queue.Token(id))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return true
}

// uploadOther uploads a second valid file (other client_orderids) and returns its batch id.
func (e *env) uploadOther(b *browser) string {
	e.t.Helper()
	data := []byte("client_orderid,amount,currency,account_number\nother-0001,1.00,USD,1234567890\n")
	if st, body := b.upload("/upload", "other.csv", data, false); st != http.StatusSeeOther {
		e.t.Fatalf("upload: %d: %s", st, body)
	}
	return batchIDOf(e.t, b.lastLocation)
}

// With a data key the waiting file is sealed in the object store and the jobs' account numbers
// are sealed in the stream; the batch is still checked, approved and enqueued as without.
func TestDataKeySealsFileAndJobs(t *testing.T) {
	t.Parallel()
	keys, err := seal.Ephemeral("console-test")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *console.Options) { o.Keys = keys })
	id := e.uploadValid(e.login("sub"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	obj, err := e.js.ObjectStore(ctx, console.DefaultFilesBucket)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := obj.GetBytes(ctx, queue.Token(id))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), "1234567890") || strings.Contains(string(stored), "console-0001") {
		t.Fatalf("the waiting file is stored in clear: %q", stored)
	}
	if _, body := e.login("appr").get("/batches/" + id); !strings.Contains(body, "account ******7890") {
		t.Errorf("the check of the sealed file does not show its rows")
	}
	if st, body := e.login("appr").post("/batches/"+id+"/approve", nil); st != http.StatusSeeOther {
		t.Fatalf("approve: %d: %s", st, body)
	}
	if up := e.record(id); up.State != console.StateEnqueued || up.Enqueued != 3 {
		t.Fatalf("record: %+v", up)
	}
	stream, err := e.js.Stream(ctx, queue.DefaultNames().JobStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if err != nil {
			continue // a purged commit marker
		}
		n++
		if strings.Contains(string(m.Data), "1234567890") || strings.Contains(string(m.Data), "0987654321") {
			t.Errorf("a job holds an account number in clear: %s", m.Data)
		}
	}
	if n == 0 {
		t.Error("no jobs in the stream")
	}
}
