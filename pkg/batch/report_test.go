package batch_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// reportBatch is a batch file with a row for every status, payee names that look like formulas,
// an Excel empty row, and a row that another batch had enqueued (no result here).
const reportBatch = "\ufeffClient OrderID,Amount,Currency,Account Number,First Name,Last Name,Account Name\r\n" +
	"r-approved,1250.5,EUR,DE89370400440532013000,Marie,Dupont,\r\n" +
	"r-declined,10,USD,1234567890,\"=HYPERLINK(\"\"http://x\"\")\",Lee,\r\n" +
	"r-filtered,350000,JPY,2234567890,Yuki,@SUM(A1),\r\n" +
	"r-error,1.5,KWD,3234567890,Fatima,-Ali,\r\n" +
	"r-rejected,20.00,USD,4234567890,+1 555,Doe,\r\n" +
	"r-unresolved,30.00,USD,5234567890,Ann,Lee,Ann Lee Ltd\r\n" +
	",,,,,,\r\n" +
	"r-no-result,40.00,USD,6234567890,Bob,Ray,\r\n"

var reportTime = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

func reportResults() map[string]job.Result {
	rs := []job.Result{
		{ClientOrderID: "r-approved", Status: job.StatusApproved, Amount: "1250.50", Currency: "EUR", PaynetOrderID: "901", SerialNumber: "s-1", Attempts: 1, Destination: "account ******************3000"},
		{ClientOrderID: "r-declined", Status: job.StatusDeclined, Amount: "10.00", Currency: "USD", PaynetOrderID: "902", ErrorCode: "-1", ErrorMessage: "=cmd|' /C calc'!A0", Attempts: 1, Destination: "account ******7890"},
		{ClientOrderID: "r-filtered", Status: job.StatusFiltered, Amount: "350000", Currency: "JPY", ErrorMessage: "filtered by rule 7", Attempts: 1, Destination: "account ******7890"},
		{ClientOrderID: "r-error", Status: job.StatusError, Amount: "1.500", Currency: "KWD", ErrorCode: "500", ErrorMessage: "gateway error", Attempts: 3, Destination: "account ******7890"},
		{ClientOrderID: "r-rejected", Status: job.StatusRejected, Amount: "20.00", Currency: "USD", ErrorMessage: "@invalid account", Attempts: 1, Destination: "account ******7890"},
		{ClientOrderID: "r-unresolved", Status: job.StatusUnresolved, Amount: "30.00", Currency: "USD", ErrorMessage: "status unknown", Attempts: 40, Destination: "account ******7890"},
		// A result whose row is not in the file: listed after the rows, never dropped.
		{ClientOrderID: "r-stray", Status: job.StatusApproved, Amount: "5.00", Currency: "USD", Attempts: 1},
	}
	out := map[string]job.Result{}
	for i, r := range rs {
		r.Version, r.BatchID = job.ResultVersion, "nov"
		r.EnqueuedAt, r.SubmittedAt, r.FinishedAt = reportTime, reportTime.Add(time.Second), reportTime.Add(time.Duration(i+2)*time.Second)
		out[r.ClientOrderID] = r
	}
	return out
}

