package payout

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
)

type delivery struct {
	advance time.Duration // clock moves this much before the delivery
	action  action
	state   State         // ledger state after the delivery
	delay   time.Duration // NakWithDelay delay, when action is nak_delay
}

func TestMachineTransitions(t *testing.T) {
	t.Parallel()
	o := testOptions()
	settle, fast := o.SettleDelay, o.Poll.FastInterval
	cases := []struct {
		name        string
		mutate      func(*Options)
		payouts     []string // scripted payout behaviours
		statusSeq   []string // statuses a created order goes through
		lookupFails int
		deliveries  []delivery
		result      job.Status
		code        string
		payoutCalls int
		orders      int // orders at the gateway at the end
		dead        bool
	}{
		{name: "accepted, polled, approved", payouts: []string{payAccept}, statusSeq: []string{"processing", "approved"},
			deliveries: []delivery{
				{0, actionNakDelay, StateAccepted, fast},
				{fast, actionNakDelay, StateAccepted, fast},
				{fast, actionAck, StateReported, 0},
			}, result: job.StatusApproved, payoutCalls: 1, orders: 1},
		{name: "validation error: rejected", payouts: []string{payReject},
			deliveries: []delivery{{0, actionAck, StateReported, 0}},
			result:     job.StatusRejected, code: "V100", payoutCalls: 1},
		{name: "not sent, retried, declined", payouts: []string{payRetryable, payAccept}, statusSeq: []string{"declined"},
			deliveries: []delivery{
				{0, actionNakDelay, StatePendingRetry, o.BackoffInitial},
				{o.BackoffInitial, actionNakDelay, StateAccepted, fast},
				{fast, actionAck, StateReported, 0},
			}, result: job.StatusDeclined, payoutCalls: 2, orders: 1},
		{name: "throttled: Retry-After honoured", payouts: []string{payThrottled, payAccept}, statusSeq: []string{"approved"},
			deliveries: []delivery{
				{0, actionNakDelay, StatePendingRetry, 2 * time.Second},
				{2 * time.Second, actionNakDelay, StateAccepted, fast},
				{fast, actionAck, StateReported, 0},
			}, result: job.StatusApproved, payoutCalls: 2, orders: 1},
		// I4: a wrong key or login is a pool-wide condition, not the row's failure: the row
		// waits (more refusals than max_failures) and is paid once the credentials are fixed.
		{name: "auth refused: waits, never dead-lettered, paid after the fix", mutate: func(o *Options) { o.MaxFailures = 2 },
			payouts: []string{payAuth, payAuth, payAuth, payAccept}, statusSeq: []string{"approved"},
			deliveries: []delivery{
				{0, actionNakDelay, StatePendingRetry, o.BackoffMax},
				{o.BackoffMax, actionNakDelay, StatePendingRetry, o.BackoffMax},
				{o.BackoffMax, actionNakDelay, StatePendingRetry, o.BackoffMax},
				{o.BackoffMax, actionNakDelay, StateAccepted, fast},
				{fast, actionAck, StateReported, 0},
			}, result: job.StatusApproved, payoutCalls: 4, orders: 1},
		{name: "ambiguous, committed: settle, lookup finds it, no second payout", payouts: []string{payAmbiguousCommit}, statusSeq: []string{"approved"},
			deliveries: []delivery{
				{0, actionNakDelay, StateSubmitting, settle},
				{settle / 3, actionNakDelay, StateSubmitting, settle - settle/3},
				{settle - settle/3, actionAck, StateReported, 0},
			}, result: job.StatusApproved, payoutCalls: 1, orders: 1},
		{name: "ambiguous, committed, still processing: followed", payouts: []string{payAmbiguousCommit}, statusSeq: []string{"processing", "filtered"},
			deliveries: []delivery{
				{0, actionNakDelay, StateSubmitting, settle},
				{settle, actionNakDelay, StateAccepted, fast},
				{fast, actionAck, StateReported, 0},
			}, result: job.StatusFiltered, payoutCalls: 1, orders: 1},
		{name: "ambiguous, lost: definite not found, re-submitted once", payouts: []string{payAmbiguousLost, payAccept}, statusSeq: []string{"approved"},
			deliveries: []delivery{
				{0, actionNakDelay, StateSubmitting, settle},
				{settle, actionNakDelay, StateAccepted, fast},
				{fast, actionAck, StateReported, 0},
			}, result: job.StatusApproved, payoutCalls: 2, orders: 1},
		{name: "ambiguous, not found, re-sent and rejected: unresolved, the first may exist", payouts: []string{payAmbiguousLost, payReject},
			deliveries: []delivery{
				{0, actionNakDelay, StateSubmitting, settle},
				{settle, actionAck, StateReported, 0},
			}, result: job.StatusUnresolved, code: job.CodeRefusedRepeat, payoutCalls: 2},
		{name: "ambiguous, lost every time: unresolved at max_attempts", mutate: func(o *Options) { o.MaxAttempts = 3 },
			payouts: []string{payAmbiguousLost, payAmbiguousLost, payAmbiguousLost},
			deliveries: []delivery{
				{0, actionNakDelay, StateSubmitting, settle},
				{settle, actionNakDelay, StateSubmitting, settle},
				{settle, actionNakDelay, StateSubmitting, settle},
				{settle, actionAck, StateReported, 0},
			}, result: job.StatusUnresolved, payoutCalls: 3},
		{name: "gateway error with order id: followed", payouts: []string{payGatewayErrorID}, statusSeq: []string{"declined"},
			deliveries: []delivery{
				{0, actionNakDelay, StateAccepted, fast},
				{fast, actionAck, StateReported, 0},
			}, result: job.StatusDeclined, payoutCalls: 1, orders: 1},
		{name: "gateway error without order id, none found: error, never re-sent", payouts: []string{payGatewayErrorNoID},
			deliveries: []delivery{
				{0, actionNakDelay, StateSubmitting, settle},
				{settle, actionAck, StateReported, 0},
			}, result: job.StatusError, code: "E2", payoutCalls: 1},
		{name: "lookup fails, backs off, then finds the order", payouts: []string{payAmbiguousCommit}, statusSeq: []string{"approved"}, lookupFails: 2,
			deliveries: []delivery{
				{0, actionNakDelay, StateSubmitting, settle},
				{settle, actionNakDelay, StateSubmitting, o.BackoffInitial},
				{o.BackoffInitial, actionNakDelay, StateSubmitting, 2 * o.BackoffInitial},
				{2 * o.BackoffInitial, actionAck, StateReported, 0},
			}, result: job.StatusApproved, payoutCalls: 1, orders: 1},
		{name: "lookups fail past max_failures: dead letter unresolved", mutate: func(o *Options) { o.MaxFailures = 2 },
			payouts: []string{payAmbiguousCommit}, lookupFails: 5,
			deliveries: []delivery{
				{0, actionNakDelay, StateSubmitting, settle},
				{settle, actionNakDelay, StateSubmitting, o.BackoffInitial},
				{o.BackoffInitial, actionAck, StateReported, 0},
			}, result: job.StatusUnresolved, payoutCalls: 1, orders: 1, dead: true},
		{name: "no final status within the horizon: unresolved, order kept",
			mutate: func(o *Options) {
				o.Poll.Horizon = 10 * time.Second
				o.Poll.FastPhase = 5 * time.Second
				o.Poll.SlowInterval = 4 * time.Second
			},
			payouts: []string{payAccept}, statusSeq: []string{"processing"},
			deliveries: []delivery{
				{0, actionNakDelay, StateAccepted, fast},
				{fast, actionNakDelay, StateAccepted, fast},            // +3s
				{fast, actionNakDelay, StateAccepted, 4 * time.Second}, // +6s: slow phase
				{4 * time.Second, actionAck, StateReported, 0},         // +10s: horizon
			}, result: job.StatusUnresolved, payoutCalls: 1, orders: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.mutate)
			const batch, coid = "B1", "row-1"
			e.gw.payScript[coid] = tc.payouts
			if tc.statusSeq != nil {
				e.gw.statusSeq = tc.statusSeq
			}
			e.gw.lookupFails[coid] = tc.lookupFails
			for i, want := range tc.deliveries {
				e.clock.Advance(want.advance)
				d, msg := e.deliver(batch, coid, uint64(i+1))
				wantReply := map[action]string{actionAck: "double_ack", actionNakDelay: "nak_delay"}[want.action]
				if d.Action != want.action || len(msg.replies) != 1 || msg.replies[0] != wantReply {
					t.Fatalf("delivery %d: action %s replies %v (reason %q), want %s", i+1, d.Action, msg.replies, d.Reason, want.action)
				}
				if want.action == actionNakDelay && msg.delay != want.delay {
					t.Fatalf("delivery %d: delay %s, want %s (reason %q)", i+1, msg.delay, want.delay, d.Reason)
				}
				if got := e.ledger(batch, coid); got == nil || got.State != want.state {
					t.Fatalf("delivery %d: ledger %+v, want state %s", i+1, got, want.state)
				}
			}
			if got := e.gw.payouts(coid); got != tc.payoutCalls {
				t.Errorf("payout calls %d, want %d", got, tc.payoutCalls)
			}
			if got := len(e.gw.orders); got != tc.orders {
				t.Errorf("orders at the gateway %d, want %d", got, tc.orders)
			}
			rs := e.results(batch)
			if len(rs) != 1 {
				t.Fatalf("results %d, want exactly 1: %+v", len(rs), rs)
			}
			r := rs[0]
			if r.Status != tc.result || (tc.code != "" && r.ErrorCode != tc.code) {
				t.Errorf("result %s code %q, want %s code %q", r.Status, r.ErrorCode, tc.result, tc.code)
			}
			if r.Amount != "10.50" || r.Currency != "USD" || r.ClientOrderID != coid || r.BatchID != batch || r.Line != 2 {
				t.Errorf("result identity/amount wrong: %+v", r)
			}
			if strings.Contains(r.Destination, "1234567890") || !strings.HasSuffix(r.Destination, "7890") {
				t.Errorf("destination not masked: %q", r.Destination)
			}
			if o := e.gw.orders[coid]; o != nil && tc.result != job.StatusUnresolved && r.PaynetOrderID != o.id {
				t.Errorf("result order id %q, gateway order %q", r.PaynetOrderID, o.id)
			}
			if dl := e.deadLetters(batch); tc.dead != (len(dl) == 1) || len(dl) > 1 {
				t.Errorf("dead letters %+v, want dead=%v", dl, tc.dead)
			}
			// A later duplicate delivery changes nothing.
			calls, statuses := e.gw.payouts(coid), e.gw.statuses(coid)
			d, _ := e.deliver(batch, coid, uint64(len(tc.deliveries)+1))
			if d.Action != actionAck || e.gw.payouts(coid) != calls || e.gw.statuses(coid) != statuses || len(e.results(batch)) != 1 {
				t.Errorf("duplicate delivery of a reported job: %s, calls %d->%d", d.Action, calls, e.gw.payouts(coid))
			}
		})
	}
}

