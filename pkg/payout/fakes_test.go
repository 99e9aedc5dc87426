package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/submit"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fakeErr is a classified gateway error.
type fakeErr struct {
	class submit.Class
	info  GatewayInfo
}

func (e *fakeErr) Error() string { return fmt.Sprintf("fake gateway error class %s", e.class) }

func fakeClassify(err error) (submit.Class, GatewayInfo) {
	if e, ok := err.(*fakeErr); ok {
		return e.class, e.info
	}
	return submit.ClassAmbiguous, GatewayInfo{}
}

// Payout behaviours of the fake gateway, consumed one per payout call (default "accept").
const (
	payAccept           = "accept"             // order created, async-response
	payReject           = "reject"             // validation-error, no order
	payRetryable        = "retryable"          // never sent
	payThrottled        = "throttled"          // 429 not processed
	payAuth             = "auth"               // 403
	payAmbiguousCommit  = "ambiguous-commit"   // order created, answer lost
	payAmbiguousLost    = "ambiguous-lost"     // request lost before the gateway committed
	payGatewayErrorID   = "gateway-error-id"   // type=error with an order id (order exists)
	payGatewayErrorNoID = "gateway-error-noid" // type=error without order id (no order)
)

type fakeOrder struct {
	id     string
	calls  int // status calls answered for this order
	status []string
}

// fakeGateway models ConnPay closely enough for the machine: orders by client_orderid, a
// status sequence per order (the last one sticks), scripted payout behaviours and lookup failures.
type fakeGateway struct {
	mu          sync.Mutex
	orders      map[string]*fakeOrder
	payScript   map[string][]string
	lookupFails map[string]int // coid -> status calls to fail before answering
	statusSeq   []string       // statuses a new order goes through (default: processing, approved)
	payoutCalls map[string]int
	statusCalls map[string]int
	release     chan struct{} // when set, Payout blocks until it is closed
	entered     chan struct{} // when set, Payout signals it was entered
	nextID      int
}

func newFakeGateway() *fakeGateway {
	return &fakeGateway{orders: map[string]*fakeOrder{}, payScript: map[string][]string{},
		lookupFails: map[string]int{}, payoutCalls: map[string]int{}, statusCalls: map[string]int{},
		statusSeq: []string{"processing", "approved"}}
}

