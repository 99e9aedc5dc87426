package job

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, cur string
		minor   int64
		str     string // String() of the result
		reason  string // substring of the error reason; "" = valid
	}{
		{"10.5", "USD", 1050, "10.50", ""},
		{"10.50", "USD", 1050, "10.50", ""},
		{"10", "USD", 1000, "10.00", ""},
		{"0.01", "USD", 1, "0.01", ""},
		{"9999999.99", "USD", 999999999, "9999999.99", ""},
		{"9999999999", "USD", 999999999900, "9999999999.00", ""},
		{"1000", "JPY", 1000, "1000", ""},
		{"1", "JPY", 1, "1", ""},
		{"1.5", "KWD", 1500, "1.500", ""},
		{"0.001", "KWD", 1, "0.001", ""},
		{"1.2345", "CLF", 12345, "1.2345", ""},
		{"10000000.00", "IDR", 1000000000, "10000000.00", ""}, // sent as "10000000"
		{"1000000.000", "IQD", 1000000000, "1000000.000", ""}, // sent as "1000000"
		{"12345678.90", "USD", 1234567890, "12345678.90", ""}, // sent as "12345678.9"
		{"10.555", "USD", 0, "", "has 3 fraction digits, USD allows 2"},
		{"10.5", "JPY", 0, "", "has 1 fraction digits, JPY allows none"},
		{"1.0001", "KWD", 0, "", "KWD allows 3"},
		{"0", "USD", 0, "", "greater than zero"},
		{"0.00", "USD", 0, "", "greater than zero"},
		{"", "USD", 0, "", "empty"},
		{"1e5", "USD", 0, "", "exponent"},
		{"1E5", "USD", 0, "", "exponent"},
		{"-10.00", "USD", 0, "", "sign"},
		{"+10.00", "USD", 0, "", "sign"},
		{".50", "USD", 0, "", "starts with '.'"},
		{"10.", "USD", 0, "", "ends with '.'"},
		{"1.2.3", "USD", 0, "", "more than one '.'"},
		{"1,000.00", "USD", 0, "", "thousands separators"},
		{"10,50", "EUR", 0, "", "decimal separator"},
		{"1'000", "CHF", 0, "", "thousands"},
		{"1_000", "USD", 0, "", "thousands"},
		{" 10.00", "USD", 0, "", "space"},
		{"10.00 ", "USD", 0, "", "space"},
		{"1 000", "USD", 0, "", "space"},
		{"1\u00a0000", "USD", 0, "", "space"},
		{"010.00", "USD", 0, "", "leading zeros"},
		{"00", "JPY", 0, "", "leading zeros"},
		{"12345678901", "JPY", 0, "", "at most 10"},
		{"1234567.891", "KWD", 0, "", "at most 10"},
		{"$10", "USD", 0, "", `contains '$'`},
		{"10USD", "USD", 0, "", "only digits"},
		{"NaN", "USD", 0, "", "only digits"},
		{"Inf", "USD", 0, "", "only digits"},
		{"0x10", "USD", 0, "", "only digits"},
		{"10.00", "usd", 0, "", "upper case: USD"},
		{"10.00", "XXX", 0, "", "not an active ISO 4217"},
		{"10.00", "XAU", 0, "", "not an active ISO 4217"},
		{"10.00", "", 0, "", "currency is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.in+"_"+tt.cur, func(t *testing.T) {
			t.Parallel()
			a, err := ParseAmount(tt.in, tt.cur)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ParseAmount(%q, %s) = %v", tt.in, tt.cur, err)
				}
				if a.Minor != tt.minor || a.Currency != tt.cur || a.String() != tt.str {
					t.Fatalf("ParseAmount(%q, %s) = %+v %q, want %d %q", tt.in, tt.cur, a, a, tt.minor, tt.str)
				}
				return
			}
			var ae *AmountError
			if !errors.As(err, &ae) || !errors.Is(err, ErrInvalidAmount) {
				t.Fatalf("ParseAmount(%q, %s) = %+v, %v; want an *AmountError", tt.in, tt.cur, a, err)
			}
			if !strings.Contains(ae.Reason, tt.reason) {
				t.Fatalf("reason %q, want it to contain %q", ae.Reason, tt.reason)
			}
		})
	}
}