// A worker crashed after the ledger entry was created but before the request left: the next
// delivery waits out the settle delay, finds no order, and submits exactly once.
func TestMachineCrashBeforeRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.statusSeq = []string{"approved"}
	e.putLedger("B", "c1", &Entry{BatchID: "B", ClientOrderID: "c1", State: StateSubmitting, Attempts: 1, SubmittedAt: t0})
	e.clock.Advance(5 * time.Second)
	if d, _ := e.deliver("B", "c1", 2); d.Action != actionNakDelay || d.Delay != e.opts.SettleDelay-5*time.Second {
		t.Fatalf("within settle: %+v", d)
	}
	if e.gw.payouts("c1")+e.gw.statuses("c1") != 0 {
		t.Fatal("gateway called while settling")
	}
	e.clock.Advance(e.opts.SettleDelay)
	if d, _ := e.deliver("B", "c1", 3); d.Action != actionNakDelay || e.ledger("B", "c1").State != StateAccepted {
		t.Fatalf("after settle: %+v", d)
	}
	e.clock.Advance(e.opts.Poll.FastInterval)
	if d, _ := e.deliver("B", "c1", 4); d.Action != actionAck {
		t.Fatalf("poll: %+v", d)
	}
	if e.gw.payouts("c1") != 1 || e.ledger("B", "c1").Attempts != 2 {
		t.Errorf("payouts %d attempts %d, want 1 payout (attempt 2 in the ledger)", e.gw.payouts("c1"), e.ledger("B", "c1").Attempts)
	}
}