// TestReportGolden writes the report of a batch with every status in each format and compares it
// with testdata/report-*.golden (-update rewrites them). Each is read back with encoding/csv: the
// csv format is exactly one header and one line per payout row, in file order; no cell of either
// starts like a formula.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     batch.ReportOptions
		complete bool
	}{
		{"csv-pending", batch.ReportOptions{}, false},
		{"csv-complete", batch.ReportOptions{Format: batch.ReportCSV}, true},
		{"excel-semicolon", batch.ReportOptions{Format: batch.ReportExcel, Delimiter: ';'}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info := batch.ReportInfo{BatchID: "nov", Input: stringInput("nov.csv", reportBatch), SHA256: "ab12", ReadAt: reportTime,
				Complete: tt.complete, Written: reportTime.Add(time.Hour)}
			var buf bytes.Buffer
			if err := batch.WriteReport(&buf, info, reportResults(), tt.opts); err != nil {
				t.Fatal(err)
			}
			reportGolden(t, "report-"+tt.name+".golden", buf.String())
			body, excel := strings.CutPrefix(buf.String(), "\ufeff")
			if excel != (tt.opts.Format == batch.ReportExcel) {
				t.Errorf("byte order mark %v, want it only in the excel format", excel)
			}
			cr := csv.NewReader(strings.NewReader(body))
			cr.Comma = max(tt.opts.Delimiter, ',')
			if excel {
				cr.FieldsPerRecord = -1 // the footer is shorter
			}
			rows, err := cr.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			header := batch.ReportHeader()
			if strings.Join(rows[0], ",") != strings.Join(header, ",") {
				t.Fatalf("header %q", rows[0])
			}
			col := func(name string) int {
				for i, h := range header {
					if h == name {
						return i
					}
				}
				t.Fatalf("no column %s", name)
				return -1
			}
			payouts := rows[1:]
			if excel {
				end := 1
				for end < len(rows) && len(rows[end]) == len(header) {
					end++
				}
				payouts = rows[1:end]
			}
			// Seven payout rows in file order, then the stray result; nothing else in csv.
			wantIDs := []string{"r-approved", "r-declined", "r-filtered", "r-error", "r-rejected", "r-unresolved", "r-no-result", "r-stray"}
			if len(payouts) != len(wantIDs) {
				t.Fatalf("%d payout rows, want %d: %q", len(payouts), len(wantIDs), payouts)
			}
			last := 0
			for i, r := range payouts {
				if r[col("client_orderid")] != wantIDs[i] {
					t.Errorf("row %d is %s, want %s", i+1, r[0], wantIDs[i])
				}
				if line, err := strconv.Atoi(r[col("line")]); err == nil {
					if line <= last {
						t.Errorf("row %s line %d after line %d: not in file order", r[0], line, last)
					}
					last = line
				}
			}
			noResult := map[bool]string{false: batch.ReportPending, true: batch.ReportSkipped}[tt.complete]
			if r := payouts[6]; r[col("status")] != noResult || r[col("amount")] != "40.00" || r[col("line")] != "9" {
				t.Errorf("row without a result = %q, want %s, 40.00, line 9", r, noResult)
			}
			if r := payouts[0]; r[col("amount")] != "1250.50" || r[col("receiver_first_name")] != "Marie" || r[col("line")] != "2" {
				t.Errorf("approved row = %q", r)
			}
			for _, r := range rows {
				for _, c := range r {
					if first := strings.TrimLeft(c, " "); first != "" && strings.ContainsAny(first[:1], "=+-@\t\r\n") {
						t.Errorf("cell %q starts like a formula", c)
					}
				}
			}
			if excel && !strings.Contains(body, "batch;nov") || excel && !strings.Contains(body, "sha256;ab12") ||
				excel && !strings.Contains(body, "total;approved;1;5.00;USD") {
				t.Errorf("excel footer lacks batch, sha256 or totals:\n%s", body)
			}
		})
	}
}

func TestParseReportFormat(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{"csv": true, "excel": true, "xlsx": false, "": false, "CSV": false} {
		if _, err := batch.ParseReportFormat(in); (err == nil) != ok {
			t.Errorf("ParseReportFormat(%q) = %v", in, err)
		}
	}
}

func reportGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("report differs from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// failAfter is a writer that takes n bytes, then fails.
type failAfter struct{ n int }

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errDiskFull
	}
	f.n -= len(p)
	return len(p), nil
}

// TestWriteReportWriteError: a report that cannot be written all says so; it never ends in nil
// with rows missing.
func TestWriteReportWriteError(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 100, 1000} {
		for _, f := range []batch.ReportFormat{batch.ReportCSV, batch.ReportExcel} {
			info := batch.ReportInfo{BatchID: "nov", Input: stringInput("nov.csv", reportBatch), SHA256: "ab12", ReadAt: reportTime}
			err := batch.WriteReport(&failAfter{n: n}, info, reportResults(), batch.ReportOptions{Format: f})
			if !errors.Is(err, errDiskFull) {
				t.Errorf("%s, fails after %d bytes: err %v, want %v", f, n, err, errDiskFull)
			}
		}
	}
}
