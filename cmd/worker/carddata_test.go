package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/seal"
)

// fullRunSecrets are the card and account numbers of fullRunCSV.
var fullRunSecrets = []string{"4111111111111111", "5555555555554444", "4000056655665556",
	"1234567890", "0987654321", "1987654321"}

func fullRunCSV() ([]byte, map[string]job.Status) {
	var b bytes.Buffer
	b.WriteString("client_orderid,amount,currency,credit_card_number,card_printed_name,expire_month,expire_year,account_number\n")
	want := map[string]job.Status{}
	for i, pan := range fullRunSecrets[:3] {
		id := fmt.Sprintf("card-%d", i)
		fmt.Fprintf(&b, "%s,%d.00,USD,%s,ANN LEE,12,2099,\n", id, 10+i, pan)
		want[id] = job.StatusApproved
	}
	for i, s := range scenario {
		id := fmt.Sprintf("acct-%d", i)
		fmt.Fprintf(&b, "%s,%d.50,EUR,,,,,%s\n", id, 20+i, s.account)
		want[id] = job.Status(s.status)
	}
	return b.Bytes(), want
}

// echoCardNumber makes the gateway echo a card number, disguised, in the code and message of every
// final decline or error (as real gateways do), with a terminal escape for good measure.
func echoCardNumber(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.String()
		if strings.Contains(body, "status=declined") || strings.Contains(body, "status=error") {
			body = "error-code=4111.1111.1111.1111&error-message=card+4111%E2%80%8B1111+1111%C2%A01111+%1B%5B2Jrefused&" + body
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write([]byte(body))
	})
}

var enqueueBuild struct {
	once sync.Once
	bin  string
	err  error
}

func enqueueBinary(t *testing.T) string {
	t.Helper()
	enqueueBuild.once.Do(func() {
		enqueueBuild.bin = filepath.Join(filepath.Dir(workerBinary(t)), "enqueue")
		if out, err := exec.Command("go", "build", "-o", enqueueBuild.bin, "../enqueue").CombinedOutput(); err != nil {
			enqueueBuild.err = fmt.Errorf("go build enqueue: %v\n%s", err, out)
		}
	})
	if enqueueBuild.err != nil {
		t.Fatal(enqueueBuild.err)
	}
	return enqueueBuild.bin
}

