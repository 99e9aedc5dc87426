package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/console"
)

func TestLoginAndSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *console.Options) { o.SecureCookies = true; o.SessionTTL = time.Hour })
	b := e.browser()
	if st, _ := b.get("/"); st != http.StatusSeeOther || b.lastLocation != "/login" {
		t.Errorf("anonymous list: %d to %q, want the login page", st, b.lastLocation)
	}
	if st, _ := b.get("/batches/x/live"); st != http.StatusUnauthorized {
		t.Errorf("anonymous live part: %d, want 401 (the page's script must not get the login page)", st)
	}
	if st, _ := b.post("/login", url.Values{"user": {"sub"}, "password": {"wrong"}}); st != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", st)
	}
	if st, _ := b.post("/login", url.Values{"user": {"nobody"}, "password": {"pw-nobody"}}); st != http.StatusUnauthorized {
		t.Errorf("unknown user: %d, want 401", st)
	}
	if st, _ := b.post("/login", url.Values{"user": {"sub"}, "password": {"pw-sub"}, "csrf": {""}}); st != http.StatusForbidden {
		t.Errorf("login without CSRF: %d, want 403", st)
	}
	// The cookies: HttpOnly, SameSite=Strict, Secure (configured).
	form := url.Values{"user": {"sub"}, "password": {"pw-sub"}, "csrf": {b.token()}}
	req, _ := http.NewRequest(http.MethodPost, e.web.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "payrun_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", session)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	// Secure cookies are not sent back over plain http by the jar: send it by hand.
	call := func(value string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, e.web.URL+"/", nil)
		req.AddCookie(&http.Cookie{Name: "payrun_session", Value: value})
		r, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode, r.Header.Get("Location")
	}
	if st, _ := call(session.Value); st != http.StatusOK {
		t.Errorf("valid session: %d", st)
	}
	payload, sig, _ := strings.Cut(session.Value, ".")
	forged := strings.Replace(payload, "c3Vi", "YXBw", 1) + "." + sig // another user, same signature
	if st, loc := call(forged); st != http.StatusSeeOther || loc != "/login" {
		t.Errorf("tampered session: %d to %q", st, loc)
	}
	*e.now = e.now.Add(2 * time.Hour)
	if st, loc := call(session.Value); st != http.StatusSeeOther || loc != "/login" {
		t.Errorf("expired session: %d to %q", st, loc)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.login("sub")
	if st, _ := b.get("/"); st != http.StatusOK {
		t.Fatalf("list: %d", st)
	}
	if st, _ := b.post("/logout", nil); st != http.StatusSeeOther {
		t.Fatalf("logout: %d", st)
	}
	if st, _ := b.get("/"); st != http.StatusSeeOther {
		t.Errorf("list after logout: %d, want a redirect to the login page", st)
	}
}

// The proxy header is ignored unless configured; configured, it signs in listed users only.
func TestProxyHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header, user string
		want         int
	}{
		{"", "appr", http.StatusSeeOther},
		{"X-Forwarded-User", "appr", http.StatusOK},
		{"X-Forwarded-User", "stranger", http.StatusSeeOther},
	} {
		e := newEnv(t, func(o *console.Options) { o.ProxyUserHeader = tc.header })
		req, _ := http.NewRequest(http.MethodGet, e.web.URL+"/", nil)
		req.Header.Set("X-Forwarded-User", tc.user)
		if st, _ := e.browser().do(req); st != tc.want {
			t.Errorf("header %q user %q: %d, want %d", tc.header, tc.user, st, tc.want)
		}
	}
}
