package signer

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ParsePrivateKey parses the first private-key PEM block in pemBytes: PKCS#1 ("RSA PRIVATE
// KEY") or PKCS#8 ("PRIVATE KEY") RSA, at least MinKeyBits long (4096 and beyond are fine).
// Other blocks before it (e.g. "EC PARAMETERS") are skipped. Errors wrap ErrNotPEM,
// ErrEncryptedKey, ErrNotRSA, ErrKeyTooShort or ErrInvalidKey and never contain key bytes.
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	key, err := parsePrivateKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("signer: parse key: %w", err)
	}
	return key, nil
}

func parsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	return firstPEM(pemBytes, "private key", func(block *pem.Block) (*rsa.PrivateKey, bool, error) {
		switch block.Type {
		case "RSA PRIVATE KEY":
			if block.Headers["Proc-Type"] != "" || block.Headers["DEK-Info"] != "" {
				return nil, true, ErrEncryptedKey
			}
			key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, true, fmt.Errorf("%w: PKCS#1: %w", ErrInvalidKey, err)
			}
			key, err = checkPrivateKey(key)
			return key, true, err
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, true, fmt.Errorf("%w: PKCS#8: %w", ErrInvalidKey, err)
			}
			key, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, true, fmt.Errorf("%w: PKCS#8 key is %T", ErrNotRSA, k)
			}
			key, err = checkPrivateKey(key)
			return key, true, err
		case "ENCRYPTED PRIVATE KEY":
			return nil, true, ErrEncryptedKey
		case "EC PRIVATE KEY", "DSA PRIVATE KEY":
			return nil, true, fmt.Errorf("%w: PEM block %q", ErrNotRSA, block.Type)
		case "OPENSSH PRIVATE KEY":
			return nil, true, fmt.Errorf("%w: OpenSSH format; convert it with ssh-keygen -p -m PKCS8", ErrInvalidKey)
		}
		return nil, false, nil
	})
}

// firstPEM walks the PEM blocks of pemBytes in order and returns what parse makes of the first
// block it takes (ok), skipping the others. It fails with ErrNotPEM when there is no PEM block
// at all, and with ErrInvalidKey when no block was one parse takes.
func firstPEM[K any](pemBytes []byte, what string, parse func(*pem.Block) (key K, ok bool, err error)) (K, error) {
	var zero K
	sawPEM := false
	for rest := pemBytes; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		sawPEM = true
		if key, ok, err := parse(block); ok {
			return key, err
		}
	}
	if !sawPEM {
		return zero, ErrNotPEM
	}
	return zero, fmt.Errorf("%w: no %s PEM block", ErrInvalidKey, what)
}

func checkPrivateKey(key *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	if err := checkKeySize(&key.PublicKey); err != nil {
		return nil, err
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	key.Precompute()
	return key, nil
}

// checkKeySize refuses a modulus shorter than MinKeyBits (ErrKeyTooShort).
func checkKeySize(key *rsa.PublicKey) error {
	if bits := key.N.BitLen(); bits < MinKeyBits {
		return fmt.Errorf("%w: %d bits, need at least %d", ErrKeyTooShort, bits, MinKeyBits)
	}
	return nil
}

// LoadPrivateKeyFile reads and parses a PEM private key file (see ParsePrivateKey). The
// warnings say when the file is readable by group or others. A missing file wraps both
// ErrKeyMissing and fs.ErrNotExist.
func LoadPrivateKeyFile(path string) (*rsa.PrivateKey, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("signer: load key: %w: %w", ErrKeyMissing, err)
		}
		return nil, nil, fmt.Errorf("signer: load key: %w", err)
	}
	var warnings []string
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o044 != 0 {
		warnings = append(warnings, fmt.Sprintf("key file %s is readable by group or others (mode %04o); chmod 600 it", path, fi.Mode().Perm()))
	}
	key, err := parsePrivateKey(data)
	clear(data)
	if err != nil {
		return nil, warnings, fmt.Errorf("signer: load key %s: %w", path, err)
	}
	return key, warnings, nil
}

// ParsePublicKey parses the first public-key PEM block: PKIX ("PUBLIC KEY") or PKCS#1
// ("RSA PUBLIC KEY") RSA, at least MinKeyBits long.
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	key, err := firstPEM(pemBytes, "public key", func(block *pem.Block) (*rsa.PublicKey, bool, error) {
		var key *rsa.PublicKey
		switch block.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, true, fmt.Errorf("%w: PKIX: %w", ErrInvalidKey, err)
			}
			var ok bool
			if key, ok = k.(*rsa.PublicKey); !ok {
				return nil, true, fmt.Errorf("%w: PKIX key is %T", ErrNotRSA, k)
			}
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(block.Bytes)
			if err != nil {
				return nil, true, fmt.Errorf("%w: PKCS#1: %w", ErrInvalidKey, err)
			}
			key = k
		default:
			return nil, false, nil
		}
		if err := checkKeySize(key); err != nil {
			return nil, true, err
		}
		return key, true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("signer: parse public key: %w", err)
	}
	return key, nil
}
