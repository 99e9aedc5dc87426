package submit

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestGatewayTextsMasked: the error code and message of every answer go through job.MaskText
// when the answer is parsed, so no caller sees a card number the gateway echoed.
func TestGatewayTextsMasked(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                                  "",
		"card 4111111111111111 declined":    "card ************1111 declined",
		"account 1234567 ok":                "account 1234567 ok",
		"account 12345678":                  "account ****5678",
		"order 6982864, acct 0987654321xyz": "order 6982864, acct ******4321xyz",
		// A card number written in groups is a card number too (as pkg/job masks it).
		"card 4111 1111 1111 1111 declined": "card **** **** **** 1111 declined",
		"card 4111-1111-1111-1111":          "card ****-****-****-1111",
		"iban DE89 3704 0044 0532 0130 00":  "iban DE** **** **** **** **30 00",
		"at 2026-11-27 10:00":               "at ****-**-** 10:00",
		"ids 1234 5678":                     "ids **** 5678",
		"trailing 12345678.":                "trailing ****5678.",
		"double  space 1234  5678":          "double  space ****  5678",
		"card 4111.1111.1111.1111":          "card ****.****.****.1111",
		"\x1b[2J4111_1111_1111_1111":        "\ufffd[2J****_****_****_1111",
	}
	for in, want := range tests {
		for _, field := range []string{"error-message", "error_code"} {
			r, err := ParseResponse([]byte("type=error&" + field + "=" + url.QueryEscape(in)))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.ErrorMessage + r.ErrorCode; got != want {
				t.Errorf("%s %q parsed as %q, want %q", field, in, got, want)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := mustTime(t, "Fri, 27 Nov 2026 03:00:00 GMT")
	tests := map[string]int64{"": 0, "3": 3, "-1": 0, "x": 0, "Fri, 27 Nov 2026 03:00:05 GMT": 5, "Fri, 27 Nov 2026 02:00:00 GMT": 0}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got.Seconds() != float64(want) {
			t.Errorf("parseRetryAfter(%q) = %v, want %ds", in, got, want)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := http.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
