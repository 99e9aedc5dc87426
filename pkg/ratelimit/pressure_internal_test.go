package ratelimit

import (
	"testing"
	"time"
)

func TestNextPressure(t *testing.T) {
	t.Parallel()
	o, err := Options{Rate: 1, PressureBase: time.Second, PressureMax: time.Minute, PressureReset: time.Minute}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	fixed := func(level int) time.Duration { return time.Second << (level - 1) } // no jitter
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	stopped := pressureRecord{Until: now.Add(time.Second), Level: 2, Reason: ReasonStorm}
	tests := []struct {
		name       string
		cur        pressureRecord
		rep        pressureReport
		wantOK     bool
		wantUntil  time.Time
		wantLevel  int
		wantReason string
	}{
		{"Retry-After stops exactly that long", pressureRecord{}, pressureReport{retryAfter: 5 * time.Second}, true, now.Add(5 * time.Second), 0, ReasonRetryAfter},
		{"Retry-After shorter than PressureBase is not lengthened", pressureRecord{}, pressureReport{retryAfter: 200 * time.Millisecond}, true, now.Add(200 * time.Millisecond), 0, ReasonRetryAfter},
		{"Retry-After beyond PressureMax is obeyed", pressureRecord{}, pressureReport{retryAfter: 5 * time.Minute}, true, now.Add(5 * time.Minute), 0, ReasonRetryAfter},
		{"Retry-After capped at MaxRetryAfter", pressureRecord{}, pressureReport{retryAfter: time.Hour}, true, now.Add(15 * time.Minute), 0, ReasonRetryAfter},
		{"nothing to stop for", pressureRecord{}, pressureReport{}, false, time.Time{}, 0, ""},
		{"first storm", pressureRecord{}, pressureReport{storm: true}, true, now.Add(time.Second), 1, ReasonStorm},
		{"a storm honours a longer Retry-After", pressureRecord{}, pressureReport{storm: true, retryAfter: 5 * time.Second}, true, now.Add(5 * time.Second), 1, ReasonStorm},
		{"a storm during the stop does not escalate", stopped, pressureReport{storm: true}, false, stopped.Until, 2, ReasonStorm},
		{"a longer Retry-After extends the stop", stopped, pressureReport{retryAfter: 3 * time.Second}, true, now.Add(3 * time.Second), 2, ReasonRetryAfter},
		{"a storm soon after the stop escalates", pressureRecord{Until: now.Add(-10 * time.Second), Level: 2}, pressureReport{storm: true}, true, now.Add(4 * time.Second), 3, ReasonStorm},
		{"Retry-After between storms keeps the level", pressureRecord{Until: now.Add(-10 * time.Second), Level: 2}, pressureReport{retryAfter: time.Second}, true, now.Add(time.Second), 2, ReasonRetryAfter},
		{"a storm long after the stop starts over", pressureRecord{Until: now.Add(-2 * time.Minute), Level: 5}, pressureReport{storm: true}, true, now.Add(time.Second), 1, ReasonStorm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := nextPressure(tt.cur, tt.rep, now, o, fixed)
			if ok != tt.wantOK || !got.Until.Equal(tt.wantUntil) || got.Level != tt.wantLevel || got.Reason != tt.wantReason {
				t.Errorf("nextPressure = %+v, %v; want until %s level %d reason %q ok %v", got, ok, tt.wantUntil, tt.wantLevel, tt.wantReason, tt.wantOK)
			}
		})
	}
}

func TestBackoffAtGrowsWithJitterAndCap(t *testing.T) {
	t.Parallel()
	o, err := Options{Rate: 1, PressureBase: 100 * time.Millisecond, PressureMax: time.Second}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for level, base := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond} {
		for range 20 {
			d := o.backoffAt(level)
			if lo, hi := base*8/10, base*12/10; d < lo || d > hi {
				t.Fatalf("level %d: %s outside [%s, %s]", level, d, lo, hi)
			}
		}
	}
	if d := o.backoffAt(30); d > time.Second {
		t.Errorf("level 30: %s above PressureMax", d)
	}
}
