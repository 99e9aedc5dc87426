package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

func TestScenario(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *sandbox.Options) { o.Scenario = map[string]string{"5555": "on_hold"} })
	tests := []struct {
		account, status, code string
	}{
		{"1234567890", "approved", ""},
		{"0987654321", "declined", "DECLINED"},
		{"1987654321", "error", "PROCESSOR_INTERNAL_ERROR"},
		{"DE89370400440532013000", "approved", ""},
		{"5555", "on_hold", ""},
	}
	for i, tc := range tests {
		coid := "scn-" + tc.account
		a := h.payout(coid, tc.account)
		if a.code != http.StatusOK || a.form["type"] != "async-response" || a.form["paynet-order-id"] == "" ||
			a.form["merchant-order-id"] != coid || a.form["end-point-id"] != "39915" || a.form["serial-number"] == "" {
			t.Fatalf("%d: payout answer %d %q", i, a.code, a.body)
		}
		if !strings.HasSuffix(a.body, "\n") || strings.Count(a.body, "\n&") != strings.Count(a.body, "&") {
			t.Errorf("%d: values must end in a newline: %q", i, a.body)
		}
		s := h.status("client_orderid", coid)
		if s.form["type"] != "status-response" || s.form["status"] != tc.status || s.form["error-code"] != tc.code ||
			s.form["paynet-order-id"] != a.form["paynet-order-id"] || s.form["amount"] != "10.42" || s.form["currency"] != "USD" {
			t.Errorf("%d: status answer %q", i, s.body)
		}
	}
}

func TestProcessingPollsThenFinal(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *sandbox.Options) { o.ProcessingPolls = 2 })
	a := h.payout("pp-1", "0987654321")
	id := a.form["paynet-order-id"]
	var got []string
	for range 4 {
		got = append(got, h.status("client_orderid", "pp-1", "orderid", id).form["status"])
	}
	if want := "processing,processing,declined,declined"; strings.Join(got, ",") != want {
		t.Errorf("statuses %v, want %s", got, want)
	}
}

// Orders is the sandbox's own record: every committed payout of a client_orderid, oldest first,
// with the status a lookup would answer now; reading it counts no poll.
func TestOrders(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *sandbox.Options) { o.ProcessingPolls = 1 })
	first := h.payout("ord-1", "0987654321").form["paynet-order-id"]
	if got := h.srv.Orders("ord-1"); len(got) != 1 || got[0].OrderID != first || got[0].Status != "processing" ||
		got[0].FinalStatus != "declined" || got[0].Amount != "10.42" || got[0].Currency != "USD" {
		t.Fatalf("after one payout: %+v", got)
	}
	h.status("client_orderid", "ord-1") // processing
	h.status("client_orderid", "ord-1") // final
	second := h.payout("ord-1", "0987654321").form["paynet-order-id"]
	got := h.srv.Orders("ord-1")
	if len(got) != 2 || got[0].OrderID != first || got[0].Status != "declined" || got[1].OrderID != second || got[1].Status != "processing" {
		t.Errorf("after two status polls and a second payout: %+v", got)
	}
	if got := h.srv.Orders("ord-none"); len(got) != 0 {
		t.Errorf("unknown client_orderid: %+v", got)
	}
	if st := h.srv.Stats(); st.StatusAnswers["processing"] != 1 || st.StatusAnswers["declined"] != 1 || st.Duplicates != 1 {
		t.Errorf("reading Orders must not count polls: %+v", st)
	}
}

func TestStatusLookup(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	id := h.payout("look-1", "1234567890").form["paynet-order-id"]
	h.payout("look-2", "1234567890")
	tests := []struct {
		name   string
		params []string
		want   string // status, or the answer type when not found
	}{
		{"by client_orderid", []string{"client_orderid", "look-1"}, "approved"},
		{"by orderid", []string{"orderid", id}, "approved"},
		{"by both", []string{"client_orderid", "look-1", "orderid", id}, "approved"},
		{"mismatch", []string{"client_orderid", "look-2", "orderid", id}, "validation-error"},
		{"unknown client_orderid", []string{"client_orderid", "nope"}, "validation-error"},
		{"unknown orderid", []string{"orderid", "1"}, "validation-error"},
	}
	for _, tc := range tests {
		a := h.status(tc.params...)
		got := a.form["status"]
		if a.form["type"] != "status-response" {
			got = a.form["type"]
			if a.form["paynet-order-id"] != "" || a.form["error-message"] == "" {
				t.Errorf("%s: not-found answer must carry a message and no order id: %q", tc.name, a.body)
			}
		}
		if got != tc.want {
			t.Errorf("%s: got %q (%q), want %q", tc.name, got, a.body, tc.want)
		}
	}
	if st := h.srv.Stats(); st.NotFound != 3 || st.StatusAnswers["approved"] != 3 {
		t.Errorf("stats: not_found %d, approved answers %d", st.NotFound, st.StatusAnswers["approved"])
	}
}

