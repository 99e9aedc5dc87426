package job

import (
	"fmt"
	"strings"
)

// textParams are free-text parameters: a card number typed into one of them
// would be sent to the gateway and kept in the queue as written.
var textParams = map[string]bool{
	"order_desc": true, "purpose": true, "merchant_data": true,
	"card_printed_name": true, "account_name": true, "receiver_first_name": true, "receiver_last_name": true,
	"receiver_address1": true, "receiver_city": true, "bank_name": true, "bank_branch": true, "bank_address1": true,
	"legal_person_name": true, "merchant_customer_identifier": true,
}

// numberParams are identifiers made of digits that a spreadsheet may turn
// into a number (and so into 1.23457E+09).
var numberParams = map[string]bool{
	"account_number": true, "routing_number": true, "bank_code": true, "customer_id": true,
	"receiver_identity_document_number": true, "legal_person_document_number": true, "receiver_inn": true,
}

// fiveDigitZIP are countries whose postal codes are five digits, some with a
// leading zero that a spreadsheet drops (02134 → 2134).
var fiveDigitZIP = map[string]bool{"US": true, "USA": true, "DE": true, "DEU": true, "FR": true, "FRA": true, "IT": true, "ITA": true, "ES": true, "ESP": true}

// checkMangling looks at a valid value for what spreadsheets do to data
// without saying so. A number in scientific notation lost its digits for
// good and is an error, and so is a card number as client_orderid; the rest
// are warnings (errors with WithStrict).
func (r *Reader) checkMangling(line, col, si int, v string, val func(int) string) {
	name := specs[si].name
	switch {
	case numberParams[name] && isScientific(v):
		r.add(line, col, name, fmt.Sprintf("%q is a number in scientific notation: the spreadsheet shortened it and its digits are lost; "+
			"format the column as Text in the spreadsheet and type the number again", safeValue(v)))
	case name == "client_orderid" && cardNumberIn(v) != "":
		// The id is logged, reported and kept by every part of payrun: never a card number.
		r.add(line, col, name, fmt.Sprintf("holds what looks like a card number (%s): the id appears in every log and report; use another id", MaskPAN(cardNumberIn(v))))
	case textParams[name]:
		if pan := cardNumberIn(v); pan != "" {
			r.warn(line, col, name, fmt.Sprintf("holds what looks like a card number (%s): it would be sent to the gateway and stored as written; remove it", MaskPAN(pan)))
		}
	case name == "receiver_zip_code" && len(v) == 4 && isDigits(v) && fiveDigitZIP[val(specIndex["receiver_country_code"])]:
		r.warn(line, col, name, fmt.Sprintf("%q has 4 digits where %s postal codes have 5: a leading zero dropped by the spreadsheet? (0%s)", v, val(specIndex["receiver_country_code"]), v))
	case name == "routing_number" && len(v) == 8 && isDigits(v):
		r.warn(line, col, name, fmt.Sprintf("%q has 8 digits where US routing numbers have 9: a leading zero dropped by the spreadsheet? (0%s)", v, v))
	}
}

// isScientific reports a value like 1.23457E+09 or 1E+10.
func isScientific(v string) bool {
	mant, exp, ok := strings.Cut(strings.ToUpper(v), "E")
	if !ok {
		return false
	}
	exp = strings.TrimPrefix(exp, "+")
	intPart, frac, hasDot := strings.Cut(mant, ".")
	return isDigits(intPart) && (!hasDot || isDigits(frac)) && isDigits(exp)
}

// cardNumberIn returns the first run of 13 to 19 digits in v (single spaces
// or dashes between digits allowed, as cards are printed) that passes the
// Luhn check, or "".
func cardNumberIn(v string) string {
	var digits []byte
	flush := func() string {
		d := digits
		digits = digits[:0]
		if len(d) >= 13 && len(d) <= maxPANLength && luhnValid(string(d)) {
			return string(d)
		}
		return ""
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case (c == ' ' || c == '-') && len(digits) > 0 && i+1 < len(v) && v[i+1] >= '0' && v[i+1] <= '9':
		default:
			if pan := flush(); pan != "" {
				return pan
			}
		}
	}
	return flush()
}
