package payout

import (
	"context"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"github.com/payrun/payrun/pkg/submit"
)

const sandboxLogin = "payout-test"

// scenario maps the sandbox's account numbers to the result each row must end with.
var scenario = []struct {
	account string
	status  job.Status
}{
	{"1234567890", job.StatusApproved},
	{"0987654321", job.StatusDeclined},
	{"1987654321", job.StatusError},
	{"DE89370400440532013000", job.StatusApproved}, // outside the scenario: the default
}

func sandboxJob(coid string, i int) job.Job {
	j := testJob(coid, i+2)
	for k := range j.Params {
		if j.Params[k].Name == "account_number" {
			j.Params[k].Value = scenario[i%len(scenario)].account
		}
	}
	return j
}

// startSandbox serves the ConnPay twin on loopback and returns it with a Gateway (pkg/submit's
// client, signing with the test key) pointed at it.
func startSandbox(t testing.TB, o sandbox.Options) (*sandbox.Server, Gateway) {
	t.Helper()
	key, _ := signertest.Key(t)
	o.PublicKey, o.Login = &key.PublicKey, sandboxLogin
	sb, err := sandbox.Start("127.0.0.1:0", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb, sandboxGateway(t, key, sb.URL())
}

// sandboxGateway is pkg/submit's client signing with key, for a sandbox at baseURL.
func sandboxGateway(t testing.TB, key *rsa.PrivateKey, baseURL string) Gateway {
	t.Helper()
	sg, err := signer.New(key, sandboxLogin)
	if err != nil {
		t.Fatal(err)
	}
	c, err := submit.NewClient(submit.Options{
		BaseURL: baseURL, EndpointID: "39915", Login: sandboxLogin, Timeout: 500 * time.Millisecond,
		MaxIdleConnsPerHost: 64, NotFoundCodes: []string{sandbox.NotFoundCode},
		Backoff: submit.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, MaxElapsed: 200 * time.Millisecond},
	}, sg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return SubmitGateway(c)
}

// A 500-row batch through the real client and the sandbox with faults on (5xx before the
// commit, 429, connections dropped and 5xx after the commit), three pools sharing the consumer,
// one of them killed mid-batch (its NATS connection cut, nothing handed back) and replaced. The
// batch completes, the sandbox counts exactly one payout per row, and every row has exactly one
// result matching the sandbox scenario.
func TestEndToEndSandbox(t *testing.T) {
	t.Parallel()
	sb, gw := startSandbox(t, sandbox.Options{ProcessingPolls: 1, Faults: sandbox.Faults{
		Error5xxBefore: 0.05, Throttle: 0.02, DropAfter: 0.05, Error5xxAfter: 0.03, RetryAfter: time.Second, Seed: 7,
	}})
	p := newPoolEnv(t)
	const batch, n = "E2E-1", 500
	jobs := make([]job.Job, n)
	want := map[string]job.Status{}
	for i := range jobs {
		jobs[i] = sandboxJob("e2e-"+strings.Repeat("0", 4-len(itoa(i)))+itoa(i), i)
		want[jobs[i].ClientOrderID] = scenario[i%len(scenario)].status
	}
	p.enqueue(batch, jobs)

	opts := fastOptions(8)
	// 5xx before the commit is ambiguous to the client (it cannot know): with 5% of requests
	// failing so, a row needs max_attempts beyond the default to make 8 unlucky rows in a row
	// improbable; with the default a row ends "unresolved" (never a claimed failure).
	opts.MaxAttempts = 8
	deps := Deps{Gateway: gw, Classify: ClassifySubmitError, Log: zerolog.Nop()}
	stopA := p.run(opts, deps)
	defer stopA()
	stopB := p.run(opts, deps)
	defer stopB()

	// The victim has its own connection, like a separate process.
	_, victimJS := queuetest.Connect(t, p.srv)
	victimDeps := deps
	victimDeps.JS = victimJS
	victim, err := NewPool(opts, victimDeps)
	if err != nil {
		t.Fatal(err)
	}
	vctx, vcancel := context.WithCancel(context.Background())
	vdone := make(chan error, 1)
	go func() { vdone <- victim.Run(vctx) }()
	testwait.Eventually(t, 30*time.Second, "a third of the results", func() bool { return p.count(p.names.ResultSubject(batch)) >= n/3 })
	victimJS.Conn().Close() // dies: its in-flight jobs are neither acked nor handed back
	vcancel()
	// Run reports the closed connection, unless the cancel reached it first.
	if err := <-vdone; err != nil && !errors.Is(err, jetstream.ErrConnectionClosed) {
		t.Errorf("victim Run: %v", err)
	}
	stopC := p.run(opts, deps) // its replacement
	defer stopC()

	testwait.Eventually(t, 90*time.Second, "batch summary", func() bool { return p.count(p.names.SummarySubject(batch)) == 1 })
	stopA()
	stopB()
	stopC()

	st := sb.Stats()
	if st.Duplicates != 0 {
		t.Errorf("sandbox counted %d duplicate payouts: %v", st.Duplicates, st.DuplicateClientOrderIDs)
	}
	if st.Faults["drop-after"] == 0 || st.Faults["5xx-before"] == 0 {
		t.Errorf("faults did not fire: %v", st.Faults)
	}
	for _, j := range jobs {
		if c := sb.PayoutCount(j.ClientOrderID); c != 1 {
			t.Errorf("%s: sandbox payouts %d, want 1", j.ClientOrderID, c)
		}
	}
	got := map[string][]job.Status{}
	for _, r := range readResults(t, p.js, p.names.ResultStream, p.names.ResultSubject(batch)) {
		got[r.ClientOrderID] = append(got[r.ClientOrderID], r.Status)
	}
	for coid, w := range want {
		if s := got[coid]; len(s) != 1 || s[0] != w {
			kv, _ := p.h.Ledger.Get(context.Background(), p.names.LedgerKey(batch, coid))
			var ledger string
			if kv != nil {
				ledger = string(kv.Value())
			}
			t.Errorf("%s: results %v, want exactly one %s; ledger %s", coid, s, w, ledger)
		}
	}
	if len(got) != n {
		t.Errorf("results for %d rows, want %d", len(got), n)
	}
	t.Logf("sandbox: %d requests %v, faults %v", st.Requests, st.RequestsByCall, st.Faults)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// readResults decodes every result on subject.
func readResults(t testing.TB, js jetstream.JetStream, stream, subject string) []job.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out []job.Result
	for {
		b, err := cons.FetchNoWait(500)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for msg := range b.Messages() {
			r, err := job.DecodeResult(msg.Data())
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			out = append(out, r)
			mu.Unlock()
			n++
		}
		if n == 0 {
			return out
		}
	}
}