// Invariant 3: Numeric is the shortest exact form, the one the gateway receives.
func TestAmountNumeric(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, cur, want string }{
		{"10.50", "USD", "10.5"}, {"10.5", "USD", "10.5"}, {"10.00", "USD", "10"}, {"0.01", "USD", "0.01"},
		{"10000000.00", "IDR", "10000000"}, {"1000000.000", "IQD", "1000000"}, {"0.500", "KWD", "0.5"},
		{"1000", "JPY", "1000"}, {"9999999999", "JPY", "9999999999"}, {"1.2340", "CLF", "1.234"},
	} {
		a, err := ParseAmount(tt.in, tt.cur)
		if err != nil {
			t.Fatalf("ParseAmount(%q, %s): %v", tt.in, tt.cur, err)
		}
		if got := a.Numeric(); got != tt.want {
			t.Errorf("ParseAmount(%q, %s).Numeric() = %q, want %q", tt.in, tt.cur, got, tt.want)
		}
	}
}

func TestMinorUnitsTable(t *testing.T) {
	t.Parallel()
	want := map[string]int{"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "VND": 0, "ISK": 0, "CLP": 0,
		"KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "IQD": 3, "LYD": 3, "CLF": 4, "UYW": 4, "XCG": 2, "ZWG": 2}
	for c, m := range want {
		if got, ok := MinorUnits(c); !ok || got != m {
			t.Errorf("MinorUnits(%s) = %d, %v; want %d", c, got, ok, m)
		}
	}
	for _, c := range []string{"HRK", "XAU", "XTS", "XXX", "usd", "US", ""} {
		if _, ok := MinorUnits(c); ok {
			t.Errorf("MinorUnits(%q) is known, want unknown", c)
		}
	}
	if n := len(iso4217); n < 150 {
		t.Errorf("iso4217 has %d codes, want the full active list", n)
	}
}

// TestAmountRoundTrip: for canonical input (exactly the currency's fraction
// digits, no leading zeros) String(ParseAmount(s)) == s, for many random
// amounts of every currency, and the minor units equal the digits.
func TestAmountRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for cur, m := range iso4217 {
		for range 200 {
			intDigits := 1 + rng.IntN(MaxAmountLength-int(m)-min(int(m), 1))
			s := strconv.FormatInt(1+rng.Int64N(int64(math.Pow10(intDigits))-1), 10)
			if len(s) > intDigits {
				s = s[:intDigits]
			}
			if m > 0 {
				s += "." + fmt.Sprintf("%0*d", m, rng.IntN(int(math.Pow10(int(m)))))
			}
			a, err := ParseAmount(s, cur)
			if err != nil {
				t.Fatalf("ParseAmount(%q, %s): %v", s, cur, err)
			}
			if got := a.String(); got != s {
				t.Fatalf("String(ParseAmount(%q, %s)) = %q", s, cur, got)
			}
			if want, _ := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64); a.Minor != want {
				t.Fatalf("ParseAmount(%q, %s).Minor = %d, want %d", s, cur, a.Minor, want)
			}
		}
	}
}

func TestAmountString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a    Amount
		want string
	}{
		{Amount{0, "USD"}, "0.00"},
		{Amount{5, "USD"}, "0.05"},
		{Amount{-5, "USD"}, "-0.05"},
		{Amount{-1050, "USD"}, "-10.50"},
		{Amount{7, "KWD"}, "0.007"},
		{Amount{math.MinInt64, "JPY"}, "-9223372036854775808"},
		{Amount{math.MaxInt64, "USD"}, "92233720368547758.07"},
		{Amount{12, "ZZZ"}, "12"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.a, got, tt.want)
		}
	}
}

