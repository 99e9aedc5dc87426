package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/seal"
)

// testEnv is what the process tests host in the test process: a NATS server (embedded, or in
// a process of its own when the test must SIGKILL it), the sandbox gateway (optionally behind
// a wrapping handler), a key file and the worker configuration file, loaded here too so both
// sides provision the same way.
type testEnv struct {
	t       *testing.T
	dir     string
	nats    *queue.EmbeddedServer // nil with envOptions.natsProcess
	natsP   *natsProcess          // set with envOptions.natsProcess
	nc      *nats.Conn
	js      jetstream.JetStream
	h       *queue.Handles
	sb      *sandbox.Server
	cfgFile string
	environ []string // PAYRUN_* overrides given to every worker
	cfg     config.Config
	bin     string        // the worker binary
	workers []*proc       // every worker started, in order
	keys    *seal.Keyring // the workers' data key file: enqueue seals with it
}

type envOptions struct {
	sandbox sandbox.Options                 // PublicKey and Login are filled in
	wrap    func(http.Handler) http.Handler // wraps the sandbox's handler (429 test)
	yaml    string                          // extra worker/ratelimit keys, appended to the base file
	environ []string                        // PAYRUN_* overrides for the workers
	// natsProcess runs NATS in a process of its own (internal/testnats) instead of embedded.
	natsProcess bool
	// workerTags are build tags of the worker binary (the crash test's negative control).
	workerTags []string
	cluster    *queuetest.Cluster // NATS: this cluster instead of one server (nats and natsP are nil)
}

const testLogin = "payrun-test"

// baseYAML is the workers' configuration: fast timings for a sandbox that answers in
// milliseconds; each test appends or overrides keys.
const baseYAML = `nats:
  url: %s
  reconnect_wait: 100ms
  reconnect_jitter: 50ms
  ping_interval: 2s
gateway:
  url: %s
  endpoint_id: "1"
  login: %s
  private_key_file: %s
  http_timeout: 1s
  not_found_codes: [ORDER_NOT_FOUND] # the sandbox's documented answer (sandbox.NotFoundCode)
worker:
  ack_wait: 3s
  settle_delay: 2s
  shutdown_timeout: 3s
  poll:
    first_interval: 200ms
    fast_phase: 1m
    slow_interval: 1s
    horizon: 2m
log:
  level: info
  format: json
security:
  data_key_file: %s
`

