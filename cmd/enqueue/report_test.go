package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// A report that cannot be written is found before anything is published.
func TestCLIReportPathCheckedBeforePublishing(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	r := enqueue(t, natsEnv(srv), "", "--report", filepath.Join(t.TempDir(), "missing", "r.csv"), "testdata/good.csv")
	r.expect(t, 2, nil, []string{"cannot be written"})
	if _, err := js.Stream(context.Background(), "PAYOUTS"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("stream after a bad report path: %v", err)
	}
}

// After --timeout the report still lists every row, in file order, pending where no result came;
// the excel format adds the footer.
func TestCLIReportAfterTimeout(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	env := natsEnv(srv)
	enqueue(t, env, "", "--batch", "b1", "testdata/good.csv").expect(t, 0, nil, nil)
	res := job.Result{Version: job.ResultVersion, BatchID: "b1", ClientOrderID: "pr-2026-11-0002", Status: job.StatusApproved, Amount: "1.00", Currency: "USD", Attempts: 1}
	data, _ := json.Marshal(res)
	n := queue.DefaultNames()
	if _, err := js.Publish(context.Background(), n.ResultSubject("b1"), data, jetstream.WithMsgID(n.ResultMsgID("b1", res.ClientOrderID))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plain, excel := filepath.Join(dir, "r.csv"), filepath.Join(dir, "r-excel.csv")
	enqueue(t, env, "", "--batch", "b1", "--report", plain, "--timeout", "300ms", "testdata/good.csv").
		expect(t, 6, []string{"report:     " + plain}, []string{"wait timed out"})
	rows := readReport(t, plain, ',', 0)
	if len(rows) != 6 {
		t.Fatalf("report has %d lines, want the header and 5 rows: %q", len(rows), rows)
	}
	for i, r := range rows[1:] {
		want := "pending"
		if r[0] == res.ClientOrderID {
			want = "approved"
		}
		if r[1] != want || r[11] != strconv.Itoa(i+2) {
			t.Errorf("row %d = %q; want status %s on line %d", i+1, r, want, i+2)
		}
	}
	enqueue(t, env, "", "--batch", "b1", "--report", excel, "--report-format", "excel", "--report-delimiter", ";", "--timeout", "300ms", "testdata/good.csv").
		expect(t, 6, nil, nil)
	raw, err := os.ReadFile(excel)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "\ufeffclient_orderid;status;") || !strings.Contains(string(raw), "\nbatch;b1\n") ||
		!strings.Contains(string(raw), "\ntotal;pending;") || !strings.Contains(string(raw), "\nsha256;") {
		t.Errorf("excel report:\n%s", raw)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestCLIDryRunShowsMapping(t *testing.T) {
	t.Parallel()
	r := enqueue(t, []string{"PAYRUN_NATS_URL=nats://127.0.0.1:1"}, "", "--dry-run", "../../pkg/job/testdata/exports/title-row.csv")
	r.expect(t, 0, []string{"format:     comma-separated (detected from the header), UTF-8; title lines [1 2] skipped; header on line 3",
		`1 "client_orderid"         -> client_orderid`, `5 "first_name"             -> receiver_first_name`, "rows:       2"}, nil)
	r = enqueue(t, nil, "", "--dry-run", "../../pkg/job/testdata/exports/excel-mangled.csv")
	r.expect(t, 3, nil, []string{"warning: ../../pkg/job/testdata/exports/excel-mangled.csv:3:26: order_desc: holds what looks like a card number",
		"2 errors in 2 rows; nothing enqueued"})
	r = enqueue(t, nil, "", "--dry-run", "--strict", "../../pkg/job/testdata/exports/excel-mangled.csv")
	r.expect(t, 3, nil, []string{"(an error because of --strict)", "4 errors in 3 rows; nothing enqueued"})
	r = enqueue(t, nil, "", "--dry-run", "../../pkg/job/testdata/exports/payroll.xlsx")
	r.expect(t, 3, nil, []string{`this is an Excel workbook (.xlsx), not a CSV file`, "1 error in the file; nothing enqueued"})
}

func readReport(t *testing.T, path string, comma rune, fields int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma, cr.FieldsPerRecord = comma, fields
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
