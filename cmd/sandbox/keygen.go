package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Key pair file names written by --generate-key.
const (
	privateKeyFile = "sandbox-private.pem"
	publicKeyFile  = "sandbox-public.pem"
)

// generateKey writes a fresh 2048-bit RSA key pair into dir: the private key as PKCS#1 PEM
// with mode 0600, the public key as PKIX PEM. Existing files are never overwritten.
func generateKey(dir string, stdout io.Writer) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	privPath, pubPath := filepath.Join(dir, privateKeyFile), filepath.Join(dir, publicKeyFile)
	if err := writeNew(privPath, 0o600, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}); err != nil {
		return err
	}
	if err := writeNew(pubPath, 0o644, &pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "private key: %s (give it to the worker; mode 0600)\npublic key:  %s (give it to the sandbox with --public-key)\n", privPath, pubPath)
	return nil
}

// writeNew creates path (failing if it exists) with mode and writes the PEM block.
func writeNew(path string, mode os.FileMode, b *pem.Block) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := pem.Encode(f, b); err != nil {
		f.Close()
		return fmt.Errorf("generate key: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("generate key: write %s: %w", path, err)
	}
	return nil
}