func newTestEnv(t *testing.T, o envOptions) *testEnv {
	t.Helper()
	e := &testEnv{t: t, dir: t.TempDir(), environ: o.environ, bin: testBinary(t, ".", o.workerTags...)}
	var natsURL string
	if o.cluster != nil {
		e.nc, e.js = o.cluster.Connect(t)
		natsURL = o.cluster.URLs()
	} else if o.natsProcess {
		e.natsP = startNATSProcess(t)
		natsURL = e.natsP.url
		e.nc, e.js = queuetest.ConnectURL(t, natsURL)
	} else {
		e.nats, e.nc, e.js = queuetest.Start(t)
		natsURL = e.nats.ClientURL()
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(e.dir, "merchant.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	so := o.sandbox
	so.PublicKey, so.Login = &key.PublicKey, testLogin
	if e.sb, err = sandbox.New(so); err != nil {
		t.Fatal(err)
	}
	var h http.Handler = e.sb
	if o.wrap != nil {
		h = o.wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		_ = e.sb.Close()
	})

	dataKeyFile := filepath.Join(e.dir, "payrun.key")
	if err := seal.GenerateFile(dataKeyFile, "k1"); err != nil {
		t.Fatal(err)
	}
	if e.keys, err = seal.LoadFile(dataKeyFile); err != nil {
		t.Fatal(err)
	}
	e.cfgFile = filepath.Join(e.dir, "payrun.yaml")
	text := fmt.Sprintf(baseYAML, natsURL, ts.URL+sandbox.BasePath, testLogin, keyFile, dataKeyFile) + o.yaml
	if err := os.WriteFile(e.cfgFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if e.cfg, err = config.Load(e.cfgFile, o.environ); err != nil {
		t.Fatalf("test config: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if e.h, err = queue.Provision(ctx, e.js, e.cfg.QueueNames(), e.cfg.QueueSettings()); err != nil {
		t.Fatal(err)
	}
	return e
}

// startWorker starts a worker process with the env's config file.
func (e *testEnv) startWorker(name string, args ...string) *proc {
	e.t.Helper()
	p := startBinary(e.t, e.bin, name, append([]string{"--config", e.cfgFile}, args...), e.environ)
	e.workers = append(e.workers, p)
	return p
}

// Scenario accounts of the sandbox and the status each one ends in.
var scenario = []struct{ account, status string }{
	{"1234567890", "approved"}, {"0987654321", "declined"}, {"1987654321", "error"},
}

// batchCSV returns n rows: 7 in 10 approved, 2 declined, 1 error (by account number).
func batchCSV(prefix string, n int) ([]byte, map[string]job.Status) {
	var b bytes.Buffer
	want := make(map[string]job.Status, n)
	b.WriteString("client_orderid,amount,currency,account_number\n")
	for i := range n {
		s := scenario[0]
		switch i % 10 {
		case 7, 8:
			s = scenario[1]
		case 9:
			s = scenario[2]
		}
		id := fmt.Sprintf("%s-%04d", prefix, i)
		fmt.Fprintf(&b, "%s,%d.%02d,USD,%s\n", id, 1+i%500, i%100, s.account)
		want[id] = job.Status(s.status)
	}
	return b.Bytes(), want
}

// enqueue publishes csv as batchID through pkg/batch (what `enqueue` does).
func (e *testEnv) enqueue(batchID string, csv []byte) int {
	e.t.Helper()
	in := batch.Input{Name: batchID + ".csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(csv)), nil }}
	plan, err := batch.ValidateInput(in, batchID, 10, batch.JobLimit{})
	if err != nil {
		e.t.Fatal(err)
	}
	o := batch.Options{Names: e.cfg.QueueNames()}
	if e.keys != nil {
		o.Seal = e.keys
	}
	enq, err := batch.New(e.js, e.h, o)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := enq.Enqueue(ctx, in, plan)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep.Enqueued
}

// subjectCount is how many messages the results stream holds on subj (0 while NATS is down).
func (e *testEnv) subjectCount(subj string) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, e.cfg.Names.ResultStream)
	if err != nil {
		return 0
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		return 0
	}
	return info.State.Subjects[subj]
}

// waitResults polls until the batch has n result messages and its summary, calling tick on
// every poll, or fails the test after timeout.
func (e *testEnv) waitResults(batchID string, n int, timeout time.Duration, tick func()) {
	e.t.Helper()
	names := e.cfg.QueueNames()
	deadline := time.Now().Add(timeout)
	for {
		got := e.subjectCount(names.ResultSubject(batchID))
		if got >= uint64(n) && e.subjectCount(names.SummarySubject(batchID)) > 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("batch %s: %d of %d results (summary: %d) after %s", batchID, got, n,
				e.subjectCount(names.SummarySubject(batchID)), timeout)
		}
		if tick != nil {
			tick()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// allMessages returns every message on subj in the results stream, duplicates included.
func (e *testEnv) allMessages(subj string) [][]byte {
	e.t.Helper()
	msgs := e.storedMessages(subj)
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		out[i] = m.Data()
	}
	return out
}

// storedMessages reads every message the results stream holds on subj, in stream order. A
// read can fail while a cluster settles (an ordered consumer's pull reaching a node before
// its interest has spread: no responders); it is read again until a deadline.
func (e *testEnv) storedMessages(subj string) []jetstream.Msg {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := e.readAll(subj)
		if err == nil {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("read the messages on %s: %v", subj, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *testEnv) readAll(subj string) ([]jetstream.Msg, error) {
	want := e.subjectCount(subj)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := e.js.OrderedConsumer(ctx, e.cfg.Names.ResultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}})
	if err != nil {
		return nil, err
	}
	var out []jetstream.Msg
	for uint64(len(out)) < want {
		batch, err := cons.Fetch(int(want)-len(out), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, err
		}
		for m := range batch.Messages() {
			out = append(out, m)
		}
		if err := batch.Error(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkBatch asserts, for every row, exactly one result message whose status is the
// scenario's and which names the one order the sandbox committed for the row (its own record:
// order id, amount, currency and final status), no unresolved row, and one batch summary with
// matching counts. It returns the rows that failed a check, sorted.
func (e *testEnv) checkBatch(batchID string, want map[string]job.Status) []string {
	e.t.Helper()
	names := e.cfg.QueueNames()
	results := map[string][]job.Result{}
	counts := map[job.Status]int{}
	for _, data := range e.allMessages(names.ResultSubject(batchID)) {
		r, err := job.DecodeResult(data)
		if err != nil {
			e.t.Fatal(err)
		}
		results[r.ClientOrderID] = append(results[r.ClientOrderID], r)
		counts[r.Status]++
		if _, ok := want[r.ClientOrderID]; !ok {
			e.t.Errorf("result for unknown row %q", r.ClientOrderID)
		}
	}
	wantCounts := map[job.Status]int{}
	var bad []string
	for id, st := range want {
		wantCounts[st]++
		if !e.checkRow(id, st, results[id]) {
			bad = append(bad, id)
		}
	}
	slices.Sort(bad)
	if counts[job.StatusUnresolved] > 0 {
		e.t.Errorf("%d rows unresolved, want 0 (the sandbox knows every order)", counts[job.StatusUnresolved])
	}
	st := e.sb.Stats()
	if st.Duplicates != 0 || st.Orders != int64(len(want)) {
		e.t.Errorf("sandbox: %d orders, %d duplicates (%v); want %d orders, 0 duplicates", st.Orders, st.Duplicates, st.DuplicateClientOrderIDs, len(want))
	}
	sums := e.allMessages(names.SummarySubject(batchID))
	if len(sums) != 1 {
		e.t.Errorf("%d batch summaries, want 1", len(sums))
		return bad
	}
	s, err := job.DecodeBatchSummary(sums[0])
	if err != nil {
		e.t.Fatal(err)
	}
	if s.Rows != len(want) {
		e.t.Errorf("summary rows %d, want %d", s.Rows, len(want))
	}
	for stt, n := range wantCounts {
		if s.Counts[stt] != n || counts[stt] != n {
			e.t.Errorf("status %s: summary counts %d, results %d, want %d", stt, s.Counts[stt], counts[stt], n)
		}
	}
	return bad
}

// checkRow checks one row's results against the scenario (want) and the sandbox's own record:
// exactly one committed order (I1) and exactly one result (I2) that reports that order's
// final status (I5: the row ended on the gateway's answer). It reports whether all held.
func (e *testEnv) checkRow(id string, want job.Status, rs []job.Result) bool {
	e.t.Helper()
	orders := e.sb.Orders(id)
	ok := len(orders) == 1 && len(rs) == 1
	if len(orders) != 1 {
		e.t.Errorf("%s: the sandbox committed %d payouts, want exactly 1 (%+v)", id, len(orders), orders)
	}
	if len(rs) != 1 {
		e.t.Errorf("%s: %d result messages, want exactly 1", id, len(rs))
	}
	if len(orders) == 0 || len(rs) == 0 {
		return false
	}
	r, o := rs[0], orders[0]
	switch {
	case r.Status != want:
		e.t.Errorf("%s: status %s (%s %s), want %s", id, r.Status, r.ErrorCode, r.ErrorMessage, want)
	case string(r.Status) != o.FinalStatus || o.Status != o.FinalStatus:
		e.t.Errorf("%s: result %s, but the sandbox's order %s is %s (final %s)", id, r.Status, o.OrderID, o.Status, o.FinalStatus)
	case r.PaynetOrderID != o.OrderID:
		e.t.Errorf("%s: result names order %q, the sandbox committed %q", id, r.PaynetOrderID, o.OrderID)
	case !sameAmount(r.Amount, r.Currency, o.Amount, o.Currency):
		e.t.Errorf("%s: result %s %s, the sandbox's order %s %s", id, r.Amount, r.Currency, o.Amount, o.Currency)
	default:
		return ok
	}
	return false
}

// dumpRowLogs prints every worker's log lines that mention one of the rows (at most the first
// limit rows), oldest worker first: a failing row's history across crashes.
func (e *testEnv) dumpRowLogs(rows []string, limit int) {
	for _, id := range rows[:min(len(rows), limit)] {
		var b strings.Builder
		for _, w := range e.workers {
			for _, line := range logLines(w.log, `"`+id+`"`) {
				fmt.Fprintf(&b, "%s: %s\n", w.name, line)
			}
		}
		e.t.Logf("--- log lines of row %s ---\n%s", id, b.String())
	}
}

// sameAmount reports whether two decimal amounts are the same money ("10.50" and "10.5" are).
func sameAmount(a, aCur, b, bCur string) bool {
	x, errA := job.ParseAmount(a, aCur)
	y, errB := job.ParseAmount(b, bCur)
	return errA == nil && errB == nil && x == y
}

// logLines returns the lines of a process log that contain s.
func logLines(path, s string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		if strings.Contains(line, s) {
			out = append(out, strings.TrimSuffix(line, "\n"))
		}
	}
	return out
}

// logLine finds the first JSON log line of a process log containing msg.
func logLine(path, msg string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), msg) {
			return sc.Text(), true
		}
	}
	return "", false
}
