package payout

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/job"
)

// A row paid from its readable, digest-checked job records its content (amount, currency, line,
// masked destination) in its ledger entry. A later delivery of a forged message for the same row
// whose content is not checked against the row's content digest — unreadable (sealed under a
// data key the worker does not hold), or readable but arriving after the row's entry exists, when
// no send (and so no admission) follows — that drives the row's lookup to its final status
// publishes the result with the recorded content, never the message's clear fields: a forged
// message cannot put a wrong amount on a paid row. (Before: the result carried the forged
// message's amount, currency and line.)
//
// Protects I2 (the row's one result is the row's) and the reconciliation of finance reports.
func TestUnverifiedDeliveryReportsTheRecordedContent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		seal func(t *testing.T, batch string, j job.Job) []byte
	}{
		{"unreadable: sealed under a key the worker lacks", func(t *testing.T, batch string, j job.Job) []byte {
			return sealedJobBytes(t, batch, j, testKeyring(t, "k9"))
		}},
		{"readable, not sealed", func(t *testing.T, batch string, j job.Job) []byte { return jobBytes(t, batch, j) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forgedDeliveryAfterAccepted(t, tc.seal)
		})
	}
}

func forgedDeliveryAfterAccepted(t *testing.T, forge func(t *testing.T, batch string, j job.Job) []byte) {
	const batch, coid = "FORGED", "fg-1"
	e := newEnv(t, nil)
	e.putManifest(batch, 1)
	e.gw.statusSeq = []string{"processing", "processing", "approved"}
	m := e.machineWithKeys(testKeyring(t, "k1"), e.gw)
	if d := e.handleData(m, batch, sealedJobBytes(t, batch, testJob(coid, 2), testKeyring(t, "k1")), 1); d.Action == actionAck {
		t.Fatalf("first delivery acked (%s): the row must still be open", d.Reason)
	}
	if en := e.ledger(batch, coid); en == nil || en.State != StateAccepted {
		t.Fatalf("ledger %+v, want accepted", en)
	}
	if en := e.ledger(batch, coid); en.Amount != "10.50" || en.Currency != "USD" || en.Line != 2 || en.Destination != "account ******7890" {
		t.Fatalf("ledger %+v, want the row's content recorded", en)
	}

	forged := testJob(coid, 9)
	amt, err := job.ParseAmount("999.00", "EUR")
	if err != nil {
		t.Fatal(err)
	}
	forged.Amount = amt
	forged.Params = []job.Param{{Name: "client_orderid", Value: coid}, {Name: "amount", Value: "999.00"},
		{Name: "currency", Value: "EUR"}, {Name: "account_number", Value: "9999999999"}}
	data := forge(t, batch, forged)
	var d decision
	for n := uint64(2); n < 14; n++ {
		e.clock.Advance(time.Minute)
		if d = e.handleData(m, batch, data, n); d.Action == actionAck || d.Action == actionTerm {
			break
		}
	}
	if e.gw.payouts(coid) != 1 {
		t.Fatalf("%d payout requests, want the one of the readable job", e.gw.payouts(coid))
	}
	rs := e.results(batch)
	if d.Action != actionAck || len(rs) != 1 || rs[0].Status != job.StatusApproved {
		t.Fatalf("decision %+v results %+v, want one approved result", d, rs)
	}
	if r := rs[0]; r.Amount != "10.50" || r.Currency != "USD" || r.Line != 2 || r.Destination != "account ******7890" {
		t.Fatalf("result %+v: want the recorded amount 10.50 USD, line 2, destination account ******7890", r)
	}
}

// An entry written before entries recorded the row's content decodes, has no content, and
// encodes again without the new fields: older and newer builds read each other's entries.
func TestEntryWithoutContentFromAnOlderBuild(t *testing.T) {
	t.Parallel()
	raw := `{"version":1,"batch_id":"b1","client_orderid":"o1","line":2,"state":"accepted","attempts":1,"failures":0,"order_id":"P1"}`
	var e Entry
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		t.Fatal(err)
	}
	if e.State != StateAccepted || e.OrderID != "P1" || e.Line != 2 || e.Amount != "" || e.Currency != "" || e.Destination != "" {
		t.Fatalf("decoded %+v", e)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"amount"`, `"currency"`, `"destination"`} {
		if strings.Contains(string(b), k) {
			t.Errorf("re-encoded %s holds %s", b, k)
		}
	}
	if e.Version != EntryVersion {
		t.Errorf("version %d, want %d", e.Version, EntryVersion)
	}
}
