package ratelimit

import (
	"slices"
	"time"
)

// The adaptive rate is AIMD over tumbling windows of Options.Window (aligned on the Unix
// epoch, so every member numbers them alike). Each window's gateway answers get a verdict:
//
//   - decrease (congested): at least CongestedMin answers were pressure (429/503) and they
//     were at least CongestedShare of the window's answers: factor = max(MinFactor, factor·Decrease);
//   - increase (healthy): not congested and at least one answer was not pressure:
//     factor = min(1, factor + Increase);
//   - hold: no answer, or only a few pressure answers: factor unchanged.
//
// The pool grants Rate·factor. A window's answers are what the gateway said: timeouts, resets
// and other failures without an answer count neither way; 500/502/504 count as answers that
// are not pressure (one call's failure, not the gateway asking for less).
//
// More pressure never raises the factor: both steps are monotone in the factor, decrease(f)
// <= f <= increase(f), and adding a pressure answer (or turning a healthy one into pressure)
// only moves a window's verdict from increase towards hold or decrease.

// verdict is a window's outcome, ordered from the lowest resulting factor to the highest.
type verdict int

const (
	verdictDecrease verdict = iota - 1
	verdictHold
	verdictIncrease
)

func (v verdict) String() string {
	switch v {
	case verdictDecrease:
		return "decrease"
	case verdictIncrease:
		return "increase"
	}
	return "hold"
}

// windowCount is what one window saw: answers (pressure included) and pressure answers.
type windowCount struct {
	answers, pressure int
}

// verdict judges one window.
func (o Options) verdict(w windowCount) verdict {
	switch {
	case w.pressure >= o.CongestedMin && float64(w.pressure) >= o.CongestedShare*float64(w.answers):
		return verdictDecrease
	case w.answers > w.pressure:
		return verdictIncrease
	}
	return verdictHold
}

// step applies a verdict to a factor in [MinFactor, 1].
func (o Options) step(f float64, v verdict) float64 {
	switch v {
	case verdictDecrease:
		return max(o.MinFactor, f*o.Decrease)
	case verdictIncrease:
		return min(1, f+o.Increase)
	}
	return f
}

// windowOf numbers the window that holds t.
func (o Options) windowOf(t time.Time) int64 {
	return t.UnixNano() / int64(o.Window)
}

// answer is one gateway answer as the policy sees it.
type answer struct {
	at       time.Time
	pressure bool
}

// adaptiveFactor is the policy as a pure function: the factor after every window of history
// that has ended at now, starting from 1. The limiter computes the same thing incrementally
// (one verdict per closed window, merged pool-wide by nextAdaptive).
func (o Options) adaptiveFactor(history []answer, now time.Time) float64 {
	counts := map[int64]windowCount{}
	current := o.windowOf(now)
	for _, a := range history {
		k := o.windowOf(a.at)
		if k >= current {
			continue // the window is still open
		}
		c := counts[k]
		c.answers++
		if a.pressure {
			c.pressure++
		}
		counts[k] = c
	}
	keys := make([]int64, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	f := 1.0
	for _, k := range keys {
		f = o.step(f, o.verdict(counts[k]))
	}
	return f
}

// adaptiveRecord is the pool-wide factor under adaptiveKey. Members merge their window
// verdicts into it with compare-and-set: one step per window for the whole pool, a decrease
// winning over an increase of the same window.
type adaptiveRecord struct {
	Factor  float64   `json:"factor"`
	Window  int64     `json:"window"`  // the window whose verdict made Factor
	Before  float64   `json:"before"`  // the factor before that verdict
	Verdict verdict   `json:"verdict"` // that verdict
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// nextAdaptive merges one member's verdict for window k into the pool's record (exists false:
// no record yet, factor 1). False means the record already covers it. Pure.
func nextAdaptive(cur adaptiveRecord, exists bool, k int64, v verdict, o Options) (adaptiveRecord, bool) {
	if !exists {
		cur = adaptiveRecord{Factor: 1, Window: k - 1, Before: 1, Verdict: verdictHold}
	}
	var base float64
	switch {
	case v == verdictHold || k < cur.Window:
		return cur, false // nothing to do, or news from a window the pool has passed
	case k == cur.Window:
		if v >= cur.Verdict {
			return cur, false // the pool already took this step or a lower one
		}
		base = cur.Before
	default:
		base = cur.Factor
	}
	next := adaptiveRecord{Factor: o.step(base, v), Window: k, Before: base, Verdict: v}
	if v == verdictIncrease && next.Factor == cur.Factor {
		// Already at 1: spare the write. (A decrease at the floor is still written, so that
		// no increase of the same window can pass it.)
		return cur, false
	}
	return next, true
}