func paramOf(params []job.Param, name string) string {
	for _, p := range params {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// createOrder makes an order exist at the gateway (as if a payout committed).
func (g *fakeGateway) createOrder(coid string) *fakeOrder {
	g.nextID++
	o := &fakeOrder{id: fmt.Sprintf("P%d", 1000+g.nextID), status: g.statusSeq}
	g.orders[coid] = o
	return o
}

func (g *fakeGateway) Payout(ctx context.Context, params []job.Param) (Reply, error) {
	coid := paramOf(params, "client_orderid")
	if g.entered != nil {
		g.entered <- struct{}{}
	}
	if g.release != nil {
		select {
		case <-g.release:
		case <-ctx.Done(): // the request was written: the gateway commits, the answer is lost
			g.mu.Lock()
			defer g.mu.Unlock()
			g.payoutCalls[coid]++
			g.createOrder(coid)
			return Reply{}, &fakeErr{class: submit.ClassAmbiguous}
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.payoutCalls[coid]++
	what := payAccept
	if s := g.payScript[coid]; len(s) > 0 {
		what, g.payScript[coid] = s[0], s[1:]
	}
	switch what {
	case payAccept:
		o := g.createOrder(coid)
		return Reply{OrderID: o.id, SerialNumber: "S" + o.id}, nil
	case payReject:
		return Reply{}, &fakeErr{submit.ClassRejected, GatewayInfo{ErrorCode: "V100", ErrorMessage: "bad account"}}
	case payRetryable:
		return Reply{}, &fakeErr{class: submit.ClassRetryable}
	case payThrottled:
		return Reply{}, &fakeErr{submit.ClassThrottled, GatewayInfo{RetryAfter: 2 * time.Second}}
	case payAuth:
		return Reply{}, &fakeErr{class: submit.ClassAuth}
	case payAmbiguousCommit:
		g.createOrder(coid)
		return Reply{}, &fakeErr{class: submit.ClassAmbiguous}
	case payAmbiguousLost:
		return Reply{}, &fakeErr{class: submit.ClassAmbiguous}
	case payGatewayErrorID:
		o := g.createOrder(coid)
		return Reply{}, &fakeErr{submit.ClassGatewayError, GatewayInfo{OrderID: o.id, ErrorCode: "E1", ErrorMessage: "processing error"}}
	case payGatewayErrorNoID:
		return Reply{}, &fakeErr{submit.ClassGatewayError, GatewayInfo{ErrorCode: "E2", ErrorMessage: "refused"}}
	}
	panic("unknown behaviour " + what)
}

func (g *fakeGateway) Status(ctx context.Context, q StatusQuery) (StatusReply, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.statusCalls[q.ClientOrderID]++
	if g.lookupFails[q.ClientOrderID] > 0 {
		g.lookupFails[q.ClientOrderID]--
		return StatusReply{}, &fakeErr{class: submit.ClassAmbiguous}
	}
	o, ok := g.orders[q.ClientOrderID]
	if !ok {
		return StatusReply{}, &fakeErr{class: submit.ClassNotFound}
	}
	if q.OrderID != "" && q.OrderID != o.id {
		return StatusReply{}, &fakeErr{class: submit.ClassRejected}
	}
	st := o.status[min(o.calls, len(o.status)-1)]
	o.calls++
	final := st == "approved" || st == "declined" || st == "filtered" || st == "error"
	return StatusReply{Status: st, Final: final, OrderID: o.id, SerialNumber: "S" + o.id}, nil
}

func (g *fakeGateway) payouts(coid string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.payoutCalls[coid]
}

func (g *fakeGateway) statuses(coid string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.statusCalls[coid]
}

// fakeMsg is a job delivery that records the machine's reply.
type fakeMsg struct {
	mu         sync.Mutex
	data       []byte
	subject    string
	meta       jetstream.MsgMetadata
	replies    []string
	delay      time.Duration
	inProgress int
}

func (m *fakeMsg) Metadata() (*jetstream.MsgMetadata, error) { md := m.meta; return &md, nil }
func (m *fakeMsg) Data() []byte                              { return m.data }
func (m *fakeMsg) Headers() nats.Header                      { return nil }
func (m *fakeMsg) Subject() string                           { return m.subject }
func (m *fakeMsg) Reply() string                             { return "" }
func (m *fakeMsg) reply(r string)                            { m.mu.Lock(); m.replies = append(m.replies, r); m.mu.Unlock() }
func (m *fakeMsg) Ack() error                                { m.reply("ack"); return nil }
func (m *fakeMsg) DoubleAck(context.Context) error           { m.reply("double_ack"); return nil }
func (m *fakeMsg) Nak() error                                { m.reply("nak"); return nil }
func (m *fakeMsg) NakWithDelay(d time.Duration) error {
	m.mu.Lock()
	m.delay = d
	m.mu.Unlock()
	m.reply("nak_delay")
	return nil
}
func (m *fakeMsg) InProgress() error                  { m.mu.Lock(); m.inProgress++; m.mu.Unlock(); return nil }
func (m *fakeMsg) Term() error                        { m.reply("term"); return nil }
func (m *fakeMsg) TermWithReason(reason string) error { m.reply("term"); return nil }

// env is one embedded JetStream server provisioned with the default names, a machine on it
// with a fake gateway and a fake clock.
type env struct {
	t     *testing.T
	js    jetstream.JetStream
	h     *queue.Handles
	names queue.Names
	gw    *fakeGateway
	clock *fakeClock
	m     *machine
	opts  Options
}

func newEnv(t *testing.T, mutate func(*Options)) *env {
	t.Helper()
	_, _, js := queuetest.Start(t)
	h := queuetest.Provision(t, js)
	e := &env{t: t, js: js, h: h, names: queue.DefaultNames(), gw: newFakeGateway(), clock: &fakeClock{now: t0}}
	e.opts = testOptions()
	if mutate != nil {
		mutate(&e.opts)
	}
	e.m = e.machine()
	return e
}

func (e *env) machine() *machine {
	e.t.Helper()
	m, err := newMachine(context.Background(), e.opts, Deps{JS: e.js, Gateway: e.gw, Classify: fakeClassify,
		Clock: e.clock, Log: zerolog.New(zerolog.NewTestWriter(e.t)).Level(zerolog.InfoLevel)})
	if err != nil {
		e.t.Fatalf("NewMachine: %v", err)
	}
	return m
}

// testJob is a valid payout row for batch/coid.
func testJob(coid string, line int) job.Job {
	amt, err := job.ParseAmount("10.50", "USD")
	if err != nil {
		panic(err)
	}
	return job.Job{ClientOrderID: coid, Amount: amt, Line: line, Params: []job.Param{
		{Name: "client_orderid", Value: coid}, {Name: "amount", Value: "10.50"}, {Name: "currency", Value: "USD"},
		{Name: "account_number", Value: "1234567890"}, {Name: "account_name", Value: "A Person"},
	}}
}

func jobBytes(t testing.TB, batch string, j job.Job) []byte {
	t.Helper()
	b, err := json.Marshal(job.NewMessage(batch, j))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deliver hands one delivery (number n) of the job to the machine.
func (e *env) deliver(batch, coid string, n uint64) (decision, *fakeMsg) {
	e.t.Helper()
	return e.deliverWith(e.m, batch, coid, n)
}

func (e *env) deliverWith(m *machine, batch, coid string, n uint64) (decision, *fakeMsg) {
	e.t.Helper()
	e.enqueued(batch, coid)
	return e.deliverRaw(m, e.names.JobSubject(batch), batch, coid, n)
}

// deliverRaw hands the machine a delivery of the job as it is, on subject, without making it
// look enqueued first.
func (e *env) deliverRaw(m *machine, subject, batch, coid string, n uint64) (decision, *fakeMsg) {
	msg := &fakeMsg{data: jobBytes(e.t, batch, testJob(coid, 2)), subject: subject,
		meta: jetstream.MsgMetadata{NumDelivered: n, Sequence: jetstream.SequencePair{Stream: 7}, Timestamp: t0}}
	d := m.Handle(context.Background(), msg)
	return d, msg
}

// enqueued makes the row look enqueued as enqueue leaves it: the batch has a manifest (state
// publishing, unless a test stored one already) and the client_orderid is reserved for it.
func (e *env) enqueued(batch, coid string) {
	e.t.Helper()
	ctx := context.Background()
	man := fmt.Appendf(nil, `{"batch_id":%q,"state":"publishing"}`, batch)
	if _, err := e.h.Batches.Create(ctx, e.names.BatchKey(batch), man); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		e.t.Fatal(err)
	}
	if _, err := e.h.Orders.Create(ctx, e.names.OrderKey(coid), []byte(batch)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		e.t.Fatal(err)
	}
}

func (e *env) ledger(batch, coid string) *Entry {
	e.t.Helper()
	en, _, err := e.m.ledger.Get(context.Background(), e.names.LedgerKey(batch, coid))
	if err != nil {
		e.t.Fatal(err)
	}
	return en
}

func (e *env) putLedger(batch, coid string, en *Entry) {
	e.t.Helper()
	if _, err := e.m.ledger.Put(context.Background(), e.names.LedgerKey(batch, coid), en, 0); err != nil {
		e.t.Fatal(err)
	}
}

// read returns every message on subject in the results stream.
func (e *env) read(subject string) [][]byte {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := e.js.OrderedConsumer(ctx, e.names.ResultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		e.t.Fatal(err)
	}
	var out [][]byte
	for {
		batch, err := cons.FetchNoWait(100)
		if err != nil {
			e.t.Fatal(err)
		}
		n := 0
		for msg := range batch.Messages() {
			out = append(out, msg.Data())
			n++
		}
		if n == 0 {
			return out
		}
	}
}

func (e *env) results(batch string) []job.Result {
	e.t.Helper()
	var out []job.Result
	for _, b := range e.read(e.names.ResultSubject(batch)) {
		r, err := job.DecodeResult(b)
		if err != nil {
			e.t.Fatalf("result: %v", err)
		}
		out = append(out, r)
	}
	return out
}

func (e *env) deadLetters(batch string) []DeadLetter {
	e.t.Helper()
	var out []DeadLetter
	for _, b := range e.read(e.names.DeadSubject(batch)) {
		var d DeadLetter
		if err := json.Unmarshal(b, &d); err != nil {
			e.t.Fatal(err)
		}
		// What consumers decode must agree with what the worker wrote.
		pub, err := job.DecodeDeadLetter(b)
		if err != nil {
			e.t.Fatalf("dead letter: %v", err)
		}
		if pub.ClientOrderID != d.ClientOrderID || pub.Reason != d.Reason || pub.Result != d.Result ||
			pub.Line != d.Line || pub.StreamSeq != d.StreamSeq || (len(pub.Ledger) > 0) != (d.Ledger != nil) {
			e.t.Fatalf("job.DecodeDeadLetter %+v disagrees with %+v", pub, d)
		}
		out = append(out, d)
	}
	return out
}
