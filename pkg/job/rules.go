package job

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// checkCommon applies what holds for every value: valid UTF-8, no control
// characters (free-text fields may hold tabs and line breaks), no leading or
// trailing white space, and the page's length bounds. Lengths are counted in
// UTF-16 code units, the way a Java-based gateway counts String.length(): the
// same as characters for every letter in the Basic Multilingual Plane, two for
// an emoji. That count is never below the character count, so a value that
// passes here passes whichever of the two the gateway uses.
func checkCommon(s *paramSpec, v string) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8 text; save the file as UTF-8"
	}
	for _, r := range v {
		if r == 0 {
			return "contains a NUL byte"
		}
		if r < 0x20 || r == 0x7f {
			if s.freeText && (r == '\t' || r == '\n' || r == '\r') {
				continue
			}
			return fmt.Sprintf("contains the control character %U", r)
		}
		if reason := invisibleReason(s.name, r); reason != "" {
			return reason
		}
	}
	if strings.TrimSpace(v) != v {
		return "has leading or trailing white space"
	}
	n := 0
	for _, r := range v {
		n += utf16.RuneLen(r)
	}
	if s.max > 0 && n > s.max {
		return fmt.Sprintf("is %d characters long; the gateway allows at most %d", n, s.max)
	}
	if s.min > 0 && n < s.min {
		return fmt.Sprintf("is %d characters long; the gateway needs at least %d", n, s.min)
	}
	return ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func checkCurrency(v string) string {
	if _, ok := iso4217[v]; ok {
		return ""
	}
	return currencyReason(v)
}

func checkIP(v string) string {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return fmt.Sprintf("%q is not an IPv4 or IPv6 address", safeValue(v))
	}
	if a.Zone() != "" {
		return fmt.Sprintf("%q has an IPv6 zone; give the receiver's address without %%zone", safeValue(v))
	}
	return ""
}

func checkURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an absolute http or https URL", safeValue(v))
	}
	if u.User != nil {
		return "must not hold a user name or password"
	}
	return ""
}

// Card numbers are 12 to 19 digits (ISO/IEC 7812); the page's 20 is a field
// width, not a card length.
const (
	minPANLength = 12
	maxPANLength = 19
)

func checkPAN(v string) string {
	if !isDigits(v) {
		return "must hold digits only (no spaces or dashes)"
	}
	if len(v) < minPANLength || len(v) > maxPANLength {
		return fmt.Sprintf("has %d digits; card numbers have %d to %d", len(v), minPANLength, maxPANLength)
	}
	if !luhnValid(v) {
		return fmt.Sprintf("%s fails the Luhn check digit; the number is mistyped", MaskPAN(v))
	}
	return ""
}

func checkMonth(v string) string {
	n, err := strconv.Atoi(v)
	if !isDigits(v) || err != nil || n < 1 || n > 12 {
		return fmt.Sprintf("%q is not a month 1-12", safeValue(v))
	}
	return ""
}

func checkYear(v string) string {
	if len(v) != 4 || !isDigits(v) {
		return fmt.Sprintf("%q is not a four-digit year", safeValue(v))
	}
	return ""
}

// checkBirthday: the page types it Numeric; dates are accepted as digits with
// '-', '/' or '.' separators (19900131, 1990-01-31), nothing else.
func checkBirthday(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < '0' || c > '9') && c != '-' && c != '/' && c != '.' {
			return fmt.Sprintf("%q is not a date: use digits and '-', '/' or '.' only", safeValue(v))
		}
	}
	return ""
}

func checkCountry(v string) string {
	if _, ok := iso3166[v]; ok {
		return ""
	}
	if _, ok := iso3166[strings.ToUpper(v)]; ok {
		return fmt.Sprintf("%q: country codes are upper case: %s", safeValue(v), strings.ToUpper(v))
	}
	reason := fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 or alpha-3 country code", safeValue(v))
	if code, ok := countryNames[headerKey(v)]; ok {
		reason += didYouMean + code + "?"
	}
	return reason
}

// checkState: state or province codes (CA, NSW, ON) are letters and digits.
func checkState(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Sprintf("%q is not a state code (letters and digits, e.g. CA)", safeValue(v))
		}
	}
	return ""
}

// checkZip: the page types it Numeric, but postal codes hold letters in many
// countries (SW1A 1AA, K1A 0B1, 1011 AB), so letters, digits, a space and '-'
// are accepted.
func checkZip(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ' || c == '-') {
			return fmt.Sprintf("%q is not a postal code (letters, digits, space and '-')", safeValue(v))
		}
	}
	return ""
}

// checkPhone: the page types it Numeric; an international '+' prefix is
// accepted, separators are not (write +15551234567).
func checkPhone(v string) string {
	d := strings.TrimPrefix(v, "+")
	if !isDigits(d) {
		return fmt.Sprintf("%q is not a phone number: digits only, optionally starting with '+'", safeValue(v))
	}
	return ""
}

// checkEmail: one bare address (no display name, no list), as net/mail
// parses it.
func checkEmail(v string) string {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		return fmt.Sprintf("%q is not a single e-mail address like name@example.com", safeValue(v))
	}
	return ""
}

// checkInt: the page's "Int": digits that fit a signed 32-bit integer.
func checkInt(v string) string {
	if n, err := strconv.ParseInt(v, 10, 32); err != nil || !isDigits(v) || n < 0 {
		return fmt.Sprintf("%q is not a whole number up to 2147483647", safeValue(v))
	}
	return ""
}

// checkLong: the page's "Long": digits that fit a signed 64-bit integer. The
// value is an id, so it is masked.
func checkLong(v string) string {
	if _, err := strconv.ParseInt(v, 10, 64); err != nil || !isDigits(v) {
		return fmt.Sprintf("%s is not a whole number up to 9223372036854775807", maskKeepLast(v))
	}
	return ""
}