// A worker crashed after the gateway committed the payout but before the ledger recorded it:
// the lookup finds the order and no second payout is sent.
func TestMachineCrashAfterCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.statusSeq = []string{"approved"}
	e.putLedger("B", "c1", &Entry{BatchID: "B", ClientOrderID: "c1", State: StateSubmitting, Attempts: 1, SubmittedAt: t0})
	o := e.gw.createOrder("c1")
	e.clock.Advance(e.opts.SettleDelay)
	d, _ := e.deliver("B", "c1", 2)
	if d.Action != actionAck || e.gw.payouts("c1") != 0 {
		t.Fatalf("decision %+v, payouts %d: want ack and no payout", d, e.gw.payouts("c1"))
	}
	rs := e.results("B")
	if len(rs) != 1 || rs[0].Status != job.StatusApproved || rs[0].PaynetOrderID != o.id {
		t.Fatalf("results %+v", rs)
	}
}

// A worker crashed after deciding the result but before publishing it: the next delivery
// publishes it (once) without calling the gateway.
func TestMachineCrashBeforeReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.putLedger("B", "c1", &Entry{BatchID: "B", ClientOrderID: "c1", State: StateFinal, Attempts: 1, OrderID: "P9",
		Result: job.StatusDeclined, FinishedAt: t0})
	for n := uint64(2); n <= 3; n++ {
		if d, _ := e.deliver("B", "c1", n); d.Action != actionAck {
			t.Fatalf("delivery %d: %+v", n, d)
		}
	}
	if rs := e.results("B"); len(rs) != 1 || rs[0].Status != job.StatusDeclined || rs[0].PaynetOrderID != "P9" {
		t.Fatalf("results %+v", rs)
	}
	if e.gw.payouts("c1")+e.gw.statuses("c1") != 0 || e.ledger("B", "c1").State != StateReported {
		t.Fatal("gateway called or ledger not reported")
	}
}

