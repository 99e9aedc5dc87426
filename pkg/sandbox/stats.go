package sandbox

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Stats is a snapshot of the sandbox's counters (also served as JSON on GET /sandbox/stats).
type Stats struct {
	// Requests counts API requests (payout, status, unknown paths below /paynet), faulted
	// ones included; RequestsByCall splits them by "payout", "status" and "other".
	Requests       int64            `json:"requests"`
	RequestsByCall map[string]int64 `json:"requests_by_call"`
	// Orders counts orders created (committed payouts).
	Orders int64 `json:"orders"`
	// Duplicates counts committed payouts whose client_orderid had been seen before;
	// DuplicateClientOrderIDs lists the first 100 such ids.
	Duplicates              int64    `json:"duplicates"`
	DuplicateClientOrderIDs []string `json:"duplicate_client_orderids,omitempty"`
	// BadSignatures counts requests refused with 403 because the signature did not verify;
	// AuthFailures counts every 403 by reason (bad_signature, stale_timestamp,
	// replayed_nonce, malformed_header, unsupported_method, unknown_merchant).
	BadSignatures int64            `json:"bad_signatures"`
	AuthFailures  map[string]int64 `json:"auth_failures"`
	// ValidationErrors counts validation-error answers (not-found status lookups excluded);
	// NotFound counts status lookups of unknown orders.
	ValidationErrors int64 `json:"validation_errors"`
	NotFound         int64 `json:"not_found"`
	// StatusAnswers counts status-responses by transaction status.
	StatusAnswers map[string]int64 `json:"status_answers"`
	// InFlight is the number of API requests being handled now; MaxInFlight the highest
	// number handled at once.
	InFlight    int64 `json:"in_flight"`
	MaxInFlight int64 `json:"max_in_flight"`
	// Faults counts injected faults by kind; ServerErrors counts the injected 5xx answers
	// (5xx-before and 5xx-after) by HTTP status ("500", "502", ...).
	Faults       map[string]int64 `json:"faults"`
	ServerErrors map[string]int64 `json:"server_errors"`
	// CallbacksSent counts callbacks answered 200; CallbacksFailed those that gave up.
	CallbacksSent   int64 `json:"callbacks_sent"`
	CallbacksFailed int64 `json:"callbacks_failed"`
	// RequestsPerSecond is the count of the last complete clock second; MaxPerSecond the
	// highest count of any clock second; PerSecond the histogram of API requests per clock
	// second (the last hour), oldest first.
	RequestsPerSecond int64         `json:"requests_per_second"`
	MaxPerSecond      int64         `json:"max_per_second"`
	PerSecond         []SecondCount `json:"per_second"`
}

// SecondCount is the number of API requests that arrived during one clock second.
type SecondCount struct {
	Unix  int64 `json:"unix"`
	Count int64 `json:"count"`
}

const (
	keepSeconds    = 3600    // per-second histogram length
	keepArrivals   = 1 << 20 // arrival times kept for sliding windows
	keepDuplicates = 100
)

// counters holds everything Stats reports. All methods lock mu.
type counters struct {
	mu        sync.Mutex
	s         Stats
	perSecond map[int64]int64
	arrivals  []time.Time
	perClient map[string]int
}

func newCounters() *counters {
	return &counters{
		s: Stats{
			RequestsByCall: map[string]int64{},
			AuthFailures:   map[string]int64{},
			StatusAnswers:  map[string]int64{},
			Faults:         map[string]int64{},
			ServerErrors:   map[string]int64{},
		},
		perSecond: map[int64]int64{},
		perClient: map[string]int{},
	}
}

// arrival counts one API request at t and returns the count of its clock second so far.
func (c *counters) arrival(call string, t time.Time) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Requests++
	c.s.RequestsByCall[call]++
	sec := t.Unix()
	c.perSecond[sec]++
	n := c.perSecond[sec]
	c.s.MaxPerSecond = max(c.s.MaxPerSecond, n)
	if len(c.perSecond) > keepSeconds {
		for k := range c.perSecond {
			if k <= sec-keepSeconds {
				delete(c.perSecond, k)
			}
		}
	}
	if len(c.arrivals) >= keepArrivals {
		c.arrivals = append(c.arrivals[:0], c.arrivals[keepArrivals/2:]...)
	}
	c.arrivals = append(c.arrivals, t)
	return n
}

// payout records a committed payout for clientOrderID; it reports whether it is a duplicate.
func (c *counters) payout(clientOrderID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Orders++
	c.perClient[clientOrderID]++
	if c.perClient[clientOrderID] == 1 {
		return false
	}
	c.s.Duplicates++
	if c.perClient[clientOrderID] == 2 && len(c.s.DuplicateClientOrderIDs) < keepDuplicates {
		c.s.DuplicateClientOrderIDs = append(c.s.DuplicateClientOrderIDs, clientOrderID)
	}
	return true
}

// add runs f with the lock held (for the simple counters).
func (c *counters) add(f func(s *Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.s)
}

// snapshot copies the counters; now decides the "last complete second".
func (c *counters) snapshot(now time.Time) Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.RequestsByCall = maps.Clone(c.s.RequestsByCall)
	s.AuthFailures = maps.Clone(c.s.AuthFailures)
	s.StatusAnswers = maps.Clone(c.s.StatusAnswers)
	s.Faults = maps.Clone(c.s.Faults)
	s.ServerErrors = maps.Clone(c.s.ServerErrors)
	s.DuplicateClientOrderIDs = slices.Clone(c.s.DuplicateClientOrderIDs)
	s.RequestsPerSecond = c.perSecond[now.Unix()-1]
	s.PerSecond = make([]SecondCount, 0, len(c.perSecond))
	for sec, n := range c.perSecond {
		s.PerSecond = append(s.PerSecond, SecondCount{Unix: sec, Count: n})
	}
	slices.SortFunc(s.PerSecond, func(a, b SecondCount) int { return int(a.Unix - b.Unix) })
	return s
}

// payoutCount returns how many payouts were committed for clientOrderID.
func (c *counters) payoutCount(clientOrderID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.perClient[clientOrderID]
}

// maxInWindow returns the highest number of API requests that arrived within any window of
// length d (sliding, over the arrivals kept): a request at t counts in [t, t+d). A window of
// d <= 0 holds none.
func (c *counters) maxInWindow(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	ts := c.sortedArrivals()
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= d {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// sortedArrivals copies the kept arrival times, oldest first.
func (c *counters) sortedArrivals() []time.Time {
	c.mu.Lock()
	ts := slices.Clone(c.arrivals)
	c.mu.Unlock()
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	return ts
}
