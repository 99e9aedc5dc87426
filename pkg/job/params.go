package job

// paramSpec is one request parameter of the gateway's /api/v4/payout page.
type paramSpec struct {
	name     string   // canonical name, sent to the gateway
	aliases  []string // other accepted CSV header names
	min, max int      // length bounds in characters (UTF-16 code units); 0 = none
	required bool
	// check returns a reason for an invalid non-empty value, or "".
	check func(v string) string
	// freeText allows tab and line breaks inside the value.
	freeText bool
}

// specs lists every request parameter of the payout page in page order.
// Lengths are the page's "Length"; "64k" is 65536. cvv2 is not here: it is
// refused (see headerCVV).
var specs = []paramSpec{
	{name: "client_orderid", max: 128, required: true},
	{name: "amount", required: true},                         // ParseAmount rules, MaxAmountLength
	{name: "currency", required: true, check: checkCurrency}, // Length 3: the code check is stricter
	{name: "order_desc", max: 64},
	{name: "ipaddress", min: 7, max: 45, check: checkIP},
	{name: "purpose", max: 128},
	{name: "server_callback_url", max: 128, check: checkURL},
	{name: "redirect_url", max: 128, check: checkURL},
	{name: "redirect_success_url", max: 1024, check: checkURL},
	{name: "redirect_fail_url", max: 1024, check: checkURL},
	{name: "credit_card_number", max: 20, check: checkPAN},
	{name: "card_printed_name", max: 128},
	{name: "expire_month", max: 2, check: checkMonth},
	{name: "expire_year", max: 4, check: checkYear},
	{name: "account_number", max: 32},
	{name: "account_name", max: 128},
	{name: "ewallet_type", max: 64},
	{name: "ewallet_wallet", max: 128},
	{name: "crypto_wallet_address", max: 64},
	{name: "bank_name", max: 255},
	{name: "bank_branch", max: 255},
	{name: "bank_code", max: 32},
	{name: "bank_city", max: 128},
	{name: "bank_address1", max: 255},
	{name: "bank_zip_code", max: 255},
	{name: "bank_province", max: 255},
	{name: "bank_area", max: 255},
	{name: "routing_number", max: 16},
	{name: "legal_person_name", max: 128},
	{name: "legal_person_document_number", max: 128},
	{name: "receiver_first_name", aliases: []string{"first_name"}, max: 128},
	{name: "receiver_last_name", aliases: []string{"last_name"}, max: 128},
	{name: "receiver_birthday", aliases: []string{"birthday"}, max: 30, check: checkBirthday},
	{name: "receiver_country_code", aliases: []string{"country"}, check: checkCountry}, // Length 3: as currency
	{name: "receiver_state", aliases: []string{"state"}, max: 4, check: checkState},
	{name: "receiver_city", aliases: []string{"city"}, max: 128},
	{name: "receiver_zip_code", aliases: []string{"zip_code"}, max: 32, check: checkZip},
	{name: "receiver_address1", aliases: []string{"address1"}, max: 256},
	{name: "receiver_phone", aliases: []string{"phone"}, max: 128, check: checkPhone},
	{name: "receiver_email", aliases: []string{"email"}, max: 128, check: checkEmail},
	{name: "receiver_identity_document_id", aliases: []string{"identity_document_id"}, max: 128},
	{name: "receiver_identity_document_number", aliases: []string{"identity_document_number"}, max: 128},
	{name: "merchant_data", max: 65536, freeText: true},
	{name: "bank_bic", max: 128},
	{name: "receiver_inn", max: 128},
	{name: "customer_level", max: 32},
	{name: "customer_id", max: 10, check: checkInt},
	{name: "merchant_customer_identifier", max: 64},
	{name: "card_recurring_payment_id", check: checkLong},
	{name: "recurring-payment-id", check: checkLong},
}

// Indexes into specs of the parameters that rules refer to.
var (
	specIndex   = map[string]int{}        // canonical name → index
	specByName  = map[string]*paramSpec{} // canonical or alias → spec
	specByKey   = map[string]*paramSpec{} // headerKey of a canonical name, alias or synonym → spec
	idxOrderID  = mustIndex("client_orderid")
	idxAmount   = mustIndex("amount")
	idxCurrency = mustIndex("currency")
)

func init() {
	for i := range specs {
		s := &specs[i]
		specIndex[s.name] = i
		specByName[s.name] = s
		for _, a := range s.aliases {
			specByName[a] = s
		}
	}
	for i := range specs {
		s := &specs[i]
		for _, n := range append(append([]string{s.name}, s.aliases...), synonyms[s.name]...) {
			k := headerKey(n)
			if other, ok := specByKey[k]; ok && other != s {
				panic("job: header name " + n + " would map to " + other.name + " and " + s.name) // programming error in the tables
			}
			specByKey[k] = s
		}
	}
	for name := range synonyms {
		mustIndex(name)
	}
}

func mustIndex(name string) int {
	for i := range specs {
		if specs[i].name == name {
			return i
		}
	}
	panic("job: no spec " + name) // programming error in the table above
}

// CanonicalName returns the parameter name the gateway receives for a CSV
// header name (an alias such as "first_name" gives "receiver_first_name"),
// and false for a name that is not a payout parameter.
func CanonicalName(header string) (string, bool) {
	s, ok := specByName[header]
	if !ok {
		return "", false
	}
	return s.name, true
}

// ParamNames returns the canonical names of every payout parameter, in the
// order of the gateway's page.
func ParamNames() []string {
	out := make([]string, len(specs))
	for i := range specs {
		out[i] = specs[i].name
	}
	return out
}