// Several workers get the same job at the same moment (a redelivery racing the first
// delivery): exactly one payout request is sent.
func TestMachineConcurrentDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const workers = 6
	e.gw.release = make(chan struct{})
	e.gw.entered = make(chan struct{}, workers)
	machines := make([]*machine, workers)
	for i := range machines {
		machines[i] = e.machine() // as if in separate processes: nothing shared but NATS
	}
	results := make(chan decision, workers)
	start := make(chan struct{})
	for i := range workers {
		go func() {
			<-start
			// Every copy is a first delivery (a redelivery that finds no entry looks the order
			// up before anything else: TestRedeliveryWithoutEntryLooksUpFirst).
			d, _ := e.deliverWith(machines[i], "B", "c1", 1)
			results <- d
		}()
	}
	close(start)
	<-e.gw.entered // one request is in flight...
	var decisions []decision
	for range workers - 1 {
		select {
		case d := <-results:
			decisions = append(decisions, d)
		case <-time.After(10 * time.Second):
			close(e.gw.release)
			t.Fatalf("only %d of %d workers decided while one request was in flight: payout calls %d",
				len(decisions), workers-1, e.gw.payouts("c1"))
		}
	}
	close(e.gw.release) // ...and finishes only after every other worker decided
	decisions = append(decisions, <-results)
	if got := e.gw.payouts("c1"); got != 1 {
		t.Fatalf("payout calls %d, want exactly 1", got)
	}
	accepted, settling := 0, 0
	for _, d := range decisions {
		switch {
		case d.Action == actionNakDelay && d.Next != nil && d.Next.State == StateAccepted:
			accepted++
		case d.Action == actionNakDelay && d.Delay > 0 && d.Delay <= e.opts.SettleDelay:
			settling++
		}
	}
	if accepted != 1 || settling != workers-1 {
		t.Errorf("accepted %d settling %d: %+v", accepted, settling, decisions)
	}
}

