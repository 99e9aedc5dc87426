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
	tests := []struct {
		name       string
		cur        pressureRecord
		retryAfter time.Duration
		wantOK     bool
		wantUntil  time.Time
		wantLevel  int
	}{
		{"first report, no Retry-After", pressureRecord{}, 0, true, now.Add(time.Second), 1},
		{"first report honours a longer Retry-After", pressureRecord{}, 5 * time.Second, true, now.Add(5 * time.Second), 1},
		{"Retry-After capped at PressureMax", pressureRecord{}, time.Hour, true, now.Add(time.Minute), 1},
		{"report during the pause does not escalate", pressureRecord{Until: now.Add(time.Second), Level: 2}, 0, false, now.Add(time.Second), 2},
		{"a longer Retry-After extends the pause", pressureRecord{Until: now.Add(time.Second), Level: 2}, 3 * time.Second, true, now.Add(3 * time.Second), 2},
		{"report soon after the pause escalates", pressureRecord{Until: now.Add(-10 * time.Second), Level: 2}, 0, true, now.Add(4 * time.Second), 3},
		{"report long after the pause starts over", pressureRecord{Until: now.Add(-2 * time.Minute), Level: 5}, 0, true, now.Add(time.Second), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := nextPressure(tt.cur, tt.retryAfter, now, o, fixed)
			if ok != tt.wantOK || !got.Until.Equal(tt.wantUntil) || got.Level != tt.wantLevel {
				t.Errorf("nextPressure = %+v, %v; want until %s level %d ok %v", got, ok, tt.wantUntil, tt.wantLevel, tt.wantOK)
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

func TestRampFactor(t *testing.T) {
	t.Parallel()
	o := Options{RampFrom: 0.25, RampPeriod: 4 * time.Second}
	until := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := pressureState{until: until}
	for _, tt := range []struct {
		at   time.Duration
		want float64
	}{{-time.Second, 0.25}, {0, 0.25}, {2 * time.Second, 0.625}, {4 * time.Second, 1}, {time.Hour, 1}} {
		if got := p.factor(until.Add(tt.at), o); got != tt.want {
			t.Errorf("factor at %s = %v, want %v", tt.at, got, tt.want)
		}
	}
	if got := (pressureState{}).factor(until, o); got != 1 {
		t.Errorf("factor without pressure = %v", got)
	}
}
