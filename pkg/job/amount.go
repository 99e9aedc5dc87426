package job

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxAmountLength is the gateway's maximum length of the amount parameter. An amount is sent in
// its shortest exact form (Numeric), so this bounds that form, not how the amount was written.
const MaxAmountLength = 10

// Amount is an exact amount of money: an integer count of the currency's
// minor units (cents for USD, yen for JPY, fils for KWD). It never goes
// through a float.
type Amount struct {
	Minor    int64
	Currency string
}

// MinorUnits returns the ISO 4217 number of fraction digits of an active
// currency code, and false for a code this package does not know.
func MinorUnits(currency string) (int, bool) {
	m, ok := iso4217[currency]
	return int(m), ok
}

// ParseAmount parses s, a decimal in major units with '.' as the decimal
// separator ("10.5" is ten dollars fifty for USD), into an exact Amount.
// It accepts what the gateway documents and nothing looser: digits with at
// most one '.', no more fraction digits than the currency has minor units,
// greater than zero, and a value whose shortest exact form (Numeric, what
// the gateway receives) has at most MaxAmountLength characters: "10000000.00"
// IDR is accepted and sent as "10000000"; "123456789.5" is refused. Signs, exponents,
// spaces, thousands separators, a leading or trailing '.', and leading zeros
// are refused with a reason. Errors are *AmountError matching ErrInvalidAmount.
func ParseAmount(s, currency string) (Amount, error) {
	minor, ok := MinorUnits(currency)
	if !ok {
		return Amount{}, &AmountError{Input: safeValue(s), Currency: currency, Reason: currencyReason(currency)}
	}
	a, reason := parseAmount(s, currency, minor)
	if reason != "" {
		return Amount{}, &AmountError{Input: safeValue(s), Currency: currency, Reason: reason}
	}
	return a, nil
}

// checkAmountSyntax checks everything about s that does not depend on the
// currency and returns the integer and fraction digits.
func checkAmountSyntax(s string) (intPart, frac string, reason string) {
	if s == "" {
		return "", "", "is empty"
	}
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\u00a0' || r == '\u202f':
			return "", "", "contains a space; write digits and '.' only, e.g. 1250.00"
		case r == '+' || r == '-':
			return "", "", "has a sign; write a positive amount without a sign"
		case r == 'e' || r == 'E':
			return "", "", "is in exponent form; write it out, e.g. 1000.00"
		case r == ',' || r == '\'' || r == '_':
			return "", "", fmt.Sprintf("contains %q; use '.' as the decimal separator and no thousands separators", r)
		case r == '.' || (r >= '0' && r <= '9'):
		default:
			return "", "", fmt.Sprintf("contains %q; only digits and one '.' are allowed", r)
		}
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	switch {
	case strings.Contains(frac, "."):
		return "", "", "has more than one '.'"
	case intPart == "":
		return "", "", "starts with '.'; write a leading zero, e.g. 0.50"
	case hasDot && frac == "":
		return "", "", "ends with '.'; write the fraction digits or drop the '.'"
	case len(intPart) > 1 && intPart[0] == '0':
		return "", "", "has leading zeros"
	}
	if n := numericLen(intPart, frac); n > MaxAmountLength {
		if n == len(s) {
			return "", "", fmt.Sprintf("is %d characters long; the gateway allows at most %d", n, MaxAmountLength)
		}
		return "", "", fmt.Sprintf("is %d characters long even without trailing zeros; the gateway allows at most %d", n, MaxAmountLength)
	}
	return intPart, frac, ""
}

func parseAmount(s, currency string, minor int) (Amount, string) {
	intPart, frac, reason := checkAmountSyntax(s)
	if reason != "" {
		return Amount{}, reason
	}
	if len(frac) > minor {
		allows := "none"
		if minor > 0 {
			allows = strconv.Itoa(minor)
		}
		return Amount{}, fmt.Sprintf("has %d fraction digits, %s allows %s", len(frac), currency, allows)
	}
	// At most 10 integer digits and at most 4 minor units: no overflow.
	var v int64
	for _, c := range intPart + frac + strings.Repeat("0", minor-len(frac)) {
		v = v*10 + int64(c-'0')
	}
	if v == 0 {
		return Amount{}, "must be greater than zero"
	}
	return Amount{Minor: v, Currency: currency}, ""
}

