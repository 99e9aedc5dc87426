package submit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/submit"
)

func TestLogsCarryIDsAndNoSecrets(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	c, logs := newClient(t, srv.URL(), nil)
	ctx := submit.WithBatch(context.Background(), "B-1")
	params := append(payoutParams("log-1", "1234567890"),
		signer.Param{Name: "credit_card_number", Value: "4111111111111111"},
		signer.Param{Name: "cvv2", Value: "987"})
	res, err := c.Payout(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNth(sandbox.CallStatus, 1, sandbox.Fault5xxBefore)
	if _, err := c.Status(ctx, submit.StatusQuery{ClientOrderID: "log-1", OrderID: res.OrderID}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, secret := range []string{"1234567890", "4111111111111111", "cvv2", "credit_card_number", "account_number", "oauth_signature", "OAuth ", "PRIVATE KEY"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line per HTTP request (3), got %d:\n%s", len(lines), out)
	}
	var entries []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, m)
	}
	want := []struct {
		call, class string
		attempt     float64
		hasOrder    bool
		level       string
	}{{"payout", "ok", 1, true, "debug"}, {"status", "ambiguous", 1, false, "warn"}, {"status", "ok", 2, true, "debug"}}
	for i, w := range want {
		e := entries[i]
		if e["call"] != w.call || e["class"] != w.class || e["attempt"] != w.attempt || e["client_orderid"] != "log-1" ||
			(e["paynet_order_id"] == res.OrderID) != w.hasOrder || e["duration_ms"] == nil || e["batch"] != "B-1" || e["level"] != w.level {
			t.Errorf("line %d: %v", i, e)
		}
		if w.hasOrder && e["serial_number"] == nil {
			t.Errorf("line %d lacks the serial number: %v", i, e)
		}
	}
	if entries[2]["status"] != "approved" || entries[1]["http_status"] != float64(500) {
		t.Errorf("status lines: %v / %v", entries[1], entries[2])
	}
}