func TestAmountAdd(t *testing.T) {
	t.Parallel()
	a := Amount{Minor: 1050, Currency: "USD"}
	if s, err := a.Add(Amount{Minor: 1, Currency: "USD"}); err != nil || s.Minor != 1051 {
		t.Fatalf("Add = %v, %v", s, err)
	}
	if _, err := a.Add(Amount{Minor: 1, Currency: "EUR"}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("Add USD+EUR: %v, want ErrCurrencyMismatch", err)
	}
	if _, err := (Amount{math.MaxInt64, "USD"}).Add(Amount{1, "USD"}); !errors.Is(err, ErrAmountOverflow) {
		t.Fatalf("overflow: %v", err)
	}
	if _, err := (Amount{math.MinInt64, "USD"}).Add(Amount{-1, "USD"}); !errors.Is(err, ErrAmountOverflow) {
		t.Fatalf("underflow: %v", err)
	}
}

func TestTotalsJSON(t *testing.T) {
	t.Parallel()
	tot := Totals{}
	for _, a := range []Amount{{1050, "USD"}, {5, "USD"}, {1000, "JPY"}, {1500, "KWD"}} {
		if err := tot.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(tot)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"JPY":"1000","KWD":"1.500","USD":"10.55"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var back Totals
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for c, a := range tot {
		if back[c] != a {
			t.Fatalf("round trip %s: %+v, want %+v", c, back[c], a)
		}
	}
	for _, bad := range []string{`{"USD":"1.234"}`, `{"ZZZ":"1"}`, `{"USD":1.5}`, `{"USD":"1e3"}`, `{"USD":"-"}`, `[]`} {
		var tt Totals
		if err := json.Unmarshal([]byte(bad), &tt); err == nil {
			t.Errorf("Unmarshal(%s) accepted: %v", bad, tt)
		}
	}
	var neg Totals
	if err := json.Unmarshal([]byte(`{"USD":"-0.50","JPY":"0"}`), &neg); err != nil || neg["USD"].Minor != -50 || neg["JPY"].Minor != 0 {
		t.Fatalf("negative/zero totals: %v %v", neg, err)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"10.50", "0.01", "1e5", "-1", ".5", "1,000", "9999999999", "00", "1.2.3", "\xff", ""} {
		for _, c := range []string{"USD", "JPY", "KWD", "CLF", "usd"} {
			f.Add(s, c)
		}
	}
	f.Fuzz(func(t *testing.T, s, cur string) {
		a, err := ParseAmount(s, cur)
		if err != nil {
			if !errors.Is(err, ErrInvalidAmount) {
				t.Fatalf("error %v does not match ErrInvalidAmount", err)
			}
			return
		}
		m, _ := MinorUnits(cur)
		if a.Minor <= 0 || a.Currency != cur || len(a.Numeric()) > MaxAmountLength || len(a.Numeric()) > len(s) {
			t.Fatalf("ParseAmount(%q, %q) = %+v (sent as %q) accepted", s, cur, a, a.Numeric())
		}
		// Both printed forms parse back to the same amount.
		for _, form := range []string{a.String(), a.Numeric()} {
			if b, err := ParseAmount(form, cur); err != nil || b != a {
				t.Fatalf("round trip %q → %+v → %q → %+v, %v", s, a, form, b, err)
			}
		}
		// The decimal value is preserved exactly: s has no more fraction
		// digits than m, and padding s's fraction gives String().
		want, frac, _ := strings.Cut(s, ".")
		if m > 0 {
			want += "." + frac + strings.Repeat("0", m-len(frac))
		}
		if a.String() != want {
			t.Fatalf("ParseAmount(%q, %s).String() = %q, want %q", s, cur, a, want)
		}
	})
}
