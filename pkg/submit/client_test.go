package submit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"github.com/payrun/payrun/pkg/submit"
)

// asError returns err's *submit.Error or fails the test.
func asError(t *testing.T, err error) *submit.Error {
	t.Helper()
	var e *submit.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *submit.Error", err, err)
	}
	return e
}

func TestPayoutAcceptedAndStatusFinal(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	c, _ := newClient(t, srv.URL(), nil)
	tests := []struct{ account, status, code string }{
		{"1234567890", "approved", ""},
		{"0987654321", "declined", "DECLINED"},
		{"1987654321", "error", "PROCESSOR_INTERNAL_ERROR"},
	}
	for _, tc := range tests {
		coid := "acc-" + tc.account
		res, err := c.Payout(context.Background(), payoutParams(coid, tc.account))
		if err != nil {
			t.Fatal(err)
		}
		if res.OrderID == "" || res.SerialNumber == "" || res.MerchantOrderID != coid || res.EndpointID != "39915" || res.Attempts != 1 {
			t.Errorf("payout result %+v", res)
		}
		st, err := c.Status(context.Background(), submit.StatusQuery{ClientOrderID: coid, OrderID: res.OrderID})
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != tc.status || !st.Final || !st.Listed || st.OrderID != res.OrderID || st.ErrorCode != tc.code {
			t.Errorf("%s: status %+v", tc.account, st)
		}
	}
	if s := srv.Stats(); s.Orders != 3 || s.Duplicates != 0 {
		t.Errorf("sandbox stats %+v", s)
	}
}

func TestStatusPendingAndUnlisted(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, func(o *sandbox.Options) {
		o.ProcessingPolls = 1
		o.Scenario = map[string]string{"5555": "on_hold"}
	})
	c, _ := newClient(t, srv.URL(), nil)
	ctx := context.Background()
	if _, err := c.Payout(ctx, payoutParams("pend-1", "1234567890")); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, submit.StatusQuery{ClientOrderID: "pend-1"})
	if err != nil || st.Status != "processing" || st.Final || !st.Listed {
		t.Fatalf("first poll %+v, %v", st, err)
	}
	if st, err = c.Status(ctx, submit.StatusQuery{ClientOrderID: "pend-1"}); err != nil || st.Status != "approved" || !st.Final {
		t.Fatalf("second poll %+v, %v", st, err)
	}
	if _, err := c.Payout(ctx, payoutParams("pend-2", "5555")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		st, err = c.Status(ctx, submit.StatusQuery{ClientOrderID: "pend-2"})
	}
	if err != nil || st.Status != "on_hold" || st.Final || st.Listed {
		t.Errorf("unlisted status must be surfaced as pending: %+v, %v", st, err)
	}
}

// TestStatusNotFound protects I3 (only positive evidence of absence licenses a second send): only an answer carrying one of
// the configured not-found codes (gateway.not_found_codes) is "no such order", whatever its
// type; with a known paynet-order-id it never is.
func TestStatusNotFound(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{"validation-error", "error"} {
		srv := startSandbox(t, func(o *sandbox.Options) { o.NotFoundType = typ; o.UnderscoreErrors = typ == "error" })
		c, _ := newClient(t, srv.URL(), func(o *submit.Options) { o.NotFoundCodes = []string{sandbox.NotFoundCode} })
		_, err := c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "never-sent"})
		e := asError(t, err)
		if !errors.Is(err, submit.ErrNotFound) || e.Attempts != 1 || e.Message == "" || e.Code != sandbox.NotFoundCode {
			t.Errorf("%s: %v (attempts %d)", typ, err, e.Attempts)
		}
		// With a known paynet-order-id the same answer is not "not found".
		_, err = c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "never-sent", OrderID: "42"})
		if errors.Is(err, submit.ErrNotFound) || !(errors.Is(err, submit.ErrRejected) || errors.Is(err, submit.ErrGatewayError)) {
			t.Errorf("%s with orderid: %v", typ, err)
		}
	}
}

