package signer

import (
	"crypto/rand"
	"fmt"
	"time"
)

// systemClock is the default Clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

const (
	nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	nonceLen      = 32
)

// randomNonces is the default NonceSource: 32 characters of [A-Za-z0-9] from crypto/rand
// (about 190 bits), without modulo bias.
type randomNonces struct{}

func (randomNonces) Nonce() (string, error) {
	const limit = 256 - 256%len(nonceAlphabet) // 248: bytes >= limit are rejected
	out := make([]byte, 0, nonceLen)
	var buf [nonceLen + 8]byte
	for len(out) < nonceLen {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", fmt.Errorf("crypto/rand: %w", err)
		}
		for _, c := range buf {
			if int(c) < limit && len(out) < nonceLen {
				out = append(out, nonceAlphabet[int(c)%len(nonceAlphabet)])
			}
		}
	}
	return string(out), nil
}
