package job

import "strings"

// amountHint returns the amount a person most likely meant by a value the
// amount rules refuse, when there is exactly one reading: "1,234.56" →
// "1234.56", "1 234,56" → "1234.56", "10,50" → "10.50", "1.234.567" →
// "1234567". It returns "" when the value could mean two amounts ("1,234"
// is 1234 or 1.234) or the corrected value is itself not valid. The hint is
// only shown in the error: the file is still refused, nothing is guessed.
func amountHint(value, currency string) string {
	minor, ok := MinorUnits(currency)
	if !ok {
		return ""
	}
	// Spaces and apostrophes only ever group thousands.
	g := strings.NewReplacer("\u00a0", " ", "\u202f", " ", "'", " ", "’", " ").Replace(value)
	commas, dots := strings.Count(g, ","), strings.Count(g, ".")
	dec, thousands := "", " "
	switch {
	case commas > 0 && dots > 0: // both: the last one is the decimal mark
		dec, thousands = ",", "."
		if strings.LastIndex(g, ".") > strings.LastIndex(g, ",") {
			dec, thousands = ".", ","
		}
	case commas == 1 && (strings.Contains(g, " ") || len(g)-strings.Index(g, ",")-1 != 3):
		dec = "," // "10,50", "1 234,567"
	case commas == 1:
		return "" // "1,234": a thousands separator or a decimal comma; cannot tell
	case commas > 1:
		thousands = ","
	case dots > 1:
		thousands = "."
	case dots == 1:
		dec = "."
	}
	intPart, frac := g, ""
	if dec != "" {
		if strings.Count(g, dec) != 1 {
			return ""
		}
		intPart, frac, _ = strings.Cut(g, dec)
	}
	if thousands != " " && strings.Contains(intPart, " ") {
		return "" // two kinds of grouping
	}
	if strings.Contains(intPart, thousands) && !validGroups(intPart, thousands) {
		return ""
	}
	out := strings.ReplaceAll(intPart, thousands, "")
	if frac != "" {
		out += "." + frac
	}
	if _, reason := parseAmount(out, currency, minor); reason != "" || out == value {
		return ""
	}
	return out
}

// validGroups reports digits grouped by sep in threes: "1,234,567".
func validGroups(s, sep string) bool {
	parts := strings.Split(s, sep)
	for i, p := range parts {
		if !isDigits(p) || (i == 0 && len(p) > 3) || (i > 0 && len(p) != 3) {
			return false
		}
	}
	return true
}
