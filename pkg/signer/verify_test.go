package signer

import (
	"crypto/rsa"
	"errors"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKeys parses the committed 2048-bit test key pair once.
var testKeys = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return ParsePrivateKey(signertest.PrivateKeyPEM())
})

func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testPublicKey(t testing.TB) *rsa.PublicKey {
	t.Helper()
	pub, err := ParsePublicKey(signertest.PublicKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// settableClock is a Clock tests move by hand.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *settableClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// randomString draws from a pool that stresses the encoder: unicode, empty, = & + % space.
func randomString(r *rand.Rand, maxLen int) string {
	pieces := []string{"a", "Z", "0", "-", ".", "_", "~", "=", "&", "+", "%", " ", "%20", "/", "?", "#",
		"\"", ",", "\\", "ë", "ü", "—", "日本", "😀", "\t", "\n", "*", "!", "'", "(", ")"}
	var b strings.Builder
	for range r.IntN(maxLen + 1) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomParams(r *rand.Rand) []Param {
	n := r.IntN(8)
	ps := make([]Param, 0, n)
	for range n {
		var name string
		if len(ps) > 0 && r.IntN(4) == 0 {
			name = ps[r.IntN(len(ps))].Name // repeated name
		} else {
			name = "p" + randomString(r, 4)
		}
		ps = append(ps, Param{name, randomString(r, 10)})
	}
	return ps
}

// TestRoundTripRandom signs random parameter sets and verifies them; the verifier also
// recovers the params from the body the way an HTTP server would.
func TestRoundTripRandom(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	clock := &settableClock{now: time.Unix(1764201600, 0)}
	s, err := New(testKey(t), "Merchant &+= ë", WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(testPublicKey(t), WithVerifierClock(clock))
	for i := range 300 {
		params := randomParams(r)
		u := "https://Sandbox.ConnPay.com:443/paynet/api/v4/payout/" + strconv.Itoa(i)
		d, err := s.Sign("POST", u, params)
		if err != nil {
			t.Fatalf("%d: sign: %v", i, err)
		}
		body, err := parseFormBody(d.Body)
		if err != nil {
			t.Fatalf("%d: body %q: %v", i, d.Body, err)
		}
		if !equalParams(body, params) {
			t.Fatalf("%d: body %q decodes to %q, want %q", i, d.Body, body, params)
		}
		ck, err := v.Verify("POST", "https://sandbox.connpay.com/paynet/api/v4/payout/"+strconv.Itoa(i), d.AuthorizationHeader, body)
		if err != nil {
			t.Fatalf("%d: verify %q: %v", i, params, err)
		}
		if ck != "Merchant &+= ë" {
			t.Fatalf("%d: consumer key %q", i, ck)
		}
	}
}

// parseFormBody splits a body produced by FormBody (test helper; the sandbox uses net/url).
func parseFormBody(body string) ([]Param, error) {
	if body == "" {
		return nil, nil
	}
	var ps []Param
	for _, kv := range strings.Split(body, "&") {
		k, v, _ := strings.Cut(kv, "=")
		name, err := PercentDecode(k)
		if err != nil {
			return nil, err
		}
		value, err := PercentDecode(v)
		if err != nil {
			return nil, err
		}
		ps = append(ps, Param{name, value})
	}
	return ps, nil
}

func equalParams(a, b []Param) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// signedRequest is one request signed at a fixed time, for tamper tests.
type signedRequest struct {
	url    string
	params []Param
	header map[string]string
	debug  Debug
}

func newSignedRequest(t *testing.T, nonce string) (signedRequest, *settableClock) {
	t.Helper()
	const ts = 1764201600
	s, err := New(testKey(t), "TestMerchant", WithClock(fixedClock(ts)), WithNonceSource(fixedNonce(nonce)))
	if err != nil {
		t.Fatal(err)
	}
	req := signedRequest{
		url:    "https://sandbox.connpay.com/paynet/api/v4/payout/39915",
		params: []Param{{"client_orderid", "nov/1"}, {"amount", "10.50"}, {"note", "a+b=c & 50% ë"}, {"note", ""}},
	}
	req.debug, err = s.Sign("POST", req.url, req.params)
	if err != nil {
		t.Fatal(err)
	}
	req.header, err = ParseAuthorizationHeader(req.debug.AuthorizationHeader)
	if err != nil {
		t.Fatal(err)
	}
	return req, &settableClock{now: time.Unix(ts+30, 0)}
}

// buildHeader renders a header from decoded values in the gateway's order.
func buildHeader(h map[string]string) string {
	return oauthParams{
		consumerKey: PercentEncode(h[oauthConsumerKey]),
		nonce:       PercentEncode(h[oauthNonce]),
		signature:   PercentEncode(h[oauthSignature]),
		method:      PercentEncode(h[oauthSignatureMethod]),
		timestamp:   PercentEncode(h[oauthTimestamp]),
		version:     PercentEncode(h[oauthVersion]),
	}.header()
}

// replaceByte returns s with byte i replaced by a different byte from alt.
func replaceByte(s string, i int, alt string) string {
	for j := 0; j < len(alt); j++ {
		if alt[j] != s[i] && !strings.EqualFold(string(alt[j]), s[i:i+1]) {
			return s[:i] + string(alt[j]) + s[i+1:]
		}
	}
	panic("no alternative byte")
}

func cloneParams(ps []Param) []Param { return append([]Param(nil), ps...) }

func TestVerifyAcceptsOriginal(t *testing.T) {
	t.Parallel()
	req, clock := newSignedRequest(t, "n1")
	v := NewVerifier(testPublicKey(t), WithVerifierClock(clock))
	if _, err := v.Verify("POST", req.url, req.debug.AuthorizationHeader, req.params); err != nil {
		t.Fatal(err)
	}
	// Equivalent forms verify too: method case, host case, explicit default port, reordered
	// header with realm and extra spaces.
	hdr := `oauth realm="Example",  oauth_version="1.0",oauth_timestamp=1764201600 ,oauth_signature_method="RSA-SHA256", ` +
		`oauth_signature="` + PercentEncode(req.header[oauthSignature]) + `",oauth_nonce="n2", oauth_consumer_key="TestMerchant"`
	req2, _ := newSignedRequest(t, "n2")
	hdr = strings.Replace(hdr, PercentEncode(req.header[oauthSignature]), PercentEncode(req2.header[oauthSignature]), 1)
	if _, err := v.Verify("post", "HTTPS://SANDBOX.connpay.com:443/paynet/api/v4/payout/39915", hdr, req.params); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyTampering(t *testing.T) {
	t.Parallel()
	req, clock := newSignedRequest(t, "nonce-tamper")
	pub := testPublicKey(t)
	// A fresh verifier per check, so only tampering (not replay) can fail it.
	verify := func(method, u, header string, params []Param) error {
		_, err := NewVerifier(pub, WithVerifierClock(clock)).Verify(method, u, header, params)
		return err
	}
	if err := verify("POST", req.url, req.debug.AuthorizationHeader, req.params); err != nil {
		t.Fatalf("untampered request fails: %v", err)
	}
	const alt = "xyq9"
	t.Run("url", func(t *testing.T) {
		for i := range len(req.url) {
			u := replaceByte(req.url, i, alt)
			if err := verify("POST", u, req.debug.AuthorizationHeader, req.params); err == nil {
				t.Errorf("URL %q verifies", u)
			}
		}
		for _, u := range []string{req.url + "/", req.url + "?a=1", "http://sandbox.connpay.com/paynet/api/v4/payout/39915",
			"https://sandbox.connpay.com:8443/paynet/api/v4/payout/39915"} {
			if err := verify("POST", u, req.debug.AuthorizationHeader, req.params); err == nil {
				t.Errorf("URL %q verifies", u)
			}
		}
	})
	t.Run("method", func(t *testing.T) {
		if err := verify("PUT", req.url, req.debug.AuthorizationHeader, req.params); !errors.Is(err, ErrBadSignature) {
			t.Errorf("PUT: %v", err)
		}
	})
	t.Run("body", func(t *testing.T) {
		for pi, p := range req.params {
			for i := range len(p.Name) {
				ps := cloneParams(req.params)
				ps[pi].Name = replaceByte(p.Name, i, alt)
				if err := verify("POST", req.url, req.debug.AuthorizationHeader, ps); !errors.Is(err, ErrBadSignature) {
					t.Errorf("name %q: %v", ps[pi].Name, err)
				}
			}
			for i := range len(p.Value) {
				ps := cloneParams(req.params)
				ps[pi].Value = replaceByte(p.Value, i, alt)
				if err := verify("POST", req.url, req.debug.AuthorizationHeader, ps); !errors.Is(err, ErrBadSignature) {
					t.Errorf("value %q: %v", ps[pi].Value, err)
				}
			}
			ps := cloneParams(req.params)
			ps[pi].Value += "x"
			if err := verify("POST", req.url, req.debug.AuthorizationHeader, ps); !errors.Is(err, ErrBadSignature) {
				t.Errorf("appended value %q: %v", ps[pi].Value, err)
			}
		}
		dropped := req.params[:len(req.params)-1]
		if err := verify("POST", req.url, req.debug.AuthorizationHeader, dropped); !errors.Is(err, ErrBadSignature) {
			t.Errorf("dropped param: %v", err)
		}
		added := append(cloneParams(req.params), Param{"extra", "1"})
		if err := verify("POST", req.url, req.debug.AuthorizationHeader, added); !errors.Is(err, ErrBadSignature) {
			t.Errorf("added param: %v", err)
		}
	})
	t.Run("header", func(t *testing.T) {
		tamper := func(field string, value string, want error) {
			t.Helper()
			h := map[string]string{}
			for k, v := range req.header {
				h[k] = v
			}
			h[field] = value
			if err := verify("POST", req.url, buildHeader(h), req.params); !errors.Is(err, want) {
				t.Errorf("%s=%q: got %v, want %v", field, value, err, want)
			}
		}
		sig := req.header[oauthSignature]
		raw, err := base64Std.DecodeString(sig)
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			b := append([]byte(nil), raw...)
			b[i] ^= 0x01
			tamper(oauthSignature, base64Std.EncodeToString(b), ErrBadSignature)
		}
		// Non-canonical base64 (unused bits set in the last character) is rejected too.
		last := len(sig) - 3 // before "=="
		tamper(oauthSignature, replaceByte(sig, last, "BCDEFGHIJ"), ErrBadSignature)
		for i := range len(req.header[oauthNonce]) {
			tamper(oauthNonce, replaceByte(req.header[oauthNonce], i, alt), ErrBadSignature)
		}
		for i := range len(req.header[oauthTimestamp]) {
			tamper(oauthTimestamp, replaceByte(req.header[oauthTimestamp], i, "12"), ErrBadSignature)
		}
		for i := range len(req.header[oauthConsumerKey]) {
			tamper(oauthConsumerKey, replaceByte(req.header[oauthConsumerKey], i, alt), ErrBadSignature)
		}
		tamper(oauthSignatureMethod, "HMAC-SHA1", ErrUnsupportedMethod)
		tamper(oauthVersion, "2.0", ErrUnsupportedMethod)
		tamper(oauthTimestamp, "17642O1600", ErrMalformedHeader)
		tamper(oauthNonce, "", ErrMalformedHeader)
		// Dropping oauth_version (optional) changes the signed parameters.
		h := strings.Replace(req.debug.AuthorizationHeader, `, oauth_version="1.0"`, "", 1)
		if err := verify("POST", req.url, h, req.params); !errors.Is(err, ErrBadSignature) {
			t.Errorf("without oauth_version: %v", err)
		}
	})
}

func TestVerifyTimestampWindow(t *testing.T) {
	t.Parallel()
	req, _ := newSignedRequest(t, "nonce-window")
	const ts = 1764201600
	tests := []struct {
		offset time.Duration
		window time.Duration
		want   error
	}{
		{0, 0, nil},
		{5 * time.Minute, 0, nil},
		{-5 * time.Minute, 0, nil},
		{5*time.Minute + time.Second, 0, ErrStaleTimestamp},
		{-5*time.Minute - time.Second, 0, ErrStaleTimestamp},
		{time.Hour, 0, ErrStaleTimestamp},
		{time.Hour, 2 * time.Hour, nil},
		{31 * time.Second, 30 * time.Second, ErrStaleTimestamp},
	}
	for _, tt := range tests {
		clock := &settableClock{now: time.Unix(ts, 0).Add(tt.offset)}
		opts := []VerifierOption{WithVerifierClock(clock)}
		if tt.window != 0 {
			opts = append(opts, WithTimestampWindow(tt.window))
		}
		_, err := NewVerifier(testPublicKey(t), opts...).Verify("POST", req.url, req.debug.AuthorizationHeader, req.params)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("offset %s window %s: got %v, want %v", tt.offset, tt.window, err, tt.want)
		}
	}
}

func TestVerifyReplay(t *testing.T) {
	t.Parallel()
	req, clock := newSignedRequest(t, "nonce-replay")
	v := NewVerifier(testPublicKey(t), WithVerifierClock(clock))
	if _, err := v.Verify("POST", req.url, req.debug.AuthorizationHeader, req.params); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify("POST", req.url, req.debug.AuthorizationHeader, req.params); !errors.Is(err, ErrReplayedNonce) {
		t.Fatalf("replay: %v", err)
	}
	// A forged request never reaches the nonce store: its nonce stays usable.
	other, _ := newSignedRequest(t, "nonce-fresh")
	bad := strings.Replace(other.debug.AuthorizationHeader, "nonce-fresh", "nonce-forged", 1)
	if _, err := v.Verify("POST", req.url, bad, req.params); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged: %v", err)
	}
	if _, err := v.Verify("POST", req.url, other.debug.AuthorizationHeader, req.params); err != nil {
		t.Fatalf("fresh nonce after a forged one: %v", err)
	}
}

// TestVerifyReplayAtWindowEdge: a replay is refused at every instant the timestamp check
// still accepts, the last one (|now - ts| == window) included.
func TestVerifyReplayAtWindowEdge(t *testing.T) {
	t.Parallel()
	const ts = 1764201600
	for _, first := range []time.Duration{-DefaultWindow, 0, DefaultWindow} {
		req, clock := newSignedRequest(t, "nonce-edge")
		clock.Set(time.Unix(ts, 0).Add(first))
		v := NewVerifier(testPublicKey(t), WithVerifierClock(clock))
		if _, err := v.Verify("POST", req.url, req.debug.AuthorizationHeader, req.params); err != nil {
			t.Fatalf("first use at ts%+v: %v", first, err)
		}
		clock.Set(time.Unix(ts, 0).Add(DefaultWindow))
		if _, err := v.Verify("POST", req.url, req.debug.AuthorizationHeader, req.params); !errors.Is(err, ErrReplayedNonce) {
			t.Errorf("first use at ts%+v, replay at ts+window: %v; want ErrReplayedNonce", first, err)
		}
	}
}

func TestMemoryNonceStore(t *testing.T) {
	t.Parallel()
	clock := &settableClock{now: time.Unix(1000, 0)}
	s := NewMemoryNonceStore(time.Minute, clock)
	ts := time.Unix(1000, 0)
	if s.Seen("a", "n", ts) {
		t.Fatal("first use reported as replay")
	}
	if !s.Seen("a", "n", ts) {
		t.Fatal("second use not reported")
	}
	if s.Seen("b", "n", ts) {
		t.Fatal("nonces are per consumer key")
	}
	clock.Set(time.Unix(1059, 0))
	if !s.Seen("a", "n", ts) {
		t.Fatal("forgotten before the TTL")
	}
	clock.Set(time.Unix(1061, 0))
	if s.Seen("a", "n", ts) {
		t.Fatal("remembered after the TTL")
	}
	// Lazy pruning drops expired entries.
	clock.Set(time.Unix(2000, 0))
	s.Seen("c", "n", time.Unix(2000, 0))
	if n := s.Len(); n != 1 {
		t.Fatalf("after pruning %d entries remain, want 1", n)
	}
}

func TestMemoryNonceStoreConcurrent(t *testing.T) {
	t.Parallel()
	s := NewMemoryNonceStore(time.Minute, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for range 8 {
		wg.Go(func() {
			for i := range 200 {
				if !s.Seen("k", strconv.Itoa(i), time.Now()) {
					mu.Lock()
					fresh++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if fresh != 200 {
		t.Fatalf("%d nonces accepted as fresh, want exactly 200", fresh)
	}
}

// TestSignConcurrent: one Signer and one Verifier shared by goroutines (run with -race).
func TestSignConcurrent(t *testing.T) {
	t.Parallel()
	s, err := New(testKey(t), "M")
	if err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(testPublicKey(t))
	errs := make(chan error, 8*10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				params := []Param{{"g", strconv.Itoa(g)}, {"i", strconv.Itoa(i)}}
				d, err := s.Sign("POST", "https://h.example/p", params)
				if err == nil {
					_, err = v.Verify("POST", "https://h.example/p", d.AuthorizationHeader, params)
				}
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 80 {
		t.Fatalf("%d results, want 80", n)
	}
}
