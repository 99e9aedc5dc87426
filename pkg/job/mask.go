package job

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maskKeep is how many trailing characters a masked number keeps visible.
const maskKeep = 4

// MaskPAN masks a card number, keeping only the last 4 characters:
// "4111111111111111" → "************1111". A value shorter than 8
// characters is masked completely, so a short input never shows whole.
func MaskPAN(pan string) string { return maskKeepLast(pan) }

// MaskAccount masks a bank account number (or any other account-like
// identifier) the same way: only the last 4 characters stay visible.
func MaskAccount(account string) string { return maskKeepLast(account) }

func maskKeepLast(s string) string {
	n := utf8.RuneCountInString(s)
	keep := maskKeep
	if n < 2*maskKeep {
		keep = 0
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for _, r := range s {
		if i < n-keep {
			b.WriteByte('*')
		} else {
			b.WriteRune(r)
		}
		i++
	}
	return b.String()
}

// sensitive names the parameters whose values are masked in errors, logs and
// MaskedDestination: card data, account numbers, wallet and document numbers.
var sensitive = map[string]bool{
	"credit_card_number":                true,
	"account_number":                    true,
	"card_recurring_payment_id":         true,
	"recurring-payment-id":              true,
	"ewallet_wallet":                    true,
	"crypto_wallet_address":             true,
	"receiver_identity_document_number": true,
	"legal_person_document_number":      true,
}

// IsSensitive reports whether a parameter's value must be masked before it
// is logged or shown (canonical or alias name, or any name of a card security
// code).
func IsSensitive(name string) bool {
	if sensitive[name] || isCVVName(name) {
		return true
	}
	if s, ok := specByName[name]; ok {
		return sensitive[s.name]
	}
	return false
}

// RedactParams returns a copy of ps fit for logs: sensitive values masked
// (last 4 kept), a card security code (cvv2, cvc, ... in any case) replaced
// entirely, and any run of 8 or more
// digits in the other values masked too.
func RedactParams(ps []Param) []Param {
	out := make([]Param, len(ps))
	for i, p := range ps {
		switch {
		case isCVVName(p.Name):
			out[i] = Param{Name: p.Name, Value: "***"}
		case IsSensitive(p.Name):
			out[i] = Param{Name: p.Name, Value: maskKeepLast(p.Value)}
		default:
			out[i] = Param{Name: p.Name, Value: MaskText(p.Value)}
		}
	}
	return out
}

// maskRunMin is the fewest digits in a run that MaskText treats as a possible card or account
// number.
const maskRunMin = 8

// maxSepRun is the most separator characters MaskText lets stand between two digits of one run.
const maxSepRun = 3

// MaskText makes a text that came from outside (a gateway's error code or message, a callback
// field, a CSV header or value quoted in an error) safe to log, store and show. It is the one
// masking function of payrun:
//
//   - every run of 8 or more digits shows only its last 4 digits, each other digit becoming '*':
//     "4111.1111.1111.1111" → "****.****.****.1111". A digit is any Unicode decimal digit
//     (full-width, Arabic-Indic, ...) or a '*' (masked already, as in "411111******1111"); up to 3
//     separators may stand between two digits of a run: spaces of any kind, dashes, '.', '/',
//     '_', ',', backslash, ':', an apostrophe, invisible and control characters;
//   - except an amount-shaped run: a decimal separator followed by 1-3 digits after a plain
//     integer or one grouped by 3 ("12345678.90", "1,234,567.89", "1.234.567,89"), or an integer
//     grouped by 3 with commas or apostrophes ("12,345,678");
//   - control characters (escape sequences, line breaks, NUL, C1), invisible and bidirectional
//     format characters and invalid UTF-8 become U+FFFD.
//
// MaskText(MaskText(s)) == MaskText(s). It takes time linear in len(s).
func MaskText(s string) string {
	rs := []rune(strings.ToValidUTF8(s, "\ufffd"))
	hide := make([]bool, len(rs))
	for i := 0; i < len(rs); {
		if !isDigitOrMasked(rs[i]) {
			i++
			continue
		}
		j := runEnd(rs, i, isDigitOrMasked)
		run := rs[i:j]
		if n := countRunDigits(run); n >= maskRunMin && !amountShaped(run) {
			// Only the last 4 digit positions stay; a '*' counts as a digit masked already.
			seen := 0
			for k := j - 1; k >= i; k-- {
				if isDigitOrMasked(rs[k]) {
					seen++
					hide[k] = seen > maskKeep && rs[k] != '*'
				}
			}
		}
		i = j
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch {
		case hide[i]:
			b.WriteByte('*')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MaskDigitRuns is MaskText.
//
// Deprecated: use MaskText, the one masking function.
func MaskDigitRuns(s string) string { return MaskText(s) }

// runEnd returns the end of the run that starts with the digit at rs[i]: digits joined by at most
// maxSepRun separators.
func runEnd(rs []rune, i int, digit func(rune) bool) int {
	j := i
	for j < len(rs) {
		if digit(rs[j]) {
			j++
			continue
		}
		k := j
		for k < len(rs) && k-j < maxSepRun && isMaskSep(rs[k]) {
			k++
		}
		if k == j || k == len(rs) || !digit(rs[k]) {
			break
		}
		j = k
	}
	return j
}

// isMaskSep reports whether r may stand between the digits of one number.
func isMaskSep(r rune) bool {
	switch r {
	case '-', '.', '/', '_', ',', '\\', ':', '\'', utf8.RuneError:
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

func isDigitOrMasked(r rune) bool { return r == '*' || unicode.IsDigit(r) }

func countRunDigits(run []rune) int {
	n := 0
	for _, r := range run {
		if isDigitOrMasked(r) {
			n++
		}
	}
	return n
}

// amountShaped reports whether a digit run is written as an amount (see MaskText). A masked
// digit ('*') counts as a digit.
func amountShaped(run []rune) bool {
	var groups []int // digits per group
	var seps []rune  // the single separator after each group but the last
	n := 0
	for i, r := range run {
		if isDigitOrMasked(r) {
			n++
			continue
		}
		if i > 0 && !isDigitOrMasked(run[i-1]) {
			return false // two separators in a row: not an amount
		}
		groups, seps, n = append(groups, n), append(seps, r), 0
	}
	groups = append(groups, n)
	if len(groups) == 1 {
		return false
	}
	last := seps[len(seps)-1]
	if (last == '.' || last == ',') && groups[len(groups)-1] <= 3 &&
		groupedBy3(groups[:len(groups)-1], seps[:len(seps)-1], last) {
		return true // a decimal fraction after a plain integer part or one grouped by 3
	}
	// an integer grouped by 3 with ',' or '\''
	return (last == ',' || last == '\'') && groupedBy3(groups, seps, 0)
}

// groupedBy3 reports whether groups (joined by seps) are one group, or a first group of 1-3
// digits and further groups of exactly 3 joined by one separator other than not.
func groupedBy3(groups []int, seps []rune, not rune) bool {
	if len(groups) == 1 {
		return groups[0] > 0
	}
	if groups[0] < 1 || groups[0] > 3 {
		return false
	}
	for i, g := range groups[1:] {
		if g != 3 || seps[i] != seps[0] || seps[i] == not {
			return false
		}
	}
	switch seps[0] {
	case ',', '.', '\'', ' ', '\u00a0', '\u202f', '\u2009':
		return true
	}
	return false
}

// maxShown is how many characters of a value an error message quotes.
const maxShown = 40

// safeValue is how a value may appear in a message: MaskText, shortened to
// maxShown characters.
func safeValue(s string) string {
	s = MaskText(s)
	if utf8.RuneCountInString(s) > maxShown {
		r := []rune(s)
		s = string(r[:maxShown]) + "…"
	}
	return s
}