// TestNoCardNumberInAnyOutput runs a whole batch through the real binaries — enqueue (with key
// k1), a key rotation (k2 first, k1 kept), a worker at debug level against a gateway that echoes
// card numbers, enqueue --wait --report, plus an undecodable job that is dead-lettered — and then
// searches everything the run left: both binaries' output, the report, every message of the
// results stream (results, summary, dead letters), every key and value of every KV bucket, what
// is left in the job stream, the spool directory and the NATS store files. No card or account
// number may be there in clear. The search itself is checked on the input file (negative
// control), and every row is paid, so the worker did open the sealed numbers.
func TestNoCardNumberInAnyOutput(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, envOptions{wrap: echoCardNumber, environ: []string{"PAYRUN_LOG_LEVEL=debug"}})
	csv, want := fullRunCSV()
	csvPath := filepath.Join(e.dir, "full.csv")
	if err := os.WriteFile(csvPath, csv, 0o600); err != nil {
		t.Fatal(err)
	}
	spool := t.TempDir()
	keyFile := e.cfg.Security.DataKeyFile
	var outputs bytes.Buffer
	runEnqueue := func(args ...string) {
		t.Helper()
		cmd := exec.Command(enqueueBinary(t), append([]string{"--config", e.cfgFile}, args...)...)
		cmd.Env = processEnv([]string{"TMPDIR=" + spool, "PAYRUN_LOG_LEVEL=debug"})
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		outputs.Write(out.Bytes())
		if code := exitError(err); code != 0 && code != 5 { // 5: not every row approved (declines)
			t.Fatalf("enqueue %v: exit %d\n%s", args, code, out.String())
		}
	}
	runEnqueue("--batch", "FULL", csvPath)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	enqueued := e.streamBytes(ctx, e.cfg.Names.JobStream) // before the worker consumes it

	// Rotate: k2 seals from now on, k1 stays for what is in the stream.
	old, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	k2 := filepath.Join(t.TempDir(), "k2")
	if err := seal.GenerateFile(k2, "k2"); err != nil {
		t.Fatal(err)
	}
	newKey, _ := os.ReadFile(k2)
	if err := os.WriteFile(keyFile, append(newKey, old...), 0o600); err != nil {
		t.Fatal(err)
	}
	// A job nobody can decode (an invalid amount), carrying a card number: dead-lettered.
	junk := `{"version":1,"batch_id":"JUNK","client_orderid":"junk-1","amount":"4111111111111111x","currency":"USD",` +
		`"params":[{"name":"credit_card_number","value":"4111111111111111"}]}`
	if _, err := e.js.Publish(ctx, e.cfg.QueueNames().JobSubject("JUNK"), []byte(junk)); err != nil {
		t.Fatal(err)
	}

	w := e.startWorker("w1")
	report := filepath.Join(t.TempDir(), "report.csv")
	runEnqueue("--batch", "FULL", "--wait", "--timeout", "60s", "--report", report, csvPath)
	e.waitResults("FULL", len(want), 30*time.Second, nil) // and the summary
	e.checkBatch("FULL", want)
	w.signal(os.Interrupt)
	if _, ok := w.wait(30 * time.Second); !ok {
		t.Fatal("worker did not stop")
	}

	sources := map[string][]byte{"enqueue output": outputs.Bytes(), "job stream after enqueue": enqueued}
	read := func(name, path string) {
		if b, err := os.ReadFile(path); err == nil {
			sources[name] = append(sources[name], b...)
		} else {
			t.Errorf("%s: %v", name, err)
		}
	}
	read("worker log", w.log)
	read("report", report)
	sources["results stream"] = e.streamBytes(ctx, e.cfg.Names.ResultStream)
	sources["job stream"] = e.streamBytes(ctx, e.cfg.Names.JobStream)
	if !bytes.Contains(sources["results stream"], []byte("undecodable")) && !bytes.Contains(sources["results stream"], []byte("cannot be decoded")) {
		t.Errorf("no dead letter for the undecodable job")
	}
	for _, bucket := range []string{e.cfg.Names.BatchesBucket, e.cfg.Names.OrdersBucket, e.cfg.Names.LedgerBucket, e.cfg.Names.RateLimitBucket} {
		sources["KV "+bucket] = e.kvBytes(ctx, bucket)
	}
	e.nats.Stop() // the store files as they are at rest
	for name, dir := range map[string]string{"spool dir": spool, "NATS store": e.nats.StoreDir()} {
		files := 0
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files++
				read(name, path)
			}
			return nil
		})
		if name == "NATS store" && files == 0 {
			t.Error("no store files read")
		}
	}
	if len(sources["worker log"]) == 0 || !bytes.Contains(sources["worker log"], []byte(`"level":"debug"`)) {
		t.Error("the worker log holds no debug lines")
	}
	for name, data := range sources {
		for _, s := range fullRunSecrets {
			if bytes.Contains(data, []byte(s)) {
				i := bytes.Index(data, []byte(s))
				t.Errorf("%s holds %s in clear: ...%q...", name, s, data[max(0, i-80):min(len(data), i+40)])
			}
		}
	}
	for _, s := range fullRunSecrets { // negative control: the search finds them where they are
		if !bytes.Contains(csv, []byte(s)) {
			t.Fatalf("the search misses %s in the input", s)
		}
	}
}

// streamBytes concatenates the subjects, headers and payloads of every message in a stream.
func (e *testEnv) streamBytes(ctx context.Context, stream string) []byte {
	e.t.Helper()
	st, err := e.js.Stream(ctx, stream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out bytes.Buffer
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s %v %s\n", m.Subject, m.Header, m.Data)
	}
	return out.Bytes()
}

// kvBytes concatenates every key and value of a bucket.
func (e *testEnv) kvBytes(ctx context.Context, bucket string) []byte {
	e.t.Helper()
	kv, err := e.js.KeyValue(ctx, bucket)
	if err != nil {
		e.t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out bytes.Buffer
	for k := range keys.Keys() {
		v, err := kv.Get(ctx, k)
		if err != nil {
			continue // deleted or expired meanwhile
		}
		fmt.Fprintf(&out, "%s=%s\n", k, v.Value())
	}
	return out.Bytes()
}
