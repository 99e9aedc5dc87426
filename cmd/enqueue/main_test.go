package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/payrun/payrun/internal/testbin"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// binary is the enqueue command built once for the CLI tests.
var (
	bins   testbin.Set
	binary string
)

func TestMain(m *testing.M) {
	var err error
	if binary, err = bins.MustBuild("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	bins.Cleanup()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// enqueue runs the built binary with the given environment additions.
func enqueue(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// cleanEnv is the test's environment without PAYRUN_* variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PAYRUN_") {
			env = append(env, kv)
		}
	}
	return env
}

func natsEnv(srv *queue.EmbeddedServer) []string {
	return []string{"PAYRUN_NATS_URL=" + srv.ClientURL()}
}

func (r result) expect(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

func TestCLIEnqueueThenRerun(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	env := natsEnv(srv)
	r := enqueue(t, env, "", "--batch", "nov-payroll", "testdata/good.csv")
	r.expect(t, 0, []string{"batch:      nov-payroll", "rows:       5", "EUR 250.50, JPY 120000, KWD 1.500, USD 1575.25", "enqueued:   5", "state:      enqueued"}, nil)
	// Flags after the file work too; the second run publishes nothing and says so.
	r = enqueue(t, env, "", "testdata/good.csv", "--batch", "nov-payroll")
	r.expect(t, 0, []string{"already enqueued", "enqueued:   5"}, nil)
	st, err := js.Stream(context.Background(), "PAYOUTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 5 {
		t.Errorf("stream holds %d messages, want 5", info.State.Msgs)
	}
	// The same rows in another file: reported with the owning batch, exit 4.
	r = enqueue(t, env, "", "--batch", "dec-payroll", "testdata/overlap.csv")
	r.expect(t, 4, []string{"enqueued:   1", "skipped:    1"}, []string{`testdata/overlap.csv:2: client_orderid "pr-****-**-0004" already enqueued by batch nov-payroll`})
	// The same file content under another --batch pays nothing twice.
	r = enqueue(t, env, "", "--batch", "nov-payroll-again", "testdata/good.csv")
	r.expect(t, 4, []string{"enqueued:   0", "skipped:    5"}, nil)
}

func TestCLIStdinAndDerivedBatchID(t *testing.T) {
	t.Parallel()
	srv, _, _ := queuetest.Start(t)
	data, err := os.ReadFile("testdata/good.csv")
	if err != nil {
		t.Fatal(err)
	}
	dry := enqueue(t, []string{"PAYRUN_NATS_URL=nats://127.0.0.1:1"}, "", "--dry-run", "testdata/good.csv")
	dry.expect(t, 0, []string{"dry run: valid, nothing enqueued", "rows:       5"}, nil)
	id := strings.Fields(strings.SplitN(dry.stdout, "\n", 2)[0])[1]
	r := enqueue(t, natsEnv(srv), string(data), "-")
	r.expect(t, 0, []string{"batch:      " + id, "source:     - ", "enqueued:   5"}, nil)
}

func TestCLIInvalidFileEnqueuesNothing(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	r := enqueue(t, natsEnv(srv), "", "testdata/bad.csv")
	r.expect(t, 3, nil, []string{
		"testdata/bad.csv:2:13: amount:", "testdata/bad.csv:3:13: amount:", "testdata/bad.csv:4:19: currency:",
		"testdata/bad.csv:5:1: destination:", "testdata/bad.csv:6:1: client_orderid: duplicate",
		"5 errors in 5 rows; nothing enqueued",
	})
	if r.stdout != "" {
		t.Errorf("stdout = %q", r.stdout)
	}
	// Validation happens before any connection: nothing was provisioned or written.
	if _, err := js.Stream(context.Background(), "PAYOUTS"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("stream after invalid file: %v", err)
	}
}

func TestCLIUsageAndInfrastructureErrors(t *testing.T) {
	t.Parallel()
	// With NATS unreachable, a check that came after connecting would exit 1, not 2.
	unreachable := []string{"PAYRUN_NATS_URL=nats://127.0.0.1:1"}
	tests := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stderr string
	}{
		{"no file", nil, nil, 2, "want exactly one FILE"},
		{"two files", nil, []string{"a.csv", "b.csv"}, 2, "want exactly one FILE"},
		{"unknown flag", nil, []string{"--bogus", "testdata/good.csv"}, 2, "flag provided but not defined: -bogus"},
		{"bad batch id", nil, []string{"--batch", "a b", "testdata/good.csv"}, 2, "invalid batch id"},
		{"bad env value", []string{"PAYRUN_ENQUEUE_CHUNK_SIZE=5000"}, []string{"testdata/good.csv"}, 2, "enqueue.chunk_size (PAYRUN_ENQUEUE_CHUNK_SIZE)"},
		{"dry run with wait", nil, []string{"--dry-run", "--wait", "testdata/good.csv"}, 2, "cannot be combined"},
		{"missing file", nil, []string{"testdata/nope.csv"}, 2, "usage: input file testdata/nope.csv does not exist"},
		{"missing file, dry run", nil, []string{"--dry-run", "testdata/nope.csv"}, 2, "input file testdata/nope.csv does not exist"},
		{"report in a missing directory", unreachable, []string{"--report", "testdata/nodir/r.csv", "testdata/good.csv"}, 2, "--report testdata/nodir/r.csv cannot be written"},
		{"report is a directory", unreachable, []string{"--report", "testdata", "testdata/good.csv"}, 2, "--report testdata is a directory"},
		{"report over the input", unreachable, []string{"--report", "testdata/good.csv", "testdata/good.csv"}, 2, "is the input file"},
		{"report format", nil, []string{"--report-format", "xlsx", "testdata/good.csv"}, 2, `report format "xlsx"`},
		{"report delimiter without excel", nil, []string{"--report-delimiter", ";", "testdata/good.csv"}, 2, "--report-delimiter"},
		{"retry with wait", nil, []string{"--retry", "b1", "--wait", "testdata/good.csv"}, 2, "--retry cannot be combined"},
		{"directory", nil, []string{"testdata"}, 1, "input: testdata is a directory"},
		{"nats unreachable", []string{"PAYRUN_NATS_URL=nats://127.0.0.1:1"}, []string{"testdata/good.csv"}, 1, "nats unavailable"},
		{"help", nil, []string{"--help"}, 0, "Exit codes:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			enqueue(t, tt.env, "", tt.args...).expect(t, tt.code, nil, []string{tt.stderr})
		})
	}
}