func TestNotFoundTypeAndUnderscoreErrors(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *sandbox.Options) { o.NotFoundType = "error"; o.UnderscoreErrors = true })
	a := h.status("client_orderid", "missing")
	if a.form["type"] != "error" || a.form["error_message"] == "" || a.form["error_code"] == "" || a.form["error-message"] != "" {
		t.Errorf("answer %q", a.body)
	}
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	long := strings.Repeat("x", 129)
	tests := []struct {
		name   string
		params []string
		want   string // part of the error message
	}{
		{"no client_orderid", []string{"amount", "1", "currency", "USD", "account_number", "1"}, "client_orderid"},
		{"no amount", []string{"client_orderid", "v", "currency", "USD", "account_number", "1"}, "amount"},
		{"bad amount", []string{"client_orderid", "v", "amount", "1,5", "currency", "USD", "account_number", "1"}, "amount"},
		{"zero amount", []string{"client_orderid", "v", "amount", "0.00", "currency", "USD", "account_number", "1"}, "amount"},
		{"bad currency", []string{"client_orderid", "v", "amount", "1", "currency", "usd", "account_number", "1"}, "currency"},
		{"unknown currency", []string{"client_orderid", "v", "amount", "1", "currency", "XXQ", "account_number", "1"}, "currency"},
		{"too many decimals", []string{"client_orderid", "v", "amount", "1.234", "currency", "USD", "account_number", "1"}, "fraction"},
		{"decimals for JPY", []string{"client_orderid", "v", "amount", "7.5", "currency", "JPY", "account_number", "1"}, "fraction"},
		{"no destination", []string{"client_orderid", "v", "amount", "1", "currency", "USD"}, "destination"},
		{"too long", []string{"client_orderid", long, "amount", "1", "currency", "USD", "account_number", "1"}, "longer"},
		{"repeated", []string{"client_orderid", "v", "client_orderid", "w", "amount", "1", "currency", "USD", "account_number", "1"}, "more than once"},
		{"bad callback", []string{"client_orderid", "v", "amount", "1", "currency", "USD", "account_number", "1", "server_callback_url", "ftp://x"}, "server_callback_url"},
	}
	for _, tc := range tests {
		a := h.post("/api/v4/payout/39915", tc.params...)
		if a.code != http.StatusOK || a.form["type"] != "validation-error" || !strings.Contains(a.form["error-message"], tc.want) ||
			a.form["paynet-order-id"] != "" || a.form["error-code"] == "" {
			t.Errorf("%s: answer %d %q", tc.name, a.code, a.body)
		}
	}
	for _, tc := range [][]string{{}, {"login", "Other", "client_orderid", "x"}, {"login", login}} {
		a := h.post("/api/v4/status/39915", tc...)
		if a.form["type"] != "validation-error" {
			t.Errorf("status %v: answer %q", tc, a.body)
		}
	}
	if st := h.srv.Stats(); st.Orders != 0 || st.ValidationErrors != int64(len(tests)+3) {
		t.Errorf("orders %d, validation errors %d", st.Orders, st.ValidationErrors)
	}
}

