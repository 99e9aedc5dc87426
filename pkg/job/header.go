package job

import (
	"fmt"
	"strings"
	"unicode"
)

// column is one header field as the Reader understands it.
type column struct {
	spec    int  // index into specs, or -1 for a column whose values are ignored
	unnamed bool // an empty name after the last named column (Excel's padding): values must be empty
}

// headerKey is how header names are compared: lower case, letters and
// digits only. "Client OrderID", "client_orderid" and "client-order-id" all
// give "clientorderid"; spaces, '-', '_', '.', zero-width characters and a
// stray byte order mark do not count.
func headerKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// cvvNames are header names of a card security code; all are refused.
var cvvNames = map[string]bool{
	"cvv2": true, "cvv": true, "cvc": true, "cvc2": true, "cid": true,
	"card_security_code": true, "security_code": true, "card_cvv": true,
	"cvn": true, "card_verification_value": true,
}

// isCVVName reports whether a parameter or column name is a card security
// code, in any spelling headerKey folds together.
func isCVVName(name string) bool {
	k := headerKey(name)
	for n := range cvvNames {
		if headerKey(n) == k {
			return true
		}
	}
	return false
}

// lookupHeader finds the spec of a header name (canonical, alias or synonym,
// compared by headerKey). name is the header as written, trimmed of space
// and zero-width characters, for messages.
func lookupHeader(raw string) (s *paramSpec, name string, ok bool) {
	name = strings.TrimSpace(zeroWidth.Replace(raw))
	if strings.ContainsFunc(raw, unicode.IsControl) {
		return nil, name, false // a control character is not typed: something else went wrong
	}
	s, ok = specByKey[headerKey(raw)]
	return s, name, ok
}

// zeroWidth are invisible characters removed from a header name in messages.
var zeroWidth = strings.NewReplacer("\u200b", "", "\ufeff", "", "\u200d", "", "\u200c", "")

// cvvReason explains why a card security code column is refused.
const cvvReason = "card security codes are refused: every job is stored in the queue until it is paid, " +
	"and a CVV must never be stored (PCI DSS); remove the column"

// checkHeader maps the header fields to parameters, records the mapping in
// r.layout and reports every problem of the header. pos gives the 1-based
// line and column of field i.
func (r *Reader) checkHeader(header []string, pos func(i int) (int, int)) {
	r.cols = make([]column, len(header))
	r.colOf = make([]int, len(specs))
	for i := range r.colOf {
		r.colOf[i] = -1
	}
	r.layout.Columns = make([]ColumnMapping, len(header))
	known, suggested := 0, 0
	named := len(header) // fields up to the last one with a name
	for named > 0 && strings.TrimSpace(header[named-1]) == "" {
		named--
	}
	firstCol := map[int]int{} // spec → first header field index
	firstName := map[int]string{}
	for i, raw := range header {
		line, col := pos(i)
		r.cols[i].spec = -1
		s, name, ok := lookupHeader(raw)
		r.layout.Columns[i] = ColumnMapping{Field: i + 1, Header: safeValue(name)}
		switch {
		case i >= named:
			r.cols[i].unnamed = true
		case name == "" || headerKey(name) == "" && !ok:
			r.add(line, col, "", fmt.Sprintf("header field %d has no name", i+1))
		case isCVVName(name):
			known++
			r.add(line, col, safeValue(name), cvvReason)
		case !ok:
			reason := fmt.Sprintf("unknown column %q", safeValue(name))
			if sg := suggest(name); sg != "" {
				suggested++
				reason += fmt.Sprintf(didYouMean+"%q?", sg)
			} else {
				reason += "; it is not a parameter of the payout request"
			}
			r.add(line, col, safeValue(name), reason)
		default:
			known++
			si := specIndex[s.name]
			r.layout.Columns[i].Param = s.name
			if j, dup := firstCol[si]; dup {
				if firstName[si] == name {
					r.add(line, col, s.name, fmt.Sprintf("duplicate column: it is also header field %d", j+1))
				} else {
					r.add(line, col, s.name, fmt.Sprintf("%s and %s name the same parameter (%s, header field %d); keep one", name, firstName[si], s.name, j+1))
				}
				continue // the first column keeps the parameter; the file is invalid anyway
			}
			firstCol[si], firstName[si] = i, name
			r.cols[i].spec = si
			r.colOf[si] = i
		}
	}
	if known == 0 && len(header) > 0 {
		r.noRows = true
		if suggested > 0 {
			return // every field has its own error, some with a suggestion
		}
		// Nothing matched: most likely a file without a header line. One
		// clear error instead of one per field, and no row checks.
		r.pending = r.pending[:0]
		r.total, r.fileErrs = 0, 0
		line, _ := pos(0)
		r.add(line, 1, "", fmt.Sprintf("the first line is not a header: none of its %d fields is a payout parameter; "+
			"the first line must name the columns, e.g. client_orderid,amount,currency,account_number", len(header)))
		return
	}
	hl := r.layout.HeaderLine
	for _, si := range []int{idxOrderID, idxAmount, idxCurrency} {
		if r.colOf[si] < 0 {
			r.add(hl, 1, specs[si].name, "required column is missing")
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
		r.add(hl, 1, "destination", "no payout destination column: add account_number, the card columns "+
			"(credit_card_number, card_printed_name, expire_month, expire_year), card_recurring_payment_id, "+
			"ewallet_type and ewallet_wallet, or crypto_wallet_address")
	}
}
