package job

// Param is one request parameter: a canonical name and its value. Order is
// kept. It is the Param of every package above pkg/signer (pkg/payout's Gateway
// takes it); signer.Param, the same fields without JSON names, is the signing
// package's own, and payout.SubmitGateway is the one place that converts.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Job is one valid payout row.
type Job struct {
	ClientOrderID string
	Amount        Amount
	// Params holds every non-empty field of the row under its canonical name
	// (aliases resolved), in CSV column order, including client_orderid,
	// amount (as written) and currency. Never cvv2.
	Params []Param
	// Line is the line of the row in its source file (1 is the header).
	Line int
}

// PayoutParams returns what the gateway receives: every non-empty parameter
// in CSV order, with amount in its shortest exact form (Amount.Numeric: "10.50" USD is sent as
// "10.5", "10000000.00" IDR as "10000000"), which never exceeds MaxAmountLength.
func (j Job) PayoutParams() []Param {
	out := make([]Param, 0, len(j.Params))
	for _, p := range j.Params {
		if p.Value == "" {
			continue
		}
		if p.Name == "amount" {
			p.Value = j.Amount.Numeric()
		}
		out = append(out, p)
	}
	return out
}

// Param returns the value of a canonical parameter, or "".
func (j Job) Param(name string) string {
	for _, p := range j.Params {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// MaskedDestination names where the money goes without revealing it, for
// logs, results and operators: "account ******7890", "card ************1111
// 12/2030", "recurring card ******4321", "ewallet paypal ****5678",
// "crypto ****abcd". Only the last 4 characters of a number are shown.
func (j Job) MaskedDestination() string {
	switch {
	case j.Param("account_number") != "":
		return "account " + MaskAccount(j.Param("account_number"))
	case j.Param("credit_card_number") != "":
		return "card " + MaskPAN(j.Param("credit_card_number")) + " " + j.Param("expire_month") + "/" + j.Param("expire_year")
	case j.Param("card_recurring_payment_id") != "":
		return "recurring card " + MaskAccount(j.Param("card_recurring_payment_id"))
	case j.Param("recurring-payment-id") != "":
		return "recurring card " + MaskAccount(j.Param("recurring-payment-id"))
	case j.Param("ewallet_wallet") != "":
		return "ewallet " + safeValue(j.Param("ewallet_type")) + " " + MaskAccount(j.Param("ewallet_wallet"))
	case j.Param("crypto_wallet_address") != "":
		return "crypto " + MaskAccount(j.Param("crypto_wallet_address"))
	}
	return "none"
}
