package signer

import (
	"sync"
	"time"
)

// NonceStore remembers nonces for replay detection. Seen records (consumerKey, nonce) with
// the request's timestamp and reports true when the pair was already recorded and has not
// expired (a replay). Implementations must be safe for concurrent use.
type NonceStore interface {
	Seen(consumerKey, nonce string, ts time.Time) bool
}

// MemoryNonceStore is an in-memory NonceStore: a nonce is remembered until the later of its
// request timestamp and its first use, plus the TTL, that instant included (the verifier accepts a timestamp exactly a
// window away, so with TTL = window a replay at that instant is still caught). Expired entries are pruned lazily during Seen (no goroutine). Use a
// TTL at least as long as the verifier's timestamp window: after that the timestamp check
// rejects a replay anyway.
type MemoryNonceStore struct {
	ttl   time.Duration
	clock Clock

	mu        sync.Mutex
	expiry    map[nonceKey]time.Time
	nextPrune time.Time
}

type nonceKey struct{ consumerKey, nonce string }

// NewMemoryNonceStore returns a store that keeps nonces for ttl after their timestamp. A nil
// clock means time.Now.
func NewMemoryNonceStore(ttl time.Duration, clock Clock) *MemoryNonceStore {
	if clock == nil {
		clock = systemClock{}
	}
	return &MemoryNonceStore{ttl: ttl, clock: clock, expiry: make(map[nonceKey]time.Time)}
}

// Seen implements NonceStore.
func (m *MemoryNonceStore) Seen(consumerKey, nonce string, ts time.Time) bool {
	now := m.clock.Now()
	k := nonceKey{consumerKey, nonce}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.Before(m.nextPrune) {
		m.prune(now)
	}
	if exp, ok := m.expiry[k]; ok && !now.After(exp) {
		return true
	}
	exp := ts.Add(m.ttl)
	if nowExp := now.Add(m.ttl); nowExp.After(exp) {
		exp = nowExp
	}
	m.expiry[k] = exp
	return false
}

// Len returns the number of remembered nonces (expired ones may still count until pruned).
func (m *MemoryNonceStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.expiry)
}

// prune drops expired entries; it runs at most every ttl/4, so the cost stays amortized.
func (m *MemoryNonceStore) prune(now time.Time) {
	for k, exp := range m.expiry {
		if now.After(exp) {
			delete(m.expiry, k)
		}
	}
	m.nextPrune = now.Add(m.ttl / 4)
}
