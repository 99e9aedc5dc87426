package stack

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/payrun/payrun/pkg/job"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// outcomeOf is a batch of results (in stream order, not file order) and the summary the workers
// would publish for it.
func outcomeOf(t *testing.T, rs ...job.Result) DemoOutcome {
	t.Helper()
	s := job.NewBatchSummary("b-1", len(rs))
	for _, r := range rs {
		if err := s.Add(r); err != nil {
			t.Fatalf("summary: %v", err)
		}
	}
	return DemoOutcome{Results: rs, Summary: &s}
}

func TestDemoOutcomeWriteTextGolden(t *testing.T) {
	t.Parallel()
	out := outcomeOf(t,
		job.Result{BatchID: "b-1", ClientOrderID: "row-3", Line: 4, Status: job.StatusDeclined, Amount: "5.00", Currency: "EUR",
			PaynetOrderID: "9003", Destination: "****1111", ErrorCode: "DECLINED", ErrorMessage: "insufficient funds"},
		job.Result{BatchID: "b-1", ClientOrderID: "row-1", Line: 2, Status: job.StatusApproved, Amount: "10.50", Currency: "EUR",
			PaynetOrderID: "9001", Destination: "****4242"},
		job.Result{BatchID: "b-1", ClientOrderID: "row-2", Line: 3, Status: job.StatusApproved, Amount: "10000000", Currency: "IDR"},
	)
	var buf bytes.Buffer
	if err := out.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "demo-outcome.txt")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteText:\n%s\nwant (%s):\n%s", buf.Bytes(), golden, want)
	}
}

func TestDemoOutcomeWriteTextNeedsSummary(t *testing.T) {
	t.Parallel()
	out := outcomeOf(t)
	out.Summary = nil
	if err := out.WriteText(&bytes.Buffer{}); err == nil {
		t.Fatal("WriteText without a summary succeeded; a demo whose summary never came must fail")
	}
}