// A decision write that loses the CAS race is discarded: the machine re-reads and continues
// from the winner's state without repeating the gateway call.
func TestMachineConflictAfterCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.entered = make(chan struct{}, 1)
	e.gw.release = make(chan struct{})
	done := make(chan decision)
	go func() { d, _ := e.deliver("B", "c1", 1); done <- d }()
	<-e.gw.entered
	// While the request runs, another worker (after settle, wrongly early) marks the row final.
	key := e.names.LedgerKey("B", "c1")
	cur, rev, err := e.m.ledger.Get(context.Background(), key)
	if err != nil || cur == nil {
		t.Fatalf("ledger during the call: %+v %v", cur, err)
	}
	other := *cur
	other.State, other.Result, other.FinishedAt = StateFinal, job.StatusApproved, t0
	if _, err := e.m.ledger.Put(context.Background(), key, &other, rev); err != nil {
		t.Fatal(err)
	}
	close(e.gw.release)
	d := <-done
	if d.Action != actionAck || e.gw.payouts("c1") != 1 {
		t.Fatalf("decision %+v payouts %d: want the winner's final state reported, one call", d, e.gw.payouts("c1"))
	}
	if got := e.ledger("B", "c1"); got.State != StateReported || got.Result != job.StatusApproved {
		t.Fatalf("ledger %+v", got)
	}
}

func TestMachineUndecodable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	secret := `{"version":1,"batch_id":"B","params":[{"name":"credit_card_number","value":"4111111111111111"}]}`
	msg := &fakeMsg{data: []byte(secret), subject: e.names.JobSubject("B")}
	d := e.m.Handle(context.Background(), msg)
	if d.Action != actionTerm || len(msg.replies) != 1 || msg.replies[0] != "term" {
		t.Fatalf("decision %+v replies %v", d, msg.replies)
	}
	dl := e.deadLetters("B")
	if len(dl) != 1 || dl[0].PayloadBytes != len(secret) || dl[0].Ledger != nil {
		t.Fatalf("dead letters %+v", dl)
	}
	for _, b := range e.read(e.names.DeadSubject("B")) {
		if strings.Contains(string(b), "4111") {
			t.Fatalf("dead letter leaks card data: %s", b)
		}
	}
	if len(e.results("B")) != 0 {
		t.Error("a message without a row cannot have a result")
	}
}

func TestMachineMaxDeliver(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		entry  *Entry
		result job.Status
		code   string
	}{
		{"never submitted: error DEAD_LETTER", nil, job.StatusError, job.CodeDeadLetter},
		{"not sent: error DEAD_LETTER", &Entry{State: StatePendingRetry, Attempts: 1, Failures: 1}, job.StatusError, job.CodeDeadLetter},
		{"accepted: unresolved, money may have moved", &Entry{State: StateAccepted, Attempts: 1, OrderID: "P7", AcceptedAt: t0}, job.StatusUnresolved, job.CodeDeadLetterUnresolved},
		{"submitting: unresolved", &Entry{State: StateSubmitting, Attempts: 1, SubmittedAt: t0}, job.StatusUnresolved, job.CodeDeadLetterUnresolved},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			if tc.entry != nil {
				en := *tc.entry
				en.BatchID, en.ClientOrderID = "B", "c1"
				e.putLedger("B", "c1", &en)
			}
			d, _ := e.deliver("B", "c1", uint64(e.opts.MaxDeliver-1))
			if d.Action != actionAck || e.gw.payouts("c1")+e.gw.statuses("c1") != 0 {
				t.Fatalf("decision %+v, gateway calls made", d)
			}
			rs, dl := e.results("B"), e.deadLetters("B")
			if len(rs) != 1 || rs[0].Status != tc.result || rs[0].ErrorCode != tc.code {
				t.Fatalf("results %+v", rs)
			}
			if len(dl) != 1 || dl[0].Ledger == nil || dl[0].Ledger.DeadLetter == "" || dl[0].Result != tc.result {
				t.Fatalf("dead letters %+v", dl)
			}
			if got := e.ledger("B", "c1"); got.State != StateReported {
				t.Fatalf("ledger %+v", got)
			}
		})
	}
}

