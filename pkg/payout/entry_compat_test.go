package payout

import (
	"encoding/json"
	"testing"

	"github.com/rs/zerolog"
)

// TestEntryWithAmbiguousFromAnOlderBuild protects I1 across an upgrade: an entry written by a
// build that still had the "ambiguous" flag decodes (the field is ignored), and its row is
// still looked up before any send, settled first, and never counted as proven unsent.
func TestEntryWithAmbiguousFromAnOlderBuild(t *testing.T) {
	t.Parallel()
	var e Entry
	raw := `{"version":1,"batch_id":"b1","client_orderid":"o1","state":"submitting","attempts":1,"failures":0,"ambiguous":true,"submitted_at":"2026-11-27T03:00:00Z"}`
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		t.Fatal(err)
	}
	if !lookupFirst(&e, deliveryMeta{NumDelivered: 2}) {
		t.Error("an entry whose outcome was unknown is sent without a lookup")
	}
	if e.ProvenUnsent() {
		t.Error("an entry whose outcome was unknown counts as proven unsent")
	}
	c := newClassifier(testOptions(), zerolog.Nop())
	if d := c.Decide(input{Event: eventDelivery, Entry: &e, Delivery: deliveryMeta{NumDelivered: 2}, Now: t0}); d.Step != stepNone || d.Action != actionNakDelay {
		t.Errorf("delivery within settle: %s/%s (%s), want a wait", d.Action, d.Step, d.Reason)
	}
}
