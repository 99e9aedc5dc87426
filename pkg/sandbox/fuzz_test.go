package sandbox_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

// FuzzRequest sends arbitrary bodies and Authorization headers to the payout and status
// handlers: the sandbox must never panic, must answer 200 (validation-error) or 403, and an
// unsigned request can never create an order.
func FuzzRequest(f *testing.F) {
	_, pub := signertest.Key(f)
	srv, err := sandbox.New(sandbox.Options{PublicKey: pub, Login: login})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	f.Add(false, "client_orderid=1&amount=1&currency=USD&account_number=1", `OAuth oauth_consumer_key="TestMerchant", oauth_nonce="n", oauth_signature="AAAA", oauth_signature_method="RSA-SHA256", oauth_timestamp="1", oauth_version="1.0"`)
	f.Add(true, "login=TestMerchant&client_orderid=%zz", "OAuth")
	f.Add(false, "a=%20+&&=&b", `OAuth realm="x", oauth_nonce=""`)
	f.Fuzz(func(t *testing.T, status bool, body, authorization string) {
		path := "/paynet/api/v4/payout/1"
		if status {
			path = "/paynet/api/v4/status/1"
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Authorization", authorization)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusForbidden {
			t.Fatalf("HTTP %d for body %q", rec.Code, body)
		}
		if rec.Code == http.StatusOK && !strings.HasPrefix(rec.Body.String(), "type=validation-error\n") {
			t.Fatalf("unsigned request answered %q", rec.Body.String())
		}
		if n := srv.Stats().Orders; n != 0 {
			t.Fatalf("an unsigned request created an order (%d)", n)
		}
	})
}
