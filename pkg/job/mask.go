package job

import (
	"strings"
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
			out[i] = Param{Name: p.Name, Value: MaskDigitRuns(p.Value)}
		}
	}
	return out
}

// maskRunMin is the fewest digits in a run that MaskDigitRuns treats as a
// possible card or account number.
const maskRunMin = 8

// MaskDigitRuns masks the digits of every run of 8 or more digits, keeping
// the last 4 digits of the run: free text (an error message, a value in the
// wrong column) may hold a card or account number. A run may hold single
// spaces or dashes between digits ("4111 1111 1111 1111").
func MaskDigitRuns(s string) string {
	isDigit := func(i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }
	var b []byte
	for i := 0; i < len(s); {
		if !isDigit(i) {
			i++
			continue
		}
		j, digits := i, 0
		for j < len(s) {
			if isDigit(j) {
				digits++
				j++
			} else if (s[j] == ' ' || s[j] == '-') && isDigit(j+1) {
				j++
			} else {
				break
			}
		}
		if digits >= maskRunMin {
			if b == nil {
				b = []byte(s)
			}
			hide := digits - maskKeep
			for k := i; k < j && hide > 0; k++ {
				if isDigit(k) {
					b[k] = '*'
					hide--
				}
			}
		}
		i = j
	}
	if b == nil {
		return s
	}
	return string(b)
}

// maxShown is how many characters of a value an error message quotes.
const maxShown = 40

// safeValue is how a value may appear in a message: digit runs masked,
// shortened to maxShown characters, invalid UTF-8 kept as bytes for %q.
func safeValue(s string) string {
	s = MaskDigitRuns(s)
	if utf8.RuneCountInString(s) > maxShown {
		r := []rune(s)
		s = string(r[:maxShown]) + "…"
	}
	return s
}
