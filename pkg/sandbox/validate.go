package sandbox

import (
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/signer"
)

// maxLen is the payout page's length limit of the fields the sandbox checks.
var maxLen = map[string]int{
	"client_orderid":      128,
	"amount":              job.MaxAmountLength, // Numeric, 10: "10000000.00" is refused as the gateway does
	"order_desc":          64,
	"server_callback_url": 128,
	"account_number":      32,
	"account_name":        128,
	"credit_card_number":  20,
	"purpose":             128,
	"ewallet_wallet":      128,
}

// destinations are the fields of which a payout needs at least one.
var destinations = []string{
	"account_number", "credit_card_number", "card_recurring_payment_id", "recurring-payment-id",
	"ewallet_wallet", "crypto_wallet_address",
}

// validatePayout checks the payout parameters the sandbox cares about: client_orderid, amount
// and currency (pkg/job's ParseAmount: an active ISO 4217 code, at most its minor-unit digits,
// greater than zero), one destination, the length limits above, an absolute http(s)
// server_callback_url and no repeated parameter. It returns the validation message, or ""
// when the request is valid.
func validatePayout(params []signer.Param) string {
	seen := map[string]bool{}
	for _, p := range params {
		if seen[p.Name] {
			return fmt.Sprintf("parameter %s given more than once", p.Name)
		}
		seen[p.Name] = true
		if l, ok := maxLen[p.Name]; ok && utf8.RuneCountInString(p.Value) > l {
			return fmt.Sprintf("%s longer than %d characters", p.Name, l)
		}
	}
	for _, name := range []string{"client_orderid", "amount", "currency"} {
		if get(params, name) == "" {
			return name + " is required"
		}
	}
	if _, err := job.ParseAmount(get(params, "amount"), get(params, "currency")); err != nil {
		return "invalid amount or currency: " + err.Error()
	}
	hasDest := false
	for _, d := range destinations {
		hasDest = hasDest || get(params, d) != ""
	}
	if !hasDest {
		return "a destination is required (account_number, credit_card_number, ewallet_wallet, ...)"
	}
	if cb := get(params, "server_callback_url"); cb != "" {
		u, err := url.Parse(cb)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return "server_callback_url must be an absolute http(s) URL"
		}
	}
	return ""
}
