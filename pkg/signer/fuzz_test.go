package signer

import (
	"errors"
	"net/url"
	"testing"
)

func TestPercentEncode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"AZaz09-._~", "AZaz09-._~"},
		{" ", "%20"},
		{"+", "%2B"},
		{"a=b&c", "a%3Db%26c"},
		{"50%", "50%25"},
		{"*!'()", "%2A%21%27%28%29"},
		{"ë", "%C3%AB"},
		{"—", "%E2%80%94"},
		{"\x00\xff", "%00%FF"},
		{"https://h/p", "https%3A%2F%2Fh%2Fp"},
	}
	for _, tt := range tests {
		if got := PercentEncode(tt.in); got != tt.want {
			t.Errorf("PercentEncode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"%", "%2", "%zz", "a%g0"} {
		if _, err := PercentDecode(bad); err == nil {
			t.Errorf("PercentDecode(%q) accepted", bad)
		}
	}
	if got, err := PercentDecode("a+%2b%2B%20"); err != nil || got != "a+++ " {
		t.Errorf("PercentDecode = %q, %v", got, err)
	}
}

func FuzzPercentEncode(f *testing.F) {
	for _, s := range []string{"", "abc", "a b+c=d&e%f", "Zoë — 日本 😀", "\x00\xff\x80", "%20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := PercentEncode(s)
		dec, err := PercentDecode(enc)
		if err != nil || dec != s {
			t.Fatalf("decode(encode(%q)) = %q, %v", s, dec, err)
		}
		for i := 0; i < len(enc); i++ {
			c := enc[i]
			if c == '%' {
				if i+2 >= len(enc) || !isUpperHex(enc[i+1]) || !isUpperHex(enc[i+2]) {
					t.Fatalf("bad escape in %q", enc)
				}
				if h, _ := unhex(enc[i+1]); unreserved(h<<4 | mustUnhex(enc[i+2])) {
					t.Fatalf("unreserved byte escaped in %q", enc)
				}
				i += 2
				continue
			}
			if !unreserved(c) {
				t.Fatalf("reserved byte %q left unescaped in %q", c, enc)
			}
		}
		// Agrees with net/url's path escaping once its differences are applied.
		if u, err := url.PathUnescape(enc); err != nil || u != s {
			t.Fatalf("url.PathUnescape(%q) = %q, %v", enc, u, err)
		}
	})
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func mustUnhex(c byte) byte { v, _ := unhex(c); return v }

func FuzzParseAuthorizationHeader(f *testing.F) {
	f.Add(`OAuth oauth_consumer_key="TestMerchant", oauth_nonce="abc", oauth_signature="a%2Bb%3D", oauth_signature_method="RSA-SHA256", oauth_timestamp="1", oauth_version="1.0"`, "k", "n", "s")
	f.Add(`oauth realm="x",a=b ,  c="d\"e"`, "a b", "%", "=")
	f.Add(`OAuth a="b", a="c"`, "", "", "")
	f.Add(`OAuth a="unterminated`, "ë", "日本", "+/=")
	f.Fuzz(func(t *testing.T, header, consumerKey, nonce, signature string) {
		// Arbitrary input: no panic, and errors are classified.
		if h, err := ParseAuthorizationHeader(header); err != nil {
			if !errors.Is(err, ErrMalformedHeader) {
				t.Fatalf("error %v does not wrap ErrMalformedHeader", err)
			}
		} else if _, ok := h["realm"]; ok {
			t.Fatal("realm returned")
		}
		// A header we produce parses back to its values.
		want := map[string]string{
			oauthConsumerKey: consumerKey, oauthNonce: nonce, oauthSignature: signature,
			oauthSignatureMethod: SignatureMethod, oauthTimestamp: "1764201600", oauthVersion: OAuthVersion,
		}
		got, err := ParseAuthorizationHeader(buildHeader(want))
		if err != nil {
			t.Fatalf("own header: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("own header: got %d params, want %d", len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("own header: %s = %q, want %q", k, got[k], v)
			}
		}
	})
}

func TestParseAuthorizationHeader(t *testing.T) {
	t.Parallel()
	ok := []struct {
		in   string
		want map[string]string
	}{
		{`OAuth a="1", b="2"`, map[string]string{"a": "1", "b": "2"}},
		{"  oauth\ta=1,b=2  ", map[string]string{"a": "1", "b": "2"}},
		{`OAUTH realm="r" , a = "x%20y" ,, b="q\"z"`, map[string]string{"a": "x y", "b": `q"z`}},
		{`OAuth a="%2b+"`, map[string]string{"a": "++"}},
		{`OAuth`, map[string]string{}},
		{`OAuth a=""`, map[string]string{"a": ""}},
	}
	for _, tt := range ok {
		got, err := ParseAuthorizationHeader(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%q: %s = %q, want %q", tt.in, k, got[k], v)
			}
		}
	}
	for _, bad := range []string{
		``, `Basic abc`, `OAuthx a="1"`, `OAuth a="1" b="2"`, `OAuth a="1", a="2"`, `OAuth a="1", a=1`,
		`OAuth a="unterminated`, `OAuth a="x\`, `OAuth a="%zz"`, `OAuth =1`, `OAuth a`, `OAuth a "1"`,
	} {
		if _, err := ParseAuthorizationHeader(bad); !errors.Is(err, ErrMalformedHeader) {
			t.Errorf("%q: got %v, want ErrMalformedHeader", bad, err)
		}
	}
}
