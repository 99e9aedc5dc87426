package payout

import (
	"encoding/json"
	"strings"
	"testing"
)

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
