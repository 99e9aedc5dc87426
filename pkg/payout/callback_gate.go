package payout

import (
	"sync"

	"golang.org/x/time/rate"
)

// maxCallbacksSeen bounds the callbacks remembered for de-duplication; past it the memory
// starts over (a replay then costs one more lookup, nothing else).
const maxCallbacksSeen = 10_000

// callbackGate decides which verified callbacks cause a lookup: one per (merchant_order,
// orderid, status) that was looked up successfully, and no more than the callback rate.
type callbackGate struct {
	lim *rate.Limiter

	mu   sync.Mutex
	seen map[string]struct{}
}

func newCallbackGate(o Options) *callbackGate {
	return &callbackGate{lim: rate.NewLimiter(rate.Limit(o.CallbackRate), o.CallbackBurst), seen: map[string]struct{}{}}
}

func callbackKey(merchantOrder, orderID, status string) string {
	return merchantOrder + "\x00" + orderID + "\x00" + status
}

// duplicate reports whether this callback was already looked up.
func (g *callbackGate) duplicate(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.seen[key]
	return ok
}

// allow takes a lookup from the callback rate.
func (g *callbackGate) allow() bool { return g.lim.Allow() }

// done remembers a callback whose lookup was made.
func (g *callbackGate) done(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.seen) >= maxCallbacksSeen {
		clear(g.seen)
	}
	g.seen[key] = struct{}{}
}
