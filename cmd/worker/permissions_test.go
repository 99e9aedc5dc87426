package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// permissionsConf is the documented least-privilege configuration (docs/security.md).
const permissionsConf = "../../configs/nats/payrun-permissions.conf"

// violationLog collects the server's log lines about permission violations.
type violationLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *violationLog) add(format string, v ...any) {
	if s := fmt.Sprintf(format, v...); strings.Contains(s, "Violation") {
		l.mu.Lock()
		l.lines = append(l.lines, s)
		l.mu.Unlock()
	}
}
func (l *violationLog) Noticef(f string, v ...any) { l.add(f, v...) }
func (l *violationLog) Warnf(f string, v ...any)   { l.add(f, v...) }
func (l *violationLog) Fatalf(f string, v ...any)  { l.add(f, v...) }
func (l *violationLog) Errorf(f string, v ...any)  { l.add(f, v...) }
func (l *violationLog) Debugf(f string, v ...any)  {}
func (l *violationLog) Tracef(f string, v ...any)  {}

func (l *violationLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func userConn(t *testing.T, url, user string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, nats.UserInfo(user, "change-me-"+strings.TrimPrefix(user, "payrun-")), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// TestNATSPermissions runs the documented users against a real nats-server configured with
// them: a worker (--sandbox) provisions and pays, enqueue publishes a batch and follows it to its
// report, a results consumer reads the results, and every attempt of the results consumer (and
// of enqueue) to read jobs, reservations or the ledger, or to publish, is refused.
func TestNATSPermissions(t *testing.T) {
	t.Parallel()
	opts, err := server.ProcessConfigFile(permissionsConf)
	if err != nil {
		t.Fatal(err)
	}
	opts.Host, opts.Port, opts.StoreDir = "127.0.0.1", -1, t.TempDir()
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	violations := &violationLog{}
	srv.SetLogger(violations, false, false)
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	url := srv.ClientURL()
	defer func() {
		if t.Failed() {
			t.Logf("server permission violations:\n%s", violations)
		}
	}()

	dir := t.TempDir()
	w := startProc(t, "worker", []string{"--sandbox", "--config", writeYAML(t, dir, fmt.Sprintf(
		"nats: {url: %q, user: payrun-worker, password: change-me-worker, reconnect_wait: 100ms}\n"+
			"gateway: {http_timeout: 1s}\n"+
			"worker: {ack_wait: 3s, settle_delay: 2s, shutdown_timeout: 3s, poll: {first_interval: 100ms, fast_phase: 10s, slow_interval: 1s, horizon: 30s}}\n", url))}, nil)
	var keyLine struct{ File string }
	if err := json.Unmarshal([]byte(w.waitLog("data key file generated", 30*time.Second)), &keyLine); err != nil || keyLine.File == "" {
		t.Fatalf("sandbox key file not logged: %v", err)
	}
	w.waitLog("payout: pool started", 30*time.Second)

	csv, want := batchCSV("perm", 10)
	csvPath := filepath.Join(dir, "perm.csv")
	if err := os.WriteFile(csvPath, csv, 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.csv")
	cmd := exec.Command(enqueueBinary(t), "--nats-url", url, "--batch", "PERM", "--wait", "--timeout", "60s", "--report", report, csvPath)
	cmd.Env = processEnv([]string{"PAYRUN_NATS_USER=payrun-enqueue", "PAYRUN_NATS_PASSWORD=change-me-enqueue", "PAYRUN_DATA_KEY_FILE=" + keyLine.File})
	out, err := cmd.CombinedOutput()
	if code := exitError(err); code != 0 && code != 5 {
		t.Fatalf("enqueue as payrun-enqueue: exit %d\n%s", code, out)
	}
	if strings.Contains(string(out), "WARNING") {
		t.Errorf("enqueue did not seal:\n%s", out)
	}

	// The results consumer reads every result of the batch...
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rnc, rjs := userConn(t, url, "payrun-results")
	names := queue.DefaultNames()
	cons, err := rjs.OrderedConsumer(ctx, names.ResultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{names.ResultSubject("PERM")}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]job.Status{}
	for len(got) < len(want) {
		msgs, err := cons.Fetch(len(want)-len(got), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range msgs.Messages() {
			r, err := job.DecodeResult(m.Data())
			if err != nil {
				t.Fatal(err)
			}
			got[r.ClientOrderID] = r.Status
		}
		if err := msgs.Error(); err != nil {
			t.Fatalf("results consumer: %v", err)
		}
	}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}

	// ... and nothing else.
	denied := func(who, what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s could %s", who, what)
		}
	}
	// A refused request gets no answer: the short timeouts only bound the wait; the server's log
	// below proves each refusal.
	short := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 500*time.Millisecond)
	}
	c1, x1 := short()
	_, err = rjs.CreateOrUpdateConsumer(c1, names.JobStream, jetstream.ConsumerConfig{FilterSubject: "payouts.jobs.>"})
	x1()
	denied("payrun-results", "create a consumer on the job stream", err)
	c2, x2 := short()
	_, err = rjs.Stream(c2, names.JobStream)
	x2()
	denied("payrun-results", "read the job stream's info", err)
	_, err = rnc.Request("$JS.API.STREAM.MSG.GET."+names.JobStream, []byte(`{"seq":1}`), 500*time.Millisecond)
	denied("payrun-results", "get a job message", err)
	_, err = rnc.Request("$JS.API.DIRECT.GET."+names.JobStream+".payouts.jobs.PERM", nil, 500*time.Millisecond)
	denied("payrun-results", "direct-get a job", err)
	for _, bucket := range []string{names.LedgerBucket, names.OrdersBucket} {
		c3, x3 := short()
		_, err = rjs.KeyValue(c3, bucket)
		x3()
		denied("payrun-results", "open bucket "+bucket, err)
	}
	if _, err := rnc.SubscribeSync("payouts.jobs.>"); err != nil { // refused by the server: see its log below
		t.Fatal(err)
	}
	_ = rnc.Flush()
	c4, x4 := short()
	_, err = rjs.Publish(c4, names.ResultSubject("PERM"), []byte("{}"))
	x4()
	denied("payrun-results", "publish a result", err)

	// enqueue publishes jobs but cannot read the ledger.
	_, err = userConnRequest(t, url, "payrun-enqueue", "$JS.API.DIRECT.GET.KV_"+names.LedgerBucket+".$KV."+names.LedgerBucket+".x")
	denied("payrun-enqueue", "read the ledger", err)
	// Each refusal is the server's (not a slow answer), and the worker and enqueue did their
	// work without a single one.
	for _, subj := range []string{"$JS.API.CONSUMER.CREATE.PAYOUTS.", "$JS.API.STREAM.INFO.PAYOUTS", "$JS.API.STREAM.MSG.GET.PAYOUTS",
		"$JS.API.DIRECT.GET.PAYOUTS.", "KV_PAYRUN_LEDGER", "KV_PAYRUN_ORDERS", `Subscription Violation - Subject "payouts.jobs.>"`, `"payouts.results.PERM"`} {
		if !strings.Contains(violations.String(), subj) {
			t.Errorf("the server logged no violation for %s", subj)
		}
	}
	for _, line := range strings.Split(violations.String(), "\n") {
		if strings.Contains(line, "payrun-worker") || strings.Contains(line, "payrun-enqueue") && !strings.Contains(line, "KV_PAYRUN_LEDGER") {
			t.Errorf("refused during the run: %s", line)
		}
	}
}

func userConnRequest(t *testing.T, url, user, subject string) (*nats.Msg, error) {
	nc, _ := userConn(t, url, user)
	return nc.Request(subject, nil, 500*time.Millisecond)
}

func writeYAML(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "payrun.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
