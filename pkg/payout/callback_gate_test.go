package payout

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/payrun/payrun/pkg/signer"
)

const gateKey = "test-merchant-control"

func callback(h http.Handler, status, orderID, merchantOrder string) int {
	q := url.Values{"status": {status}, "orderid": {orderID}, "merchant_order": {merchantOrder},
		"control": {signer.CallbackControl(status, orderID, merchantOrder, gateKey)}}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?"+q.Encode(), nil))
	return rec.Code
}

// Verified callbacks replayed for the same (order, status) cost one lookup, not one each: a
// replay cannot spend the pool's gateway budget.
//
// Protects I3 (the lookups that give positive evidence before a possible second send are not
// starved of the gateway budget by callback replays).
func TestCallbackReplaysDeduplicated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.statusSeq = []string{"processing"}
	o := e.gw.createOrder("c1")
	e.putLedger("B", "c1", &Entry{BatchID: "B", ClientOrderID: "c1", Line: 2, State: StateAccepted, Attempts: 1,
		OrderID: o.id, SubmittedAt: t0, AcceptedAt: t0, StatusChangedAt: t0, LastStatus: "processing"})
	h := (&Pool{opts: e.opts, machine: e.m}).CallbackHandler(gateKey)
	for range 50 {
		if code := callback(h, "processing", o.id, "c1"); code != http.StatusOK {
			t.Fatalf("replayed verified callback answered %d", code)
		}
	}
	if n := e.gw.statuses("c1"); n != 1 {
		t.Fatalf("50 replays of one callback made %d lookups, want 1", n)
	}
	if code := callback(h, "approved", o.id, "c1"); code != http.StatusOK || e.gw.statuses("c1") != 2 {
		t.Fatalf("a callback with a new status: %d, lookups %d, want a second lookup", code, e.gw.statuses("c1"))
	}
}

// Callbacks beyond the callback rate are answered 503 without a lookup (the gateway retries
// them later, so no evidence is lost), whatever orders they name.
//
// Protects I3 (as above) and I4 (a callback beyond the rate is deferred, never dropped).
func TestCallbackRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	opts := e.opts
	opts.CallbackRate, opts.CallbackBurst = 0.001, 3
	h := (&Pool{opts: opts, machine: e.m}).CallbackHandler(gateKey)
	ok, busy := 0, 0
	for i := range 20 {
		coid := fmt.Sprintf("c%d", i)
		o := e.gw.createOrder(coid)
		e.putLedger("B", coid, &Entry{BatchID: "B", ClientOrderID: coid, Line: 2, State: StateAccepted, Attempts: 1,
			OrderID: o.id, SubmittedAt: t0, AcceptedAt: t0, StatusChangedAt: t0, LastStatus: "processing"})
		switch code := callback(h, "approved", o.id, coid); code {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
			busy++
		default:
			t.Fatalf("callback answered %d", code)
		}
	}
	lookups := 0
	for i := range 20 {
		lookups += e.gw.statuses(fmt.Sprintf("c%d", i))
	}
	if ok != 3 || busy != 17 || lookups != 3 {
		t.Fatalf("20 callbacks at burst 3: %d answered 200, %d answered 503, %d lookups; want 3, 17, 3", ok, busy, lookups)
	}
}
