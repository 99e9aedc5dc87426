package job

import (
	"fmt"
	"strings"
)

// column is one header field as the Reader understands it.
type column struct {
	spec int // index into specs, or -1 for a column whose values are ignored
}

// cvvNames are header names of a card security code; all are refused.
var cvvNames = map[string]bool{
	"cvv2": true, "cvv": true, "cvc": true, "cvc2": true, "cid": true,
	"card_security_code": true, "security_code": true, "card_cvv": true,
}

// isCVVName reports whether a parameter or column name is a card security
// code, in any letter case, with surrounding space or zero-width characters.
func isCVVName(name string) bool {
	return cvvNames[strings.ToLower(strings.TrimSpace(zeroWidth.Replace(name)))]
}

// zeroWidth are the invisible characters gocsv ignores when it matches a
// header name; header matching here must agree with gocsv's.
var zeroWidth = strings.NewReplacer("\u200b", "", "\ufeff", "", "\u200d", "", "\u200c", "")

// lookupHeader finds the spec of a header name the way gocsv matches its
// struct tags: as written, without surrounding white space, or without
// zero-width characters.
func lookupHeader(raw string) (*paramSpec, string, bool) {
	for _, n := range []string{raw, strings.TrimSpace(raw), zeroWidth.Replace(raw)} {
		if s, ok := specByName[n]; ok {
			return s, n, true
		}
	}
	return nil, strings.TrimSpace(zeroWidth.Replace(raw)), false
}

// cvvReason explains why a card security code column is refused.
const cvvReason = "card security codes are refused: every job is stored in the queue until it is paid, " +
	"and a CVV must never be stored (PCI DSS); remove the column"

// checkHeader maps the header fields to parameters and reports every problem
// of the header. pos gives the 1-based line and column of field i.
func (r *Reader) checkHeader(header []string, pos func(i int) (int, int)) {
	r.cols = make([]column, len(header))
	r.colOf = make([]int, len(specs))
	for i := range r.colOf {
		r.colOf[i] = -1
	}
	known := 0
	firstCol := map[int]int{} // spec → first header field index
	firstName := map[int]string{}
	for i, raw := range header {
		line, col := pos(i)
		r.cols[i].spec = -1
		s, name, ok := lookupHeader(raw)
		switch {
		case name == "":
			r.add(line, col, "", fmt.Sprintf("header field %d has no name", i+1))
		case isCVVName(name):
			r.add(line, col, safeValue(name), cvvReason)
		case !ok:
			reason := fmt.Sprintf("unknown column %q", safeValue(name))
			if sg := suggest(name); sg != "" {
				reason += fmt.Sprintf("; did you mean %q?", sg)
			} else {
				reason += "; it is not a parameter of the payout request"
			}
			r.add(line, col, safeValue(name), reason)
		default:
			known++
			si := specIndex[s.name]
			if j, dup := firstCol[si]; dup {
				if firstName[si] == name {
					r.add(line, col, s.name, fmt.Sprintf("duplicate column: it is also header field %d", j+1))
				} else {
					r.add(line, col, s.name, fmt.Sprintf("%s and %s name the same parameter (%s, header field %d); keep one", name, firstName[si], s.name, j+1))
				}
				// gocsv fills the field from the last matching column.
				r.cols[r.colOf[si]].spec = -1
			} else {
				firstCol[si], firstName[si] = i, name
			}
			r.cols[i].spec = si
			r.colOf[si] = i
		}
	}
	if known == 0 && len(header) > 0 {
		// Nothing matched: most likely a file without a header line. One
		// clear error instead of one per field, and no row checks.
		r.pending = r.pending[:0]
		r.total = 0
		r.add(1, 1, "", fmt.Sprintf("the first line is not a header: none of its %d fields is a payout parameter; "+
			"the first line must name the columns, e.g. client_orderid,amount,currency,account_number", len(header)))
		r.noRows = true
		return
	}
	for _, si := range []int{idxOrderID, idxAmount, idxCurrency} {
		if r.colOf[si] < 0 {
			r.add(1, 1, specs[si].name, "required column is missing")
			r.noJobs = true
		}
	}
	for _, g := range destinations {
		for _, si := range g.fields {
			if r.colOf[si] >= 0 {
				r.hasDest = true
			}
		}
	}
	if !r.hasDest {
		r.noJobs = true
		r.add(1, 1, "destination", "no payout destination column: add account_number, the card columns "+
			"(credit_card_number, card_printed_name, expire_month, expire_year), card_recurring_payment_id, "+
			"ewallet_type and ewallet_wallet, or crypto_wallet_address")
	}
}
