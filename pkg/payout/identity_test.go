package payout

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/signer"
)

// foreignGateway answers every status call with a final status of another order.
type foreignGateway struct {
	*fakeGateway
	orderID string
}

func (g foreignGateway) Status(ctx context.Context, q StatusQuery) (StatusReply, error) {
	_, _ = g.fakeGateway.Status(ctx, q) // counted
	return StatusReply{Status: "approved", Final: true, OrderID: g.orderID}, nil
}

// A status answer naming another paynet order than the one the ledger knows for the row is a
// failed lookup: the known order id is never replaced and the row does not end on it.
//
// Protects I1 (an answer about another order is no answer) and I2 (the row ends on its own
// order's status).
func TestStatusOfAnotherOrderIsFailedLookup(t *testing.T) {
	t.Parallel()
	for _, state := range []State{StateAccepted, StateSubmitting} {
		t.Run(string(state), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.m.gw = foreignGateway{fakeGateway: e.gw, orderID: "P-OTHER"}
			e.putLedger("B", "c1", &Entry{BatchID: "B", ClientOrderID: "c1", Line: 2, State: state, Attempts: 1,
				OrderID: "P-MINE", SubmittedAt: t0, AcceptedAt: t0, StatusChangedAt: t0, LastStatus: "processing"})
			e.clock.Advance(e.opts.SettleDelay)
			d, _ := e.deliver("B", "c1", 2)
			got := e.ledger("B", "c1")
			if e.gw.statuses("c1") != 1 {
				t.Fatalf("lookups %d, want 1", e.gw.statuses("c1"))
			}
			if got.OrderID != "P-MINE" || got.State != state || got.Result != "" || got.Failures != 1 {
				t.Fatalf("ledger %+v after an answer about order P-OTHER: want order P-MINE kept, state %s, one failure", got, state)
			}
			if d.Action != actionNakDelay || e.gw.payouts("c1") != 0 || len(e.results("B")) != 0 {
				t.Fatalf("decision %+v", d)
			}
		})
	}
}

// A callback's row is the one its signed merchant_order names: an unsigned client_orderid
// parameter naming another row is ignored, and the other row is neither looked up nor changed.
//
// Protects I1 and I2 (an unauthenticated field cannot steer which row's evidence is written).
func TestCallbackRowOnlyFromSignedMerchantOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.statusSeq = []string{"approved"}
	const key = "test-merchant-control"
	victim := e.gw.createOrder("victim")
	e.putLedger("B", "victim", &Entry{BatchID: "B", ClientOrderID: "victim", Line: 3, State: StateAccepted, Attempts: 1,
		OrderID: victim.id, SubmittedAt: t0, AcceptedAt: t0, StatusChangedAt: t0, LastStatus: "processing"})
	pool := &Pool{machine: e.m}
	h := pool.CallbackHandler(key)
	q := url.Values{"status": {"approved"}, "orderid": {"P1"}, "merchant_order": {"signed"},
		"client_orderid": {"victim"}, "control": {signer.CallbackControl("approved", "P1", "signed", key)}}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?"+q.Encode(), nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("verified callback answered %d", rec.Code)
	}
	if n := e.gw.statuses("victim"); n != 0 {
		t.Fatalf("the unsigned client_orderid steered %d lookups to another row", n)
	}
	if got := e.ledger("B", "victim"); got.State != StateAccepted || got.Result != job.Status("") {
		t.Fatalf("another row changed by a callback that was not about it: %+v", got)
	}
}

// racingGateway answers status calls with the fake, but first lets the row's own delivery
// write the ledger entry (as a re-send in progress does), so that the caller's write conflicts.
type racingGateway struct {
	*fakeGateway
	race func()
}

func (g racingGateway) Status(ctx context.Context, q StatusQuery) (StatusReply, error) {
	g.race()
	return g.fakeGateway.Status(ctx, q)
}

// A callback whose ledger write loses a compare-and-set race (the row is being re-sent at that
// moment) re-reads the entry and records its evidence on the new state instead of dropping it.
//
// Protects I3 (positive evidence before any possible second send: the order the callback proves
// is recorded, so the row is followed, not sent again).
func TestCallbackEvidenceSurvivesConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gw.statusSeq = []string{"approved"}
	e.putLedger("B", "c1", &Entry{BatchID: "B", ClientOrderID: "c1", Line: 2, State: StatePendingRetry, Attempts: 1, Failures: 1, SubmittedAt: t0})
	o := e.gw.createOrder("c1") // the request thought unsent reached the gateway
	raced := false
	e.m.gw = racingGateway{fakeGateway: e.gw, race: func() {
		if raced {
			return
		}
		raced = true
		key := e.names.LedgerKey("B", "c1")
		en, rev, err := e.m.ledger.Get(context.Background(), key)
		if err != nil {
			t.Error(err)
			return
		}
		en.State, en.Attempts = StateSubmitting, en.Attempts+1 // the re-send starts
		if _, err := e.m.ledger.Put(context.Background(), key, en, rev); err != nil {
			t.Error(err)
		}
	}}
	if err := e.m.Poke(context.Background(), "c1", o.id); err != nil {
		t.Fatal(err)
	}
	if got := e.ledger("B", "c1"); got.State != StateFinal || got.Result != job.StatusApproved || got.OrderID != o.id {
		t.Fatalf("ledger after a callback that lost a race: %+v, want final approved with order %s", got, o.id)
	}
}
