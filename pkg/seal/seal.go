package seal

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// Seal encrypts plaintext under the primary key, bound to aad, and returns the sealed form
// "<key-id>:<base64url(nonce || ciphertext || tag)>". Every call uses a fresh random nonce.
func (k *Keyring) Seal(plaintext, aad []byte) (string, error) {
	aead := k.aeads[k.primary]
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	buf = aead.Seal(buf, buf, plaintext, aad)
	return k.primary + ":" + base64.RawURLEncoding.EncodeToString(buf), nil
}

// SealedLen is the length of Seal's result for a plaintext of n bytes (it depends only on n and
// the primary key id): what a size check needs without sealing.
func (k *Keyring) SealedLen(n int) int {
	aead := k.aeads[k.primary]
	return len(k.primary) + 1 + base64.RawURLEncoding.EncodedLen(aead.NonceSize()+n+aead.Overhead())
}

// Open decrypts a value sealed by Seal under any key of the keyring with the same aad. Errors
// match ErrMalformed, ErrUnknownKey or ErrAuth and never quote the value.
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	id, body, ok := strings.Cut(sealed, ":")
	if !ok || checkID(id) != nil {
		return nil, fmt.Errorf("seal: open: %w", ErrMalformed)
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("seal: open: key id %s: %w (the key file must keep every key still used by messages in the stream)", id, ErrUnknownKey)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("seal: open: %w", ErrMalformed)
	}
	nonce, ct := raw[:aead.NonceSize()], raw[aead.NonceSize():]
	out, err := aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, fmt.Errorf("seal: open: key id %s: %w", id, ErrAuth)
	}
	return out, nil
}