// String formats the amount in major units with exactly the currency's
// number of fraction digits: "10.50" USD, "1000" JPY, "1.500" KWD. An amount
// of a currency the package does not know prints as its minor units.
func (a Amount) String() string {
	minor, _ := MinorUnits(a.Currency)
	neg := a.Minor < 0
	var digits string
	if neg {
		digits = strconv.FormatUint(uint64(-(a.Minor+1))+1, 10) // -MinInt64 safe
	} else {
		digits = strconv.FormatInt(a.Minor, 10)
	}
	if minor > 0 {
		if len(digits) <= minor {
			digits = strings.Repeat("0", minor-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-minor] + "." + digits[len(digits)-minor:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// numericLen is the length of the shortest exact form of intPart.frac: trailing fraction zeros
// and then a bare '.' dropped.
func numericLen(intPart, frac string) int {
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		return len(intPart) + 1 + len(frac)
	}
	return len(intPart)
}

// Numeric formats the amount in major units in its shortest exact form, the form the gateway's
// Numeric amount parameter receives: no trailing fraction zeros, no bare '.' ("10.5" USD,
// "10000000" IDR, "0.005" KWD). For every amount ParseAmount returns it has at most
// MaxAmountLength characters, and ParseAmount(a.Numeric(), a.Currency) == a.
func (a Amount) Numeric() string {
	s := a.String()
	if intPart, frac, ok := strings.Cut(s, "."); ok {
		if frac = strings.TrimRight(frac, "0"); frac == "" {
			return intPart
		}
		return intPart + "." + frac
	}
	return s
}

// ErrAmountOverflow is returned by Add when a sum leaves the int64 range.
var ErrAmountOverflow = errors.New("job: amount overflow")

// ErrCurrencyMismatch is returned by Add for amounts of different currencies.
var ErrCurrencyMismatch = errors.New("job: currency mismatch")

// Add returns a+b, exactly, or an error for different currencies or overflow.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("%w: %s + %s", ErrCurrencyMismatch, a.Currency, b.Currency)
	}
	if (b.Minor > 0 && a.Minor > math.MaxInt64-b.Minor) || (b.Minor < 0 && a.Minor < math.MinInt64-b.Minor) {
		return Amount{}, fmt.Errorf("%w: %s + %s %s", ErrAmountOverflow, a, b, a.Currency)
	}
	return Amount{Minor: a.Minor + b.Minor, Currency: a.Currency}, nil
}

// MarshalJSON encodes the amount as a JSON string in major units ("10.50").
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON decodes a JSON string in major units. The currency is not in
// the JSON: the receiver's Currency must be set before (Totals does that from
// its keys). Totals may be zero or negative, so only the syntax of
// ParseAmount and the currency's fraction digits are enforced here.
func (a *Amount) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("job: amount: %w", err)
	}
	v, err := parseSigned(s, a.Currency)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// parseSigned parses a possibly negative or zero amount (totals, not payouts).
func parseSigned(s, currency string) (Amount, error) {
	minor, ok := MinorUnits(currency)
	if !ok {
		return Amount{}, &AmountError{Input: safeValue(s), Currency: currency, Reason: currencyReason(currency)}
	}
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	intPart, frac, hasDot := strings.Cut(body, ".")
	bad := intPart == "" || (hasDot && frac == "") || len(frac) > minor || len(intPart)+minor > 18
	for _, c := range intPart + frac {
		bad = bad || c < '0' || c > '9'
	}
	if bad {
		return Amount{}, &AmountError{Input: safeValue(s), Currency: currency, Reason: fmt.Sprintf("is not an amount with at most %d fraction digits", minor)}
	}
	var v int64
	for _, c := range intPart + frac + strings.Repeat("0", minor-len(frac)) {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return Amount{Minor: v, Currency: currency}, nil
}

// Totals are exact sums per currency code, e.g. a batch's control totals.
// JSON: {"JPY":"1000","USD":"10.50"}; decoding uses each key as the currency.
type Totals map[string]Amount

// String lists the totals by currency code, "EUR 10.50, USD 25.00", or "-" when there are none.
func (t Totals) String() string {
	if len(t) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(t))
	for _, c := range slices.Sorted(maps.Keys(t)) {
		parts = append(parts, c+" "+t[c].String())
	}
	return strings.Join(parts, ", ")
}

// Add adds a to the total of its currency.
func (t Totals) Add(a Amount) error {
	cur, ok := t[a.Currency]
	if !ok {
		cur = Amount{Currency: a.Currency}
	}
	sum, err := cur.Add(a)
	if err != nil {
		return err
	}
	t[a.Currency] = sum
	return nil
}

// UnmarshalJSON decodes {"USD":"10.50",...} exactly.
func (t *Totals) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("job: totals: %w", err)
	}
	out := make(Totals, len(raw))
	for cur, v := range raw {
		a := Amount{Currency: cur}
		if err := a.UnmarshalJSON(v); err != nil {
			return fmt.Errorf("job: totals %s: %w", cur, err)
		}
		out[cur] = a
	}
	*t = out
	return nil
}

func currencyReason(c string) string {
	if c == "" {
		return "currency is empty"
	}
	if up := strings.ToUpper(c); up != c {
		if _, ok := iso4217[up]; ok {
			return fmt.Sprintf("%q: currency codes are upper case: %s", safeValue(c), up)
		}
	}
	return fmt.Sprintf("%s is not an active ISO 4217 currency code", strconv.Quote(safeValue(c)))
}

// Currencies returns every currency code ParseAmount accepts, sorted.
func Currencies() []string {
	out := make([]string, 0, len(iso4217))
	for c := range iso4217 {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