// TestStatusNotFoundNeedsAConfiguredCode protects I3: without configured not-found codes (the
// default for a real gateway) no answer proves absence, and an answer whose code is not listed
// (throttling, maintenance, a processing error of the lookup itself) never does either: a
// lookup can then never license a second payout.
func TestStatusNotFoundNeedsAConfiguredCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		codes []string
		typ   string
	}{
		{"no codes, validation-error", nil, "validation-error"},
		{"no codes, error", nil, "error"},
		{"other code listed", []string{"NO_SUCH_ORDER"}, "validation-error"},
	} {
		srv := startSandbox(t, func(o *sandbox.Options) { o.NotFoundType = tc.typ })
		c, _ := newClient(t, srv.URL(), func(o *submit.Options) { o.NotFoundCodes = tc.codes })
		_, err := c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "never-sent"})
		if errors.Is(err, submit.ErrNotFound) || err == nil {
			t.Errorf("%s: %v; want a failed lookup, never ErrNotFound", tc.name, err)
		}
	}
}

// TestStatusErrorIsNotNotFound protects I3: a type=error answer to a lookup by client_orderid
// alone can come for an order that exists (a processing error of the status call itself).
// Taking it for "no such order" would let the worker send the payout a second time.
func TestStatusErrorIsNotNotFound(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	c, _ := newClient(t, srv.URL(), func(o *submit.Options) { o.NotFoundCodes = []string{sandbox.NotFoundCode} })
	ctx := context.Background()
	srv.FailNth(sandbox.CallPayout, 1, sandbox.FaultDropAfter)
	if _, err := c.Payout(ctx, payoutParams("exists-1", "1234567890")); !errors.Is(err, submit.ErrAmbiguous) {
		t.Fatalf("payout: %v; want ErrAmbiguous", err)
	}
	srv.FailNth(sandbox.CallStatus, 1, sandbox.FaultErrorBefore)
	_, err := c.Status(ctx, submit.StatusQuery{ClientOrderID: "exists-1"})
	if errors.Is(err, submit.ErrNotFound) || !errors.Is(err, submit.ErrGatewayError) {
		t.Fatalf("type=error for an order that exists: %v; want ErrGatewayError, never ErrNotFound", err)
	}
	if n := srv.PayoutCount("exists-1"); n != 1 {
		t.Fatalf("sandbox payouts %d, want 1", n)
	}
}

func TestPayoutRejected(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	c, _ := newClient(t, srv.URL(), nil)
	params := payoutParams("rej-1", "1234567890")
	params[1].Value = "ten"
	_, err := c.Payout(context.Background(), params)
	e := asError(t, err)
	if !errors.Is(err, submit.ErrRejected) || e.Code == "" || !strings.Contains(e.Message, "amount") || e.OrderID != "" || e.Attempts != 1 {
		t.Errorf("err %v", err)
	}
	if srv.Stats().Orders != 0 {
		t.Error("a rejected payout created an order")
	}
}

func TestPayoutGatewayError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault     sandbox.Fault
		withOrder bool
	}{{sandbox.FaultErrorBefore, false}, {sandbox.FaultErrorAfter, true}} {
		srv := startSandbox(t, nil)
		srv.FailNth(sandbox.CallPayout, 1, tc.fault)
		c, _ := newClient(t, srv.URL(), nil)
		_, err := c.Payout(context.Background(), payoutParams("gwe-1", "1234567890"))
		e := asError(t, err)
		if !errors.Is(err, submit.ErrGatewayError) || (e.OrderID != "") != tc.withOrder || e.Attempts != 1 {
			t.Errorf("%s: %v", tc.fault, err)
		}
		if n := srv.PayoutCount("gwe-1"); n != map[bool]int{false: 0, true: 1}[tc.withOrder] {
			t.Errorf("%s: sandbox payouts %d", tc.fault, n)
		}
	}
}

func TestAuthWrongKey(t *testing.T) {
	t.Parallel()
	_, pk := signertest.Key(t)
	other := *pk
	other.E = 3 // a different public key: every signature fails
	srv := startSandbox(t, func(o *sandbox.Options) { o.PublicKey = &other })
	c, _ := newClient(t, srv.URL(), nil)
	_, err := c.Payout(context.Background(), payoutParams("auth-1", "1234567890"))
	e := asError(t, err)
	if !errors.Is(err, submit.ErrAuth) || e.HTTPStatus != 403 || e.Attempts != 1 {
		t.Errorf("payout: %v", err)
	}
	_, err = c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "auth-1"})
	if !errors.Is(err, submit.ErrAuth) || asError(t, err).Attempts != 1 {
		t.Errorf("status: %v (auth failures are not retried)", err)
	}
	if s := srv.Stats(); s.BadSignatures != 2 || s.Orders != 0 {
		t.Errorf("sandbox stats %+v", s)
	}
}

