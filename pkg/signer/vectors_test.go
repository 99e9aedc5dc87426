package signer

import (
	"encoding/base64"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/signer/signertest"
)

// vectorParams are v's body parameters as the signer takes them.
func vectorParams(v signertest.Vector) []Param {
	ps := make([]Param, len(v.Params))
	for i, p := range v.Params {
		ps[i] = Param{p[0], p[1]}
	}
	return ps
}

func TestVectors(t *testing.T) {
	t.Parallel()
	key, err := ParsePrivateKey(signertest.PrivateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range signertest.Vectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			s, err := New(key, v.ConsumerKey)
			if err != nil {
				t.Fatal(err)
			}
			ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			d, err := s.SignAt(v.Method, v.URL, vectorParams(v), v.Nonce, ts)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ name, got, want string }{
				{"normalized_parameters", d.NormalizedParameters, v.NormalizedParameters},
				{"signature_base_string", d.SignatureBaseString, v.SignatureBaseString},
				{"signature_base64", d.SignatureBase64, v.SignatureBase64},
				{"signature_hex", d.SignatureHex, v.SignatureHex},
				{"authorization_header", d.AuthorizationHeader, v.AuthorizationHeader},
				{"body", d.Body, FormBody(vectorParams(v))},
			} {
				if c.got != c.want {
					t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, c.want)
				}
			}
		})
	}
}

// fixedClock and fixedNonce make Sign deterministic.
type fixedClock int64

func (c fixedClock) Now() time.Time { return time.Unix(int64(c), 0) }

type fixedNonce string

func (n fixedNonce) Nonce() (string, error) { return string(n), nil }

// TestSignUsesInjectedSeams: Sign takes nonce and timestamp from the injected sources and
// equals SignAt with them.
func TestSignUsesInjectedSeams(t *testing.T) {
	t.Parallel()
	key, err := ParsePrivateKey(signertest.PrivateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	v := signertest.Vectors(t)[0]
	ts, _ := strconv.ParseInt(v.Timestamp, 10, 64)
	s, err := New(key, v.ConsumerKey, WithClock(fixedClock(ts)), WithNonceSource(fixedNonce(v.Nonce)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Sign(v.Method, v.URL, vectorParams(v))
	if err != nil {
		t.Fatal(err)
	}
	if d.AuthorizationHeader != v.AuthorizationHeader {
		t.Fatalf("header:\n got %s\nwant %s", d.AuthorizationHeader, v.AuthorizationHeader)
	}
}

// TestSignFreshNonceAndTime: the default sources give a new 32-char [A-Za-z0-9] nonce per call.
func TestSignFreshNonceAndTime(t *testing.T) {
	t.Parallel()
	key, err := ParsePrivateKey(signertest.PrivateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(key, "M")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 20 {
		before := time.Now().Unix()
		d, err := s.Sign("POST", "https://h/p", nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := ParseAuthorizationHeader(d.AuthorizationHeader)
		if err != nil {
			t.Fatal(err)
		}
		n := h[oauthNonce]
		if len(n) != 32 || strings.Trim(n, nonceAlphabet) != "" {
			t.Fatalf("nonce %q is not 32 chars of [A-Za-z0-9]", n)
		}
		if seen[n] {
			t.Fatalf("nonce %q repeated", n)
		}
		seen[n] = true
		ts, _ := strconv.ParseInt(h[oauthTimestamp], 10, 64)
		if ts < before || ts > time.Now().Unix() {
			t.Fatalf("timestamp %d not current", ts)
		}
	}
}

var base64Std = base64.StdEncoding

func mustRead(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return data
}
