package signertest

import (
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// The one RSA key pair of the tests (2048 bits, made for tests only; the vectors were signed
// with it). It must never be trusted anywhere but in tests.
var (
	//go:embed test-rsa2048.pem
	privatePEM []byte
	//go:embed test-rsa2048.pub.pem
	publicPEM []byte
)

// PrivateKeyPEM returns the test private key, PEM ("RSA PRIVATE KEY"), a fresh copy.
func PrivateKeyPEM() []byte { return append([]byte(nil), privatePEM...) }

// PublicKeyPEM returns the test public key, PEM ("PUBLIC KEY"), a fresh copy.
func PublicKeyPEM() []byte { return append([]byte(nil), publicPEM...) }

var parsed = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(privatePEM)
	if block == nil {
		return nil, os.ErrInvalid
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
})

// Key returns the test key pair, parsed once per test binary. (Tests of pkg/signer's own
// parsing read PrivateKeyPEM instead; this package cannot import pkg/signer.)
func Key(tb testing.TB) (*rsa.PrivateKey, *rsa.PublicKey) {
	tb.Helper()
	key, err := parsed()
	if err != nil {
		tb.Fatalf("signertest: test key: %v", err)
	}
	return key, &key.PublicKey
}

// PrivateKeyFile writes the test private key to a file only its owner can read, in a
// directory removed after the test, and returns its path (for commands that take --key).
func PrivateKeyFile(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "test-rsa2048.pem")
	if err := os.WriteFile(path, privatePEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}