// TestAmbiguousPayoutsAreNotResent covers every way a payout's outcome can be unknown after
// the request was written. The client must report ErrAmbiguous after exactly one request.
func TestAmbiguousPayoutsAreNotResent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     sandbox.Fault
		latency   time.Duration
		committed bool // whether the sandbox created the order
		http      int
	}{
		{"dropped after commit", sandbox.FaultDropAfter, 0, true, 0},
		{"5xx after commit", sandbox.Fault5xxAfter, 0, true, 502},
		{"5xx before commit", sandbox.Fault5xxBefore, 0, false, 500},
		{"timeout", "", 2 * time.Second, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSandbox(t, func(o *sandbox.Options) { o.Faults.Latency = tc.latency })
			if tc.fault != "" {
				srv.FailNth(sandbox.CallPayout, 1, tc.fault)
			}
			pr := &pressure{}
			c, _ := newClient(t, srv.URL(), func(o *submit.Options) { o.Timeout = 200 * time.Millisecond; o.Pressure = pr })
			_, err := c.Payout(context.Background(), payoutParams("amb-1", "1234567890"))
			e := asError(t, err)
			if !errors.Is(err, submit.ErrAmbiguous) || errors.Is(err, submit.ErrRetryable) || e.Attempts != 1 || e.HTTPStatus != tc.http {
				t.Fatalf("err %v (attempts %d)", err, e.Attempts)
			}
			// None of these is pressure; a request without an answer reports nothing at all.
			if wantAnswers := min(tc.http, 1); pr.count() != 0 || pr.answers() != wantAnswers {
				t.Errorf("pressure reports %d, other answers %d; want 0 and %d", pr.count(), pr.answers(), wantAnswers)
			}
			if n := srv.Stats().RequestsByCall["payout"]; n != 1 {
				t.Errorf("sandbox saw %d payout requests, want 1: an ambiguous payout was re-sent", n)
			}
			if got := srv.PayoutCount("amb-1") == 1; got != tc.committed {
				t.Errorf("sandbox committed = %v, want %v", got, tc.committed)
			}
			if tc.committed {
				// The way out of an ambiguity: look the order up by client_orderid.
				st, err := c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "amb-1"})
				if err != nil || st.OrderID == "" {
					t.Errorf("status after ambiguity: %+v, %v", st, err)
				}
			}
		})
	}
}

