package console_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/console"
)

// A file with errors gets the table of errors (line, column, key, problem, suggestion) and
// nothing is stored or enqueued.
func TestUploadInvalidFileShowsErrorsAndStoresNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.login("sub")
	st, body := b.upload("/upload", "invalid.csv", readFile(t, "invalid.csv"), false)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", st, body)
	}
	for _, want := range []string{
		`id="errors"`,
		"<td>1</td><td>16</td><td>amout</td><td>unknown column &#34;amout&#34;</td><td>&#34;amount&#34;</td>", // header typo, with its suggestion
		"Nothing was stored or enqueued",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "1234567890") {
		t.Error("the page shows an account number in clear")
	}
	if n := e.jobsStored(); n != 0 {
		t.Errorf("jobs stream holds %d messages after an invalid upload", n)
	}
	if !strings.Contains(e.audit.String(), `"audit":"upload"`) || !strings.Contains(e.audit.String(), `"outcome":"invalid"`) {
		t.Errorf("audit log lacks the refused upload: %s", e.audit)
	}
}

// A valid file shows its rows with masked destinations, the control totals per currency and the
// header mapping; nothing is enqueued (no manifest, no job) until approval.
func TestUploadValidFileShowsCheckAndEnqueuesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.login("sub")
	id := e.uploadValid(b)
	st, body := b.get("/batches/" + id)
	if st != http.StatusOK {
		t.Fatalf("batch page: %d: %s\n%s", st, body, e.audit)
	}
	for _, want := range []string{
		"account ******7890", "account ******4321", // masked destinations
		"EUR 10.50, JPY 7, USD 25.00", // control totals per currency
		`id="mapping"`, "<td>account_number</td><td>account_number</td>",
		`id="state">checked`, "Waiting for approval",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "1234567890") || strings.Contains(body, "0987654321") {
		t.Error("the page shows an account number in clear")
	}
	if n := e.jobsStored(); n != 0 {
		t.Errorf("jobs stream holds %d messages before approval", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := batch.ReadManifest(ctx, e.handles.Batches, id); !errors.Is(err, batch.ErrUnknownBatch) {
		t.Errorf("manifest before approval: %v, want ErrUnknownBatch", err)
	}
	// The same file again goes to the same batch, not to a second upload.
	if st, _ := b.upload("/upload", "again.csv", readFile(t, "valid.csv"), false); st != http.StatusSeeOther || b.lastLocation != "/batches/"+id {
		t.Errorf("second upload of the same file: %d to %q", st, b.lastLocation)
	}
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *console.Options) { o.MaxUploadBytes = 200 })
	big := []byte("client_orderid,amount,currency,account_number\n" + strings.Repeat("x-1,1.00,USD,1234567890\n", 20))
	for _, tc := range []struct {
		name   string
		user   string
		file   []byte
		noCSRF bool
		want   int
	}{
		{"oversize", "sub", big, false, http.StatusRequestEntityTooLarge},
		{"no CSRF token", "sub", readFile(t, "valid.csv"), true, http.StatusForbidden},
		{"viewer", "viewer", readFile(t, "valid.csv"), false, http.StatusForbidden},
		{"approver without submitter", "appr", readFile(t, "valid.csv"), false, http.StatusForbidden},
		{"no rows", "sub", []byte("client_orderid,amount,currency,account_number\n"), false, http.StatusUnprocessableEntity},
		{"workbook", "sub", []byte("PK\x03\x04 not a csv"), false, http.StatusUnprocessableEntity},
	} {
		b := e.login(tc.user)
		if st, body := b.upload("/upload", "f.csv", tc.file, tc.noCSRF); st != tc.want {
			t.Errorf("%s: status %d, want %d: %s", tc.name, st, tc.want, body)
		}
	}
	if n := e.jobsStored(); n != 0 {
		t.Errorf("jobs stream holds %d messages", n)
	}
}

// With NATS down, an upload is checked but not stored: 503, and the page says nothing changed.
func TestNATSDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *console.Options) { o.Timeout = 500 * time.Millisecond })
	b := e.login("sub")
	id := e.uploadValid(e.login("sub2"))
	appr := e.login("appr")
	e.srv.Shutdown()
	if st, body := appr.post("/batches/"+id+"/approve", nil); st != http.StatusServiceUnavailable || !strings.Contains(body, "not reachable") {
		t.Errorf("approve with NATS down: %d: %s", st, body)
	}
	st, body := b.upload("/upload", "valid.csv", readFile(t, "valid.csv"), false)
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "not reachable") {
		t.Errorf("upload with NATS down: %d: %s", st, body)
	}
	if st, _ := b.get("/"); st != http.StatusServiceUnavailable {
		t.Errorf("list with NATS down: %d", st)
	}
	if !strings.Contains(e.audit.String(), `"outcome":"nats error"`) {
		t.Errorf("audit lacks the NATS error: %s", e.audit)
	}
}
