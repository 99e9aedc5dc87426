package job

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCardExpiry: a card is valid through the last moment of its expiry
// month (UTC) and refused from the first moment of the next month.
func TestCardExpiry(t *testing.T) {
	t.Parallel()
	lastNov := clockAt(time.Date(2026, 11, 30, 23, 59, 59, 999999999, time.UTC))
	firstDec := clockAt(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	// 01:00 on 1 December in UTC+2 is still November in UTC.
	firstDecEast := clockAt(time.Date(2026, 12, 1, 1, 0, 0, 0, time.FixedZone("EET", 2*3600)))
	newYear := clockAt(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name        string
		now         clockAt
		month, year string
		wantErr     string // substring of the expire_year reason; "" = valid
	}{
		{"expiry month, last instant", lastNov, "11", "2026", ""},
		{"expiry month, one digit", lastNov, "1", "2027", ""},
		{"month after expiry", firstDec, "11", "2026", "expired at the end of 11/2026 (today is 12/2026 UTC)"},
		{"month after expiry, two-digit month", firstDec, "07", "2026", "expired at the end of 07/2026"},
		{"this month", firstDec, "12", "2026", ""},
		{"UTC decides, not the clock's zone", firstDecEast, "11", "2026", ""},
		{"later month of an earlier year", newYear, "12", "2026", "expired at the end of 12/2026 (today is 01/2027 UTC)"},
		{"earlier month of a later year", newYear, "1", "2027", ""},
		{"far past", newYear, "12", "1999", "expired"},
		{"far future", newYear, "1", "2099", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jobs, errs, err := readAllOpts(t, csvRow(card("4111111111111111", tt.month, tt.year)...), WithClock(tt.now))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr == "" {
				if len(errs) != 0 || len(jobs) != 1 {
					t.Fatalf("errors %v, %d jobs; want one valid job", errs, len(jobs))
				}
				return
			}
			if len(jobs) != 0 || len(errs) != 1 {
				t.Fatalf("errors %v, %d jobs; want exactly one error", errs, len(jobs))
			}
			e := errs[0]
			if e.Key != "expire_year" || !strings.Contains(e.Reason, tt.wantErr) || e.Line != 2 || e.Column < 1 {
				t.Fatalf("error %v; want expire_year on line 2 containing %q", e, tt.wantErr)
			}
		})
	}
}

// TestCardExpiryMalformed: a malformed month or year has its own error and no
// expiry error on top.
func TestCardExpiryMalformed(t *testing.T) {
	t.Parallel()
	for _, kv := range [][]string{card("4111111111111111", "13", "1999"), card("4111111111111111", "012", "1999"), card("4111111111111111", "1", "99")} {
		_, errs, err := readAllOpts(t, csvRow(kv...), WithClock(testToday))
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) != 1 || strings.Contains(errs[0].Reason, "expired") {
			t.Errorf("%v: errors %v; want one format error", kv, errs)
		}
	}
}

// TestValidateFileClock: ValidateFile passes its clock to the Reader, and the
// default clock is the system's.
func TestValidateFileClock(t *testing.T) {
	t.Parallel()
	in := csvRow(card("4111111111111111", "11", "2026")...)
	if _, err := ValidateFile(strings.NewReader(in), "t.csv", WithClock(clockAt(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))); err != nil {
		t.Fatalf("in its expiry month: %v", err)
	}
	_, err := ValidateFile(strings.NewReader(in), "t.csv", WithClock(clockAt(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))))
	if !errors.Is(err, ErrInvalidBatch) {
		t.Fatalf("after its expiry month: %v; want ErrInvalidBatch", err)
	}
	past := time.Now().UTC().AddDate(0, -2, 0)
	old := csvRow(card("4111111111111111", past.Format("01"), past.Format("2006"))...)
	if _, err := ValidateFile(strings.NewReader(old), "t.csv"); !errors.Is(err, ErrInvalidBatch) {
		t.Fatalf("default clock, card expired two months ago: %v; want ErrInvalidBatch", err)
	}
	if _, err := ValidateFile(strings.NewReader(old), "t.csv", WithClock(nil)); !errors.Is(err, ErrInvalidBatch) {
		t.Fatalf("nil clock: %v; want the system clock", err)
	}
}
