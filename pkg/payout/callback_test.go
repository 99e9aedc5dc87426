package payout

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/signer"
)

func TestCallbackTriggersLookup(t *testing.T) {
	t.Parallel()
	p := newPoolEnv(t)
	gw := newFakeGateway()
	gw.statusSeq = []string{"approved"}
	const batch, coid, key = "CB-1", "cb-0001", "test-merchant-control"
	p.enqueue(batch, []job.Job{testJob(coid, 2)})
	opts := fastOptions(2)
	opts.Poll = PollOptions{FastInterval: 10 * time.Minute, FastPhase: time.Second, SlowInterval: 10 * time.Minute, Horizon: time.Hour}
	pool, err := NewPool(opts, Deps{JS: p.js, Gateway: gw, Classify: fakeClassify, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	h := pool.CallbackHandler(key)
	call := func(status, orderID, control string) int {
		q := url.Values{"status": {status}, "orderid": {orderID}, "merchant_order": {coid}, "client_orderid": {coid}, "control": {control}}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?"+q.Encode(), nil))
		return rec.Code
	}
	if code := call("approved", "P1", signer.CallbackControl("approved", "P1", coid, key)); code != http.StatusServiceUnavailable {
		t.Fatalf("before Run: %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- pool.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	ledger := func() *Entry {
		kv, err := p.h.Ledger.Get(context.Background(), p.names.LedgerKey(batch, coid))
		if err != nil {
			return nil
		}
		var e Entry
		if err := json.Unmarshal(kv.Value(), &e); err != nil {
			t.Fatal(err)
		}
		return &e
	}
	testwait.Eventually(t, 10*time.Second, "accepted", func() bool { e := ledger(); return e != nil && e.State == StateAccepted })

	orderID := ledger().OrderID
	if code := call("approved", orderID, "0000000000000000000000000000000000000000"); code != http.StatusForbidden {
		t.Fatalf("bad control: %d", code)
	}
	if gw.statuses(coid) != 0 {
		t.Fatal("a callback with a bad control triggered a lookup")
	}
	if code := call("approved", orderID, signer.CallbackControl("approved", orderID, coid, key)); code != http.StatusOK {
		t.Fatalf("good callback: %d", code)
	}
	if e := ledger(); gw.statuses(coid) != 1 || e.State != StateFinal || e.Result != job.StatusApproved {
		t.Fatalf("after callback: %d lookups, ledger %+v", gw.statuses(coid), e)
	}
	if gw.payouts(coid) != 1 {
		t.Fatalf("payouts %d", gw.payouts(coid))
	}
}

// A verified callback for a row the ledger holds as definitely not sent (pending_retry) proves
// an order exists after all: the lookup records it, and the row is never sent again.
func TestPokeRecordsOrderOfPendingRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.statusSeq = []string{"approved"}
	e.putLedger("B", "c1", &Entry{BatchID: "B", ClientOrderID: "c1", Line: 2, State: StatePendingRetry, Attempts: 1, Failures: 1, SubmittedAt: t0})
	o := e.gw.createOrder("c1") // the "not sent" request reached the gateway after all
	if err := e.m.Poke(context.Background(), "c1", o.id); err != nil {
		t.Fatal(err)
	}
	if got := e.ledger("B", "c1"); got.State != StateFinal || got.Result != job.StatusApproved || got.OrderID != o.id {
		t.Fatalf("ledger after the callback %+v, want final approved with order %s", got, o.id)
	}
	if d, _ := e.deliver("B", "c1", 2); d.Action != actionAck || e.gw.payouts("c1") != 0 {
		t.Fatalf("next delivery %+v, payout calls %d: want the result reported and no payout", d, e.gw.payouts("c1"))
	}
}
