package sandbox_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const login = "TestMerchant"

// harness is a started sandbox plus a signing HTTP helper.
type harness struct {
	t    *testing.T
	srv  *sandbox.Server
	sign *signer.Signer
	http *http.Client
}

func start(t *testing.T, mod func(*sandbox.Options)) *harness {
	t.Helper()
	priv, pub := signertest.Key(t)
	opts := sandbox.Options{PublicKey: pub, Login: login}
	if mod != nil {
		mod(&opts)
	}
	srv, err := sandbox.Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := signer.New(priv, login)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	h := &harness{t: t, srv: srv, sign: sg, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// answer is one HTTP answer of the sandbox.
type answer struct {
	code   int
	header http.Header
	body   string
	form   map[string]string // parsed form answer, values trimmed of their trailing "\n"
	err    error             // transport error (dropped connection)
}

// post signs params with the harness key and posts them to path below the base URL.
func (h *harness) post(path string, params ...string) answer {
	h.t.Helper()
	var ps []signer.Param
	for i := 0; i+1 < len(params); i += 2 {
		ps = append(ps, signer.Param{Name: params[i], Value: params[i+1]})
	}
	u := h.srv.URL() + path
	d, err := h.sign.Sign(http.MethodPost, u, ps)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.raw(u, d.AuthorizationHeader, d.Body)
}

// raw posts body with the given Authorization header to the absolute URL u.
func (h *harness) raw(u, authorization, body string) answer {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", authorization)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := h.http.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{err: err}
	}
	a := answer{code: res.StatusCode, header: res.Header, body: string(b), form: map[string]string{}}
	if vals, err := url.ParseQuery(a.body); err == nil {
		for k, v := range vals {
			a.form[k] = strings.TrimSuffix(v[0], "\n")
		}
	}
	return a
}

// payout posts a valid payout to endpoint 39915.
func (h *harness) payout(clientOrderID, account string, extra ...string) answer {
	h.t.Helper()
	params := append([]string{"client_orderid", clientOrderID, "amount", "10.42", "currency", "USD", "account_number", account}, extra...)
	return h.post("/api/v4/payout/39915", params...)
}

// status posts a status lookup to endpoint 39915.
func (h *harness) status(params ...string) answer {
	h.t.Helper()
	return h.post("/api/v4/status/39915", append([]string{"login", login}, params...)...)
}

// fixedClock is a settable clock.
type fixedClock struct{ unix atomic.Int64 }

func newFixedClock(unix int64) *fixedClock {
	c := &fixedClock{}
	c.unix.Store(unix)
	return c
}

func (c *fixedClock) Now() time.Time { return time.Unix(c.unix.Load(), 0) }
