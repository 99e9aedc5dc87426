package main

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"path/filepath"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
)

// Key pair file names written by --generate-key.
const (
	privateKeyFile = "sandbox-private.pem"
	publicKeyFile  = "sandbox-public.pem"
)

// generateKey writes a fresh 2048-bit RSA key pair into dir (created mode 0700 if missing) with
// sandbox.WriteKeyFile and sandbox.WritePublicKeyFile: the private key as PKCS#1 PEM with mode
// 0600, the public key as PKIX PEM. Existing files are never overwritten.
func generateKey(dir string, stdout io.Writer) error {
	key, err := rsa.GenerateKey(rand.Reader, signer.MinKeyBits)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	privPath, pubPath := filepath.Join(dir, privateKeyFile), filepath.Join(dir, publicKeyFile)
	if err := sandbox.WriteKeyFile(privPath, key, false); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := sandbox.WritePublicKeyFile(pubPath, &key.PublicKey, false); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	fmt.Fprintf(stdout, "private key: %s (give it to the worker; mode 0600)\npublic key:  %s (give it to the sandbox with --public-key)\n", privPath, pubPath)
	return nil
}
