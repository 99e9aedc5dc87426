package payout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/ratelimit"
	"github.com/payrun/payrun/pkg/signer"
)

// CallbackHandler serves the gateway's server callbacks (GET server_callback_url). It verifies
// `control` (SHA-1 of status + orderid + merchant_order + control key, constant time) and answers
// 403 when it does not match. Like the gateway's own examples it does not trust the callback's
// status: it looks the order up at once and, when the lookup finds a final status (or an order
// the ledger did not know was accepted yet), records it in the ledger with CAS. The job's next
// delivery then publishes the result without waiting for the poll cadence's next lookup to
// change anything. The row is the one the signed merchant_order names (the callback's unsigned
// fields are never used). A verified callback is answered 200 once its lookup was made (the
// gateway retries anything else), 503 while the pool is not running.
//
// Verified callbacks are de-duplicated per (merchant_order, orderid, status): a replay of one
// already looked up is answered 200 at once. Lookups are bounded by Options.CallbackRate and
// CallbackBurst: a callback beyond them, or whose lookup failed, is answered 503 with
// Retry-After (the gateway sends it again), so no evidence is lost and replays cannot starve
// payouts of the gateway budget.
func (p *Pool) CallbackHandler(controlKey string) http.Handler {
	gate := newCallbackGate(p.opts.WithDefaults())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		f := r.Form
		status, orderID, merchantOrder := f.Get("status"), f.Get("orderid"), f.Get("merchant_order")
		if controlKey == "" || !signer.CheckCallbackControl(status, orderID, merchantOrder, controlKey, f.Get("control")) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		// The row is the one the signature covers: merchant_order (= client_orderid). The
		// callback's other fields, client_orderid included, are not signed and never used.
		coid := merchantOrder
		p.mu.Lock()
		m := p.machine
		p.mu.Unlock()
		if m == nil {
			http.Error(w, "not running", http.StatusServiceUnavailable)
			return
		}
		key := callbackKey(coid, orderID, status)
		if gate.duplicate(key) {
			w.WriteHeader(http.StatusOK)
			return
		}
		if !gate.allow() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if err := m.Poke(r.Context(), coid, orderID); err != nil {
			m.log.Warn().Err(err).Str("client_orderid", job.MaskText(coid)).Str("order_id", job.MaskText(orderID)).Msg("payout: callback lookup failed: asking the gateway to send it again")
			w.Header().Set("Retry-After", "5")
			http.Error(w, "lookup failed", http.StatusServiceUnavailable)
			return
		}
		gate.done(key)
		w.WriteHeader(http.StatusOK)
	})
}

// errNothingLearned is Poke's error when a lookup taught nothing about an entry.
var errNothingLearned = errors.New("nothing learned")

// Poke looks up the order of every ledger entry for clientOrderID that is submitting, accepted
// or pending_retry (a callback for a request thought unsent proves it was not), and records a
// final status (or a newly seen order) found there, so that the row is never sent again. It
// never submits and never counts a failure against the row: a lookup that teaches nothing is
// returned as an error (the caller asks the gateway to send the callback again) and otherwise
// left to the job's own deliveries. orderID (from a verified callback) is used when the ledger
// has none.
func (m *machine) Poke(ctx context.Context, clientOrderID, orderID string) error {
	keys, err := m.ledger.kv.ListKeysFiltered(ctx, "*."+queue.Token(clientOrderID))
	if err != nil {
		return fmt.Errorf("payout: poke: list ledger: %w", err)
	}
	var found []string
	for k := range keys.Keys() {
		found = append(found, k)
	}
	var errs []error
	for _, key := range found {
		errs = append(errs, m.poke(ctx, key, clientOrderID, orderID))
	}
	return errors.Join(errs...)
}

// pokable reports whether a callback's lookup may teach the entry something.
func pokable(e *Entry) bool {
	return e != nil && (e.State == StateSubmitting || e.State == StateAccepted || e.State == StatePendingRetry)
}

func (m *machine) poke(ctx context.Context, key, clientOrderID, orderID string) error {
	entry, rev, err := m.get(ctx, key)
	if err != nil || !pokable(entry) {
		return err
	}
	if entry.OrderID != "" {
		orderID = entry.OrderID
	}
	ctx = limitContext(ctx, ratelimit.KindStatus, entry.BatchID)
	if m.limiter != nil {
		if err := m.limiter.Wait(ctx); err != nil {
			return fmt.Errorf("payout: poke: rate limit: %w", err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, m.opts.CallTimeout)
	start := time.Now()
	reply, err := m.gw.Status(cctx, StatusQuery{ClientOrderID: clientOrderID, OrderID: orderID})
	cancel()
	out, info := statusOutcome(m.classify, reply, err)
	m.met.gatewayCall("status", out, time.Since(start))
	if (out != outcomeFinal && out != outcomePending) || foreignOrder(entry, info) {
		// Not found, failed or about another order: nothing learned, nothing counted against the
		// row (its own deliveries decide); the error makes the gateway send the callback again.
		return fmt.Errorf("payout: poke %s: lookup %s: %w", key, out, errNothingLearned)
	}
	row := rowID{BatchID: entry.BatchID, ClientOrderID: entry.ClientOrderID, Line: entry.Line}
	for range maxSteps {
		d := m.cls.Decide(input{Event: eventStatus, Row: row, Entry: entry, Outcome: out, Gateway: info, Now: m.clock.Now()})
		if d.Next == nil || d.Step == stepSubmit {
			return nil
		}
		_, err := m.put(ctx, key, d.Next, rev)
		if !errors.Is(err, errConflict) {
			return err
		}
		// The row moved meanwhile (a delivery, a re-send starting): the order the lookup found
		// is still evidence, so decide again on the new state rather than drop it.
		m.met.conflicts.Inc()
		if entry, rev, err = m.get(ctx, key); err != nil || !pokable(entry) || foreignOrder(entry, info) {
			return err
		}
	}
	return fmt.Errorf("payout: poke %s: %w", key, errConflict)
}
