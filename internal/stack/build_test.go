package stack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/configs"
	"github.com/payrun/payrun/internal/testlog"
	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
)

// exampleRows is the number of rows of configs/batches/example-payroll.csv.
const exampleRows = 10

func exampleInput() batch.Input {
	return batch.Input{Name: DemoSource, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(configs.ExamplePayroll)), nil
	}}
}

// checkOutcome fails unless every row of the example batch has the result its sandbox scenario
// gives (by account number, as cmd/worker's TestDemo) and the summary counts them all.
func checkOutcome(t *testing.T, out DemoOutcome) {
	t.Helper()
	want := map[string]job.Status{}
	r := job.NewReader(bytes.NewReader(configs.ExamplePayroll), "example")
	for j, err := r.Next(); err == nil; j, err = r.Next() {
		want[j.ClientOrderID] = map[string]job.Status{"0987654321": job.StatusDeclined, "1987654321": job.StatusError}[j.Param("account_number")]
		if want[j.ClientOrderID] == "" {
			want[j.ClientOrderID] = job.StatusApproved
		}
	}
	if len(want) != exampleRows || len(out.Results) != exampleRows {
		t.Fatalf("%d results for %d rows, want %d: %+v", len(out.Results), len(want), exampleRows, out.Results)
	}
	for _, res := range out.Results {
		if res.Status != want[res.ClientOrderID] {
			t.Errorf("%s: %s, want %s", res.ClientOrderID, res.Status, want[res.ClientOrderID])
		}
	}
	if out.Summary == nil || out.Summary.Rows != exampleRows {
		t.Fatalf("summary %+v, want one for %d rows", out.Summary, exampleRows)
	}
	counted := 0
	for _, n := range out.Summary.Counts {
		counted += n
	}
	if counted != exampleRows {
		t.Errorf("summary counts %v add up to %d rows, want %d", out.Summary.Counts, counted, exampleRows)
	}
}

// freeNATSURL is a nats:// URL on a loopback port that was free a moment ago.
func freeNATSURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprintf("nats://%s", ln.Addr())
}

// The production wiring, in process: a configuration as an operator writes it (worker.embedded
// with a store directory, worker.sandbox) passes CheckConfig and Build assembles everything from
// it alone (the embedded server on nats.url, the sandbox's generated data key); Run pays a
// batch enqueued as cmd/enqueue does; Close releases it all (goleak checks).
func TestBuildFromConfigPaysABatch(t *testing.T) {
	t.Parallel()
	cfg := DemoConfig(config.Default(), nil) // the demo's fast timings
	cfg.Worker.Embedded, cfg.Worker.StoreDir, cfg.NATS.URL = true, t.TempDir(), freeNATSURL(t)
	if err := CheckConfig(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs testlog.Buffer
	s, err := Build(ctx, cfg, zerolog.New(&logs), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.embedded == nil || s.sandbox == nil || s.keys.keys == nil {
		t.Fatalf("embedded server %v, sandbox %v, data key %v: want all three from the configuration", s.embedded, s.sandbox, s.keys.keys)
	}
	runCtx, stop := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- s.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-runDone; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	rep, err := s.enqueue(ctx, exampleInput(), "build-test", s.keys.keys)
	if err != nil || rep.Enqueued != exampleRows {
		t.Fatalf("enqueue: %+v, %v", rep, err)
	}
	out, err := s.waitOutcome(ctx, rep.BatchID, time.Minute)
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	checkOutcome(t, out)
}

// The demo runs the same assembly (Build, Run) and pays the example batch.
func TestDemoPaysTheExample(t *testing.T) {
	t.Parallel()
	cfg := DemoConfig(config.Default(), nil)
	if err := CheckConfig(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs testlog.Buffer
	d, err := StartDemo(ctx, cfg, zerolog.New(&logs), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rep, err := d.Enqueue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.Wait(ctx, rep.BatchID)
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	checkOutcome(t, out)
}
