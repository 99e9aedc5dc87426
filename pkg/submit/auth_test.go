package submit_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/payrun/payrun/pkg/submit"
)

type authRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (a *authRecorder) AuthRefused(login, keyFingerprint string, httpStatus int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, login+" "+keyFingerprint+" "+http.StatusText(httpStatus))
}

// Every 401/403 is reported (login, key fingerprint, HTTP status) so that the pool stops, and
// logged at error level naming the login and the key's fingerprint, never the key.
//
// Protects I4 (a wrong key or login stops the pool instead of failing rows).
func TestAuthRefusalReported(t *testing.T) {
	t.Parallel()
	const fp = "SHA256:BsTJr1F0f7G/5VjOe7UYHS0CQ3/VtFRsOkLFVskrbuY"
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			_, url := canned(t, code, nil, "")
			rec := &authRecorder{}
			c, logs := newClient(t, url, func(o *submit.Options) { o.Auth = rec })
			_, err := c.Payout(context.Background(), payoutParams("auth-1", "1234567890"))
			if !errors.Is(err, submit.ErrAuth) {
				t.Fatalf("payout error %v, want ErrAuth", err)
			}
			_, err = c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "auth-1"})
			if !errors.Is(err, submit.ErrAuth) {
				t.Fatalf("status error %v, want ErrAuth", err)
			}
			want := login + " " + fp + " " + http.StatusText(code)
			if len(rec.calls) != 2 || rec.calls[0] != want || rec.calls[1] != want {
				t.Fatalf("auth reports %q, want 2 × %q", rec.calls, want)
			}
			var line string
			for l := range strings.SplitSeq(logs.String(), "\n") {
				if strings.Contains(l, `"level":"error"`) && strings.Contains(l, "authentication") {
					line = l
				}
			}
			if !strings.Contains(line, `"login":"`+login+`"`) || !strings.Contains(line, `"key_fingerprint":"`+fp+`"`) {
				t.Fatalf("no error line naming the login and the key fingerprint in:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "PRIVATE KEY") || strings.Contains(logs.String(), "oauth_signature") {
				t.Fatal("key material in the logs")
			}
		})
	}
}