func TestAuthFailures(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	u := h.srv.URL() + "/api/v4/payout/39915"
	good := func() (string, string) {
		d, err := h.sign.Sign(http.MethodPost, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return d.AuthorizationHeader, d.Body
	}
	auth, _ := good()
	tests := []struct {
		name, auth, body, reason string
	}{
		{"no header", "", "client_orderid=1", "malformed_header"},
		{"tampered body", auth, "client_orderid=2", "bad_signature"},
		{"garbage", "OAuth nonsense", "", "malformed_header"},
	}
	for _, tc := range tests {
		a := h.raw(u, tc.auth, tc.body)
		if a.code != http.StatusForbidden || !strings.Contains(a.body, "Access is denied") {
			t.Errorf("%s: answer %d %q", tc.name, a.code, a.body)
		}
	}
	auth, body := good()
	if a := h.raw(u, auth, body); a.code != http.StatusOK {
		t.Fatalf("first use: %d %q", a.code, a.body)
	}
	if a := h.raw(u, auth, body); a.code != http.StatusForbidden {
		t.Errorf("replay: %d %q", a.code, a.body)
	}
	st := h.srv.Stats()
	if st.BadSignatures != 1 || st.AuthFailures["malformed_header"] != 2 || st.AuthFailures["replayed_nonce"] != 1 || st.Orders != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestStaleTimestampAndUnknownMerchant(t *testing.T) {
	t.Parallel()
	clock := newFixedClock(time.Now().Unix() + 3600)
	h := start(t, func(o *sandbox.Options) { o.Clock = clock })
	if a := h.payout("stale-1", "1"); a.code != http.StatusForbidden {
		t.Errorf("stale: %d %q", a.code, a.body)
	}
	clock.unix.Store(time.Now().Unix())
	if a := h.payout("stale-2", "1"); a.code != http.StatusOK {
		t.Errorf("fresh: %d %q", a.code, a.body)
	}
	other := start(t, func(o *sandbox.Options) { o.Login = "SomeoneElse" })
	other.sign = h.sign // signs as TestMerchant: a valid signature of another merchant
	if a := other.payout("um-1", "1"); a.code != http.StatusForbidden {
		t.Errorf("unknown merchant: %d %q", a.code, a.body)
	}
	if n := h.srv.Stats().AuthFailures["stale_timestamp"]; n != 1 {
		t.Errorf("stale_timestamp count %d", n)
	}
	if n := other.srv.Stats().AuthFailures["unknown_merchant"]; n != 1 {
		t.Errorf("unknown_merchant count %d", n)
	}
}

func TestDuplicatesAreCounted(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	first := h.payout("dup-1", "1234567890").form["paynet-order-id"]
	second := h.payout("dup-1", "1234567890").form["paynet-order-id"]
	h.payout("dup-2", "1234567890")
	if first == "" || second == "" || first == second {
		t.Fatalf("order ids %q %q", first, second)
	}
	st := h.srv.Stats()
	if st.Orders != 3 || st.Duplicates != 1 || len(st.DuplicateClientOrderIDs) != 1 || st.DuplicateClientOrderIDs[0] != "dup-1" {
		t.Errorf("stats %+v", st)
	}
	if h.srv.PayoutCount("dup-1") != 2 || h.srv.PayoutCount("dup-2") != 1 || h.srv.PayoutCount("none") != 0 {
		t.Errorf("payout counts %d %d", h.srv.PayoutCount("dup-1"), h.srv.PayoutCount("dup-2"))
	}
}

func TestStatsEndpointAndWindows(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	for i := range 5 {
		h.payout("st-"+string(rune('a'+i)), "1234567890")
	}
	h.status("client_orderid", "st-a")
	res, err := h.http.Get(strings.TrimSuffix(h.srv.URL(), sandbox.BasePath) + "/sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st sandbox.Stats
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.Requests != 6 || st.RequestsByCall["payout"] != 5 || st.RequestsByCall["status"] != 1 || st.Orders != 5 {
		t.Errorf("stats %+v", st)
	}
	var sum int64
	for _, s := range st.PerSecond {
		sum += s.Count
	}
	if sum != 6 || st.MaxPerSecond < 1 || st.MaxPerSecond > 6 {
		t.Errorf("per-second histogram %+v, max %d", st.PerSecond, st.MaxPerSecond)
	}
	if n := h.srv.MaxRequestsIn(time.Hour); n != 6 {
		t.Errorf("MaxRequestsIn(1h) = %d, want 6", n)
	}
	if n := h.srv.MaxRequestsIn(time.Nanosecond); n != 1 {
		t.Errorf("MaxRequestsIn(1ns) = %d, want 1", n)
	}
	// An empty or negative window holds no request; it must not panic.
	for _, d := range []time.Duration{0, -time.Second} {
		if n := h.srv.MaxRequestsIn(d); n != 0 {
			t.Errorf("MaxRequestsIn(%s) = %d, want 0", d, n)
		}
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	if a := h.post("/api/v4/refund/1"); a.code != http.StatusNotFound {
		t.Errorf("unknown path: %d", a.code)
	}
	res, err := h.http.Get(h.srv.URL() + "/api/v4/payout/1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET payout: %d", res.StatusCode)
	}
	if st := h.srv.Stats(); st.RequestsByCall["other"] != 2 || st.Orders != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	_, pub := signertest.Key(t)
	bad := []sandbox.Options{
		{Login: login},
		{PublicKey: pub},
		{PublicKey: pub, Login: login, Faults: sandbox.Faults{DropAfter: 1.5}},
		{PublicKey: pub, Login: login, Faults: sandbox.Faults{DropAfter: 0.6, Error5xxBefore: 0.6}},
		{PublicKey: pub, Login: login, NotFoundType: "nope"},
		{PublicKey: pub, Login: login, VerifyBaseURL: "not a url"},
		{PublicKey: pub, Login: login, ProcessingPolls: -1},
		{PublicKey: pub, Login: login, Faults: sandbox.Faults{Error5xxCodes: []int{503, 429}}},
	}
	for i, o := range bad {
		if _, err := sandbox.New(o); err == nil {
			t.Errorf("%d: New accepted %+v", i, o)
		}
	}
	if _, err := sandbox.Start("0.0.0.0:0", sandbox.Options{PublicKey: pub, Login: login}); err == nil {
		t.Error("Start accepted a non-loopback address")
	}
}
