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
// same key its stored orders were made with. Callers racing on one path all get the one key
// that was written; exactly one of them is told it created it.
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
	err = WriteKeyFile(path, key, false)
	if errors.Is(err, fs.ErrExist) { // another caller wrote it first: use theirs
		key, _, err = signer.LoadPrivateKeyFile(path)
		if err != nil {
			return nil, false, fmt.Errorf("sandbox: key %s: %w", path, err)
		}
		return key, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return key, true, nil
}

// WriteKeyFile stores key in path as a PKCS#1 PEM file of mode 0600, creating the directory
// (mode 0700) when it is missing. The file appears whole or not at all: the key is written to a
// temporary file in the same directory, synced, and then moved into place, and the directory is
// synced. An existing path is left as it is and refused with an error that is fs.ErrExist,
// unless overwrite is true. The error never contains key material.
func WriteKeyFile(path string, key *rsa.PrivateKey, overwrite bool) error {
	data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	defer clear(data)
	if err := writeFileWhole(path, data, 0o600, overwrite); err != nil {
		return fmt.Errorf("sandbox: write key: %w", err)
	}
	return nil
}

// WritePublicKeyFile stores pub in path as a PKIX PEM file of mode 0644, the way WriteKeyFile
// stores a private key (whole or not at all; an existing path refused unless overwrite).
func WritePublicKeyFile(path string, pub *rsa.PublicKey, overwrite bool) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("sandbox: write public key: %w", err)
	}
	if err := writeFileWhole(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644, overwrite); err != nil {
		return fmt.Errorf("sandbox: write public key: %w", err)
	}
	return nil
}

// writeFileWhole writes data to a temporary file next to path (created mode 0600, then set to
// perm), syncs it and moves it to path: by rename when overwrite, else by a hard link, which
// fails when path exists. It syncs the directory so that the new name survives a crash.
func writeFileWhole(path string, data []byte, perm os.FileMode, overwrite bool) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() { // the temporary name never outlives the call
		if rmErr := os.Remove(tmp.Name()); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
	}()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if overwrite {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes the directory entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
