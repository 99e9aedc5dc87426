package signer

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
)

// KeyFingerprint names the signer's key without revealing it: "SHA256:" followed by the
// unpadded base64 of the SHA-256 of the public key's PKIX DER encoding (what
// `openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64` prints). It is
// safe to log and lets an operator tell which key a worker uses.
func (s *Signer) KeyFingerprint() string { return PublicKeyFingerprint(&s.key.PublicKey) }

// PublicKeyFingerprint is KeyFingerprint for a public key ("" if it cannot be encoded).
func PublicKeyFingerprint(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}