// recordingGateway remembers the parameters of every payout request it passes on.
type recordingGateway struct {
	Gateway
	mu   sync.Mutex
	sent [][]job.Param
}

func (g *recordingGateway) Payout(ctx context.Context, params []job.Param) (Reply, error) {
	g.mu.Lock()
	g.sent = append(g.sent, params)
	g.mu.Unlock()
	return g.Gateway.Payout(ctx, params)
}

// Invariant 6 (every row validation accepts can be paid): a job message published before amounts
// were carried in their shortest form ("10000000.00" IDR, 11 characters) is decoded and paid, and
// the gateway receives "10000000", never the 11 characters it refuses.
func TestMachinePaysFullDigitAmountOfOlderMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	gw := &recordingGateway{Gateway: e.gw}
	m, err := newMachine(context.Background(), e.opts, Deps{JS: e.js, Gateway: gw, Classify: fakeClassify,
		Clock: e.clock, Log: zerolog.New(zerolog.NewTestWriter(t))})
	if err != nil {
		t.Fatal(err)
	}
	data := `{"version":1,"batch_id":"B","line":2,"client_orderid":"c1","amount":"10000000.00","currency":"IDR","params":[` +
		`{"name":"client_orderid","value":"c1"},{"name":"amount","value":"10000000.00"},{"name":"currency","value":"IDR"},` +
		`{"name":"account_number","value":"1234567890"}]}`
	e.enqueued("B", "c1")
	msg := &fakeMsg{data: []byte(data), subject: e.names.JobSubject("B"),
		meta: jetstream.MsgMetadata{NumDelivered: 1, Sequence: jetstream.SequencePair{Stream: 7}, Timestamp: t0}}
	d := m.Handle(context.Background(), msg)
	if d.Action == actionTerm || len(e.deadLetters("B")) != 0 {
		t.Fatalf("decision %+v, dead letters %+v: the job was not paid", d, e.deadLetters("B"))
	}
	if len(gw.sent) != 1 || paramOf(gw.sent[0], "amount") != "10000000" {
		t.Fatalf("payout requests %v, want one with amount 10000000", gw.sent)
	}
}

// Invariant 2 (every accepted row gets a trace; nothing vanishes): a job message that truly
// cannot be decoded (here an amount no validation accepts) is never sent, is terminated, and its
// dead letter names the row (client_orderid and line) so that a person can match it to the batch.
func TestMachineUndecodableRowIsNamedInItsDeadLetter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	data := `{"version":1,"batch_id":"B","line":7,"client_orderid":"c7","amount":"123456789012","currency":"USD","params":[` +
		`{"name":"client_orderid","value":"c7"},{"name":"amount","value":"123456789012"},{"name":"currency","value":"USD"},` +
		`{"name":"account_number","value":"1234567890"}]}`
	msg := &fakeMsg{data: []byte(data), subject: e.names.JobSubject("B")}
	d := e.m.Handle(context.Background(), msg)
	if d.Action != actionTerm || e.gw.payouts("c7") != 0 {
		t.Fatalf("decision %+v, payouts %d", d, e.gw.payouts("c7"))
	}
	dl := e.deadLetters("B")
	if len(dl) != 1 || dl[0].BatchID != "B" || dl[0].ClientOrderID != "c7" || dl[0].Line != 7 || !strings.Contains(dl[0].Reason, "amount") {
		t.Fatalf("dead letters %+v, want one naming B/c7 line 7 and the amount", dl)
	}
	// What a payload claims does not take the row's own dead-letter id: the real row c7,
	// dead-lettered later, still gets its dead letter.
	if d, _ := e.deliver("B", "c7", uint64(e.opts.MaxDeliver-1)); d.Action != actionAck {
		t.Fatalf("real row at max deliver: %+v", d)
	}
	if dl := e.deadLetters("B"); len(dl) != 2 || dl[1].Ledger == nil {
		t.Fatalf("dead letters %+v, want the undecodable one and the row's own", dl)
	}
}