func TestCLIConfigFile(t *testing.T) {
	t.Parallel()
	srv, _, _ := queuetest.Start(t)
	path := filepath.Join(t.TempDir(), "payrun.yaml")
	if err := os.WriteFile(path, []byte("nats:\n  url: "+srv.ClientURL()+"\nenqueue:\n  chunk_size: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	enqueue(t, nil, "", "--config", path, "testdata/good.csv").expect(t, 0, []string{"enqueued:   5"}, nil)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("enqueue:\n  chunk_sise: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	enqueue(t, nil, "", "--config", bad, "testdata/good.csv").expect(t, 2, nil, []string{`bad.yaml:2: unknown key "enqueue.chunk_sise"`, `did you mean "enqueue.chunk_size"`})
}

func TestCLIWaitAndReport(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	env := natsEnv(srv)
	enqueue(t, env, "", "--batch", "b1", "testdata/good.csv").expect(t, 0, nil, nil)
	ids := []string{"pr-2026-11-0001", "pr-2026-11-0002", "pr-2026-11-0003", "pr-2026-11-0004", "pr-2026-11-0005"}
	publish := func(id string, status job.Status, msg string) {
		r := job.Result{Version: job.ResultVersion, BatchID: "b1", ClientOrderID: id, Status: status, Amount: "1.00", Currency: "USD", ErrorMessage: msg, Attempts: 1}
		data, _ := json.Marshal(r)
		n := queue.DefaultNames()
		if _, err := js.Publish(context.Background(), n.ResultSubject("b1"), data, jetstream.WithMsgID(n.ResultMsgID("b1", id))); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[:4] {
		publish(id, job.StatusApproved, "")
	}
	// Not all results yet: --timeout ends the wait with exit 6.
	enqueue(t, env, "", "--batch", "b1", "--wait", "--timeout", "300ms", "testdata/good.csv").
		expect(t, 6, []string{"already enqueued", "results:    4 of 5"}, []string{"wait timed out"})
	publish(ids[4], job.StatusDeclined, "=cmd|' /C calc'!A0")
	report := filepath.Join(t.TempDir(), "report.csv")
	r := enqueue(t, env, "", "--batch", "b1", "--report", report, "testdata/good.csv")
	r.expect(t, 5, []string{"results:    5 of 5", "approved:   4", "declined:   1", "report:     " + report}, []string{"not every row was approved"})
	f, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || strings.Join(rows[0][:7], ",") != "client_orderid,status,paynet_order_id,amount,currency,error_code,error_message" {
		t.Fatalf("report = %v", rows)
	}
	if rows[5][0] != ids[4] || rows[5][6] != "'=cmd|' /C calc'!A0" {
		t.Errorf("declined row = %q", rows[5])
	}
}

// Every example batch in configs/batches (if the job package ships them): valid ones enqueue
// (exit 0), invalid ones (name contains "invalid" or "bad") exit 3 with line:column errors.
func TestCLIExampleBatches(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../configs/batches/*.csv")
	if len(files) == 0 {
		t.Skip("no example batches in configs/batches")
	}
	srv, _, _ := queuetest.Start(t)
	for _, f := range files {
		base := filepath.Base(f)
		invalid := strings.Contains(base, "invalid") || strings.Contains(base, "bad")
		r := enqueue(t, natsEnv(srv), "", "--batch", strings.TrimSuffix(base, ".csv")+"-t", f)
		switch {
		case invalid && r.code != 3:
			t.Errorf("%s: exit %d, want 3\n%s", base, r.code, r.stderr)
		case invalid && !strings.Contains(r.stderr, base+":"):
			t.Errorf("%s: errors do not name file:line:column:\n%s", base, r.stderr)
		case !invalid && r.code != 0 && r.code != 4:
			t.Errorf("%s: exit %d, want 0\n%s", base, r.code, r.stderr)
		}
	}
}

// --wait on a batch nobody works says why on stderr, as periodic JSON lines (stderr is not a
// terminal here): first "no worker registered", then, with a worker registered and the pool
// paused, "pool paused: <reason>".
func TestCLIWaitSaysWhyNothingMoves(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	env := natsEnv(srv)
	enqueue(t, env, "", "--batch", "stuck", "testdata/good.csv").expect(t, 0, nil, nil)
	stalled := func() []string {
		t.Helper()
		r := enqueue(t, env, "", "--batch", "stuck", "--wait", "--timeout", "1500ms", "--progress-interval", "200ms", "testdata/good.csv")
		if r.code != 6 {
			t.Fatalf("exit %d, want 6 (timed out)\n%s", r.code, r.stderr)
		}
		var out []string
		for line := range strings.Lines(r.stderr) {
			var tick struct {
				Batch    string `json:"batch"`
				Expected int    `json:"expected"`
				Stalled  string `json:"stalled"`
			}
			if json.Unmarshal([]byte(line), &tick) != nil || tick.Batch == "" {
				continue
			}
			if tick.Batch != "stuck" || tick.Expected != 5 {
				t.Errorf("progress line %s", line)
			}
			out = append(out, tick.Stalled)
		}
		if len(out) < 2 {
			t.Fatalf("%d progress lines:\n%s", len(out), r.stderr)
		}
		return out
	}
	if got := stalled(); got[len(got)-1] != "no worker registered" {
		t.Errorf("without workers: %q", got)
	}
	h := queuetest.Provision(t, js)
	lim, err := ratelimit.New(context.Background(), js, ratelimit.Options{KV: h.RateLimit, ID: "w1", Rate: 10, Burst: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer lim.Close()
	if err := lim.Pause(context.Background(), "maintenance"); err != nil {
		t.Fatal(err)
	}
	if got := stalled(); got[len(got)-1] != "pool paused: maintenance" {
		t.Errorf("paused: %q", got)
	}
}

// --help and --version exit 0; the help names the environment and the exit codes.
func TestCLIHelpAndVersion(t *testing.T) {
	t.Parallel()
	enqueue(t, nil, "", "--help").expect(t, 0, nil, []string{"usage: enqueue", "Environment:", "PAYRUN_", "Exit codes:"})
	r := enqueue(t, nil, "", "--version")
	r.expect(t, 0, []string{"payrun-enqueue ", "go1."}, nil)
}
