package ratelimit

import (
	"math/rand/v2"
	"testing"
	"time"
)

func defaultOptions(t testing.TB) Options {
	t.Helper()
	o, err := Options{Rate: 20}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// epoch is the start of a window (windows are aligned on the Unix epoch).
var epoch = time.Unix(1_764_000_000, 0)

func TestVerdict(t *testing.T) {
	t.Parallel()
	o := defaultOptions(t) // share 0.1, at least 3
	for _, tt := range []struct {
		w    windowCount
		want verdict
	}{
		{windowCount{}, verdictHold},
		{windowCount{answers: 40}, verdictIncrease},
		{windowCount{answers: 40, pressure: 2}, verdictIncrease}, // sporadic: too few
		{windowCount{answers: 40, pressure: 3}, verdictIncrease}, // 7.5% < 10%
		{windowCount{answers: 40, pressure: 4}, verdictDecrease}, // 10%
		{windowCount{answers: 10, pressure: 3}, verdictDecrease}, // 30%
		{windowCount{answers: 2, pressure: 2}, verdictHold},      // all pressure, but only two
		{windowCount{answers: 3, pressure: 2}, verdictIncrease},  // one healthy answer
		{windowCount{answers: 100, pressure: 100}, verdictDecrease},
	} {
		if got := o.verdict(tt.w); got != tt.want {
			t.Errorf("verdict(%+v) = %s, want %s", tt.w, got, tt.want)
		}
	}
}

// history builds answers: per window (2s each, from epoch), n answers of which p pressure.
func history(o Options, windows ...[2]int) []answer {
	var h []answer
	for i, w := range windows {
		start := epoch.Add(time.Duration(i) * o.Window)
		for j := range w[0] {
			h = append(h, answer{at: start.Add(time.Duration(j) * time.Millisecond), pressure: j < w[1]})
		}
	}
	return h
}

func TestAdaptiveFactor(t *testing.T) {
	t.Parallel()
	o := defaultOptions(t) // window 2s, decrease 0.7, increase 0.1, floor 0.1
	storm := [2]int{40, 40}
	healthy := [2]int{40, 0}
	tests := []struct {
		name    string
		windows [][2]int
		want    float64
	}{
		{"no answers", nil, 1},
		{"healthy", [][2]int{healthy, healthy}, 1},
		{"sporadic 503s: 3.3% never decreases", [][2]int{{40, 1}, {40, 2}, {40, 1}}, 1},
		{"one congested window", [][2]int{{40, 8}}, 0.7},
		{"two congested windows", [][2]int{{40, 8}, {40, 8}}, 0.49},
		{"recovery adds 0.1 per healthy window", [][2]int{{40, 8}, {40, 8}, healthy, healthy}, 0.69},
		{"empty windows hold", [][2]int{{40, 8}, {0, 0}, {0, 0}}, 0.7},
		{"a storm stops at the floor", [][2]int{storm, storm, storm, storm, storm, storm, storm, storm}, 0.1},
		{"from the floor to 0.9 in 8 healthy windows", [][2]int{storm, storm, storm, storm, storm, storm, storm, storm,
			healthy, healthy, healthy, healthy, healthy, healthy, healthy, healthy}, 0.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := history(o, tt.windows...)
			end := epoch.Add(time.Duration(len(tt.windows)) * o.Window)
			if got := o.adaptiveFactor(h, end); !near(got, tt.want) {
				t.Errorf("factor = %v, want %v", got, tt.want)
			}
			// The clock decides which windows have ended: one nanosecond earlier, the last
			// window is still open and does not count yet.
			if len(tt.windows) > 0 {
				prev := o.adaptiveFactor(history(o, tt.windows[:len(tt.windows)-1]...), end)
				if got := o.adaptiveFactor(h, end.Add(-time.Nanosecond)); !near(got, prev) {
					t.Errorf("factor before the last window ended = %v, want %v", got, prev)
				}
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// The pool's record, merged from every member's verdicts in any order, ends where the pure
// function ends for the pool's answers taken together.
func TestNextAdaptiveMatchesPolicy(t *testing.T) {
	t.Parallel()
	o := defaultOptions(t)
	rng := rand.New(rand.NewPCG(10, 10))
	for trial := range 200 {
		const members, windows = 3, 12
		// Each member's answers per window; a window is decreased when any member's own
		// window is congested, else increased when any member saw a healthy answer.
		var merged []verdict
		type vote struct {
			k int64
			v verdict
		}
		var votes []vote
		for k := range windows {
			anyDecrease, anyIncrease := false, false
			for range members {
				n := rng.IntN(15)
				p := 0
				if n > 0 {
					p = rng.IntN(n + 1)
					if rng.IntN(2) == 0 {
						p = rng.IntN(2)
					}
				}
				v := o.verdict(windowCount{answers: n, pressure: p})
				votes = append(votes, vote{int64(k), v})
				anyDecrease = anyDecrease || v == verdictDecrease
				anyIncrease = anyIncrease || v == verdictIncrease
			}
			switch {
			case anyDecrease:
				merged = append(merged, verdictDecrease)
			case anyIncrease:
				merged = append(merged, verdictIncrease)
			default:
				merged = append(merged, verdictHold)
			}
		}
		// Members publish their verdicts for one window in any order; windows in order.
		var rec adaptiveRecord
		exists := false
		for k := range windows {
			var these []vote
			for _, v := range votes {
				if v.k == int64(k) {
					these = append(these, v)
				}
			}
			rng.Shuffle(len(these), func(i, j int) { these[i], these[j] = these[j], these[i] })
			for _, v := range these {
				if next, ok := nextAdaptive(rec, exists, v.k, v.v, o); ok {
					rec, exists = next, true
				}
			}
		}
		want := 1.0
		for _, v := range merged {
			want = o.step(want, v)
		}
		got := 1.0
		if exists {
			got = rec.Factor
		}
		if !near(got, want) {
			t.Fatalf("trial %d: record factor %v, policy %v (verdicts %v)", trial, got, want, merged)
		}
	}
}

// FuzzAdaptiveMonotone: more pressure never raises the rate. Each input byte is one answer
// (low 3 bits: how many windows after the previous answer; bit 3: pressure); flip turns the
// flip-th healthy answer into pressure, extra adds one pressure answer in window extra.
func FuzzAdaptiveMonotone(f *testing.F) {
	f.Add([]byte{0x00, 0x08, 0x00, 0x08, 0x09, 0x01, 0x00}, uint8(1), uint8(2))
	f.Add([]byte{0x08, 0x08, 0x00, 0x01, 0x01, 0x01}, uint8(0), uint8(0))
	f.Add([]byte{0x00, 0x00, 0x00, 0x08, 0x08, 0x01, 0x00, 0x00, 0x08}, uint8(3), uint8(1))
	o, err := Options{Rate: 20, CongestedMin: 2, CongestedShare: 0.3}.withDefaults()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, flip, extra uint8) {
		if len(data) > 512 {
			return
		}
		var h []answer
		at := epoch
		for i, b := range data {
			at = at.Add(time.Duration(b&7)*o.Window + time.Duration(i)*time.Microsecond)
			h = append(h, answer{at: at, pressure: b&8 != 0})
		}
		now := at.Add(o.Window)
		base := o.adaptiveFactor(h, now)
		if base < o.MinFactor || base > 1 {
			t.Fatalf("factor %v outside [%v, 1]", base, o.MinFactor)
		}
		flipped := append([]answer(nil), h...)
		for i, seen := range flipped {
			if !seen.pressure {
				if flip == 0 {
					flipped[i].pressure = true
					break
				}
				flip--
			}
		}
		if got := o.adaptiveFactor(flipped, now); got > base {
			t.Fatalf("a healthy answer turned into pressure raised the factor: %v > %v", got, base)
		}
		more := append(append([]answer(nil), h...), answer{at: epoch.Add(time.Duration(extra) * o.Window), pressure: true})
		if got := o.adaptiveFactor(more, now.Add(time.Duration(extra)*o.Window)); got > o.adaptiveFactor(h, now.Add(time.Duration(extra)*o.Window)) {
			t.Fatalf("an extra pressure answer raised the factor: %v", got)
		}
	})
}
