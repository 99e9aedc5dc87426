package job

// synonyms are header names people type for a parameter, beyond its
// canonical name and documented aliases. Matching ignores letter case and
// every character that is not a letter or digit (see headerKey), so
// "Client OrderID", "client-order-id" and "CLIENT_ORDER_ID" are one entry.
// A synonym must name one parameter only: init refuses two parameters that
// share a key, so no header can be mapped two ways.
var synonyms = map[string][]string{
	"client_orderid":        {"order id", "client order id", "payout id", "payment id"},
	"amount":                {"payout amount", "payment amount"},
	"currency":              {"currency code", "ccy"},
	"account_number":        {"account no", "acct number", "acct no", "bank account number", "bank account", "iban"},
	"account_name":          {"account holder", "account holder name"},
	"credit_card_number":    {"card number", "card no", "pan"},
	"card_printed_name":     {"name on card", "cardholder name", "card holder name"},
	"expire_month":          {"expiry month", "exp month", "expiration month"},
	"expire_year":           {"expiry year", "exp year", "expiration year"},
	"bank_bic":              {"bic", "swift", "swift code", "swift bic", "bic swift"},
	"routing_number":        {"routing no", "aba routing number"},
	"order_desc":            {"description", "order description"},
	"receiver_first_name":   {"given name"},
	"receiver_last_name":    {"surname", "family name"},
	"receiver_country_code": {"country code"},
	"receiver_zip_code":     {"zip", "postal code", "postcode"},
	"receiver_phone":        {"phone number", "telephone"},
	"receiver_email":        {"email address"},
	"receiver_birthday":     {"date of birth", "birth date"},
}
