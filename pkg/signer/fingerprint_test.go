package signer

import (
	"github.com/payrun/payrun/pkg/signer/signertest"
	"strings"
	"testing"
)

// The fingerprint is SHA-256 over the public key's PKIX DER, base64 without padding (as
// `openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64` prints it): it
// names the key in logs and the pool's auth stop without revealing anything of it.
func TestKeyFingerprint(t *testing.T) {
	t.Parallel()
	b := signertest.PrivateKeyPEM()
	key, err := ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(key, "merchant")
	if err != nil {
		t.Fatal(err)
	}
	const want = "SHA256:BsTJr1F0f7G/5VjOe7UYHS0CQ3/VtFRsOkLFVskrbuY" // computed with openssl
	if got := s.KeyFingerprint(); got != want {
		t.Fatalf("fingerprint %q, want %q", got, want)
	}
	if strings.Contains(string(b), strings.TrimPrefix(s.KeyFingerprint(), "SHA256:")) {
		t.Fatal("the fingerprint is part of the key file")
	}
}
