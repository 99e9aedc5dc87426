package job

import (
	"fmt"
	"strings"
)

// destination is one kind of payout destination and the parameters it needs.
type destination struct {
	kind   string
	fields []int
	all    bool // every field is needed (else any one of them is the destination)
}

var destinations = []destination{
	{kind: "bank account", fields: indexes("account_number")},
	{kind: "card", fields: indexes("credit_card_number", "card_printed_name", "expire_month", "expire_year"), all: true},
	{kind: "recurring card", fields: indexes("card_recurring_payment_id", "recurring-payment-id")},
	{kind: "e-wallet", fields: indexes("ewallet_type", "ewallet_wallet"), all: true},
	{kind: "crypto wallet", fields: indexes("crypto_wallet_address")},
}

func indexes(names ...string) []int {
	out := make([]int, len(names))
	for i, n := range names {
		out[i] = mustIndex(n)
	}
	return out
}

// checkDestination enforces exactly one complete payout destination per row.
func (r *Reader) checkDestination(line, firstCol int, val func(int) string, colPos func(int) int) {
	if !r.hasDest {
		return // reported once for the header
	}
	var kinds []string
	secondCol := 0
	for _, d := range destinations {
		var given, missing []int
		for _, si := range d.fields {
			if val(si) != "" {
				given = append(given, si)
			} else {
				missing = append(missing, si)
			}
		}
		if len(given) == 0 {
			continue
		}
		kinds = append(kinds, d.kind)
		if len(kinds) == 2 {
			secondCol = colPos(given[0])
		}
		switch {
		case d.all && len(missing) > 0:
			for _, si := range missing {
				r.add(line, colPos(si), specs[si].name, fmt.Sprintf("is required for a %s payout (%s)", d.kind, names(d.fields)))
			}
		case !d.all && len(given) > 1:
			r.add(line, colPos(given[1]), specs[given[1]].name, fmt.Sprintf("give one of %s, not both", names(d.fields)))
		}
	}
	switch len(kinds) {
	case 0:
		r.add(line, firstCol, "destination", "no payout destination: give exactly one of account_number, a card "+
			"(credit_card_number, card_printed_name, expire_month, expire_year), card_recurring_payment_id or "+
			"recurring-payment-id, ewallet_type with ewallet_wallet, or crypto_wallet_address")
	case 1:
	default:
		r.add(line, secondCol, "destination", fmt.Sprintf("more than one payout destination (%s); give exactly one", strings.Join(kinds, ", ")))
	}
}

func names(idx []int) string {
	out := make([]string, len(idx))
	for i, si := range idx {
		out[i] = specs[si].name
	}
	return strings.Join(out, ", ")
}