func TestUnusableAnswersAreAmbiguous(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		code   int
		header map[string]string
		body   string
		class  submit.Class
		retry  time.Duration
	}{
		{"garbage 200", 200, nil, "<html>oops</html>", submit.ClassAmbiguous, 0},
		{"status-response to a payout", 200, nil, "type=status-response\n&status=approved\n", submit.ClassAmbiguous, 0},
		{"async-response without order id", 200, nil, "type=async-response\n&serial-number=1\n", submit.ClassAmbiguous, 0},
		{"body too large", 200, nil, "type=async-response&paynet-order-id=1&pad=" + strings.Repeat("x", 2<<20), submit.ClassAmbiguous, 0},
		{"404", 404, nil, "not found", submit.ClassAmbiguous, 0},
		// A plain 500/502/504 is one call's failure, not the gateway asking for less.
		{"500", 500, nil, "", submit.ClassAmbiguous, 0},
		{"502", 502, nil, "", submit.ClassAmbiguous, 0},
		{"504", 504, nil, "", submit.ClassAmbiguous, 0},
		// A redirect is never followed (following it would send the payout again; the canned
		// server counts a second request if it were).
		{"302 redirect", 302, map[string]string{"Location": "/paynet/api/v4/payout/39915"}, "", submit.ClassAmbiguous, 0},
		{"307 redirect", 307, map[string]string{"Location": "/paynet/api/v4/payout/39915"}, "", submit.ClassAmbiguous, 0},
		{"503 with Retry-After", 503, map[string]string{"Retry-After": "7"}, "", submit.ClassAmbiguous, 7 * time.Second},
		{"401", 401, nil, "no", submit.ClassAuth, 0},
		{"429 treated as ambiguous", 429, map[string]string{"Retry-After": "1"}, "", submit.ClassAmbiguous, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			calls, url := canned(t, tc.code, tc.header, tc.body)
			pr := &pressure{}
			c, _ := newClient(t, url, func(o *submit.Options) { o.Treat429AsAmbiguous = true; o.Pressure = pr })
			_, err := c.Payout(context.Background(), payoutParams("un-1", "1234567890"))
			e := asError(t, err)
			if e.Class != tc.class || e.RetryAfter != tc.retry || e.Attempts != 1 || calls.Load() != 1 {
				t.Errorf("err %v (class %s, retry-after %s, attempts %d, requests %d)", err, e.Class, e.RetryAfter, e.Attempts, calls.Load())
			}
			if wantPressure := tc.code == 429 || tc.code == 503; (pr.count() == 1) != wantPressure || (pr.answers() == 1) == wantPressure {
				t.Errorf("pressure reports %d, other answers %d; want exactly one of them (pressure: %t)", pr.count(), pr.answers(), wantPressure)
			}
		})
	}
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	c, _ := newClient(t, srv.URL(), nil)
	_, err := c.Payout(context.Background(), []signer.Param{{Name: "amount", Value: "1"}})
	if !errors.Is(err, submit.ErrInvalidRequest) {
		t.Errorf("payout without client_orderid: %v", err)
	}
	_, err = c.Payout(context.Background(), []signer.Param{{Name: "client_orderid", Value: "x"}, {Name: "oauth_nonce", Value: "1"}})
	if !errors.Is(err, submit.ErrInvalidRequest) {
		t.Errorf("payout with an oauth_ param: %v", err)
	}
	_, err = c.Status(context.Background(), submit.StatusQuery{})
	if !errors.Is(err, submit.ErrInvalidRequest) {
		t.Errorf("status without client_orderid: %v", err)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("sandbox saw %d requests", n)
	}
}

func TestNewClientValidatesOptions(t *testing.T) {
	t.Parallel()
	pk, _ := signertest.Key(t)
	sg, err := signer.New(pk, login)
	if err != nil {
		t.Fatal(err)
	}
	bad := []submit.Options{
		{EndpointID: "1", Login: "l"},
		{BaseURL: "ftp://x/paynet", EndpointID: "1", Login: "l"},
		{BaseURL: "http://x/paynet?a=1", EndpointID: "1", Login: "l"},
		{BaseURL: "http://x/paynet", Login: "l"},
		{BaseURL: "http://x/paynet", EndpointID: "1", EndpointGroupID: "2", Login: "l"},
		{BaseURL: "http://x/paynet", EndpointID: "1"},
	}
	for i, o := range bad {
		if _, err := submit.NewClient(o, sg); err == nil {
			t.Errorf("%d: NewClient accepted %+v", i, o)
		}
	}
	if _, err := submit.NewClient(submit.Options{BaseURL: "http://x/paynet", EndpointID: "1", Login: "l"}, nil); err == nil {
		t.Error("NewClient accepted a nil signer")
	}
	// The status login and the OAuth consumer key are both the merchant login. A client whose
	// status calls carry another login gets every lookup refused as a validation-error, which
	// reads as "no such order": each ambiguous payout would be sent again.
	if _, err := submit.NewClient(submit.Options{BaseURL: "http://x/paynet", EndpointID: "1", Login: login + "-other"}, sg); err == nil {
		t.Error("NewClient accepted a Login that is not the signer's consumer key")
	}
}

func TestEndpointGroup(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	c, _ := newClient(t, srv.URL()+"/", func(o *submit.Options) { o.EndpointID = ""; o.EndpointGroupID = "1042" })
	res, err := c.Payout(context.Background(), payoutParams("grp-1", "1234567890"))
	if err != nil || res.EndpointID != "1042" {
		t.Fatalf("group payout %+v, %v", res, err)
	}
	if st, err := c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "grp-1"}); err != nil || st.Status != "approved" {
		t.Errorf("group status %+v, %v", st, err)
	}
}
