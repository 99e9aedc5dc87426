package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/payrun/payrun/pkg/signer"
)

// LoadOrCreateKey returns the merchant key kept in path (PKCS#1 PEM, mode 0600), creating it
// (and its directory, mode 0700) with a fresh 2048-bit key when it does not exist. created says
// which. A sandbox embedded in a long-running process uses it so that a restart signs with the
// same key its stored orders were made with.
func LoadOrCreateKey(path string) (key *rsa.PrivateKey, created bool, err error) {
	key, _, err = signer.LoadPrivateKeyFile(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("sandbox: key %s: %w", path, err)
	}
	if key, err = rsa.GenerateKey(rand.Reader, signer.MinKeyBits); err != nil {
		return nil, false, fmt.Errorf("sandbox: generate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("sandbox: key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("sandbox: key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("sandbox: key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("sandbox: key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("sandbox: key %s: %w", path, err)
	}
	return key, true, nil
}
