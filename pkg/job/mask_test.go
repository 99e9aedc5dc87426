package job

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, pan, redacted string }{
		{"4111111111111111", "************1111", "************1111"},
		{"1234567890", "******7890", "******7890"},
		{"DE89370400440532013000", "******************3000", "DE****************3000"},
		{"1234567", "*******", "1234567"}, // short: masked whole; not a long digit run
		{"1234", "****", "1234"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := MaskPAN(tt.in); got != tt.pan {
			t.Errorf("MaskPAN(%q) = %q, want %q", tt.in, got, tt.pan)
		}
		if got := MaskAccount(tt.in); got != tt.pan {
			t.Errorf("MaskAccount(%q) = %q, want %q", tt.in, got, tt.pan)
		}
		if got := MaskDigitRuns(tt.in); got != tt.redacted {
			t.Errorf("MaskDigitRuns(%q) = %q, want %q", tt.in, got, tt.redacted)
		}
	}
	if got := MaskAccount("ÄÖÜäöüßé9"); got != "*****üßé9" {
		t.Errorf("MaskAccount keeps 4 characters, not bytes: %q", got)
	}
	runs := map[string]string{
		"card 4111 1111 1111 1111 exp": "card **** **** **** 1111 exp",
		"4111-1111-1111-1111":          "****-****-****-1111",
		"order 1234567 of 12345678":    "order 1234567 of ****5678",
		"a1234567890b":                 "a******7890b",
		"1 000 000.00":                 "1 000 000.00",
		"12 34":                        "12 34",
	}
	for in, want := range runs {
		if got := MaskDigitRuns(in); got != want {
			t.Errorf("MaskDigitRuns(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactParams(t *testing.T) {
	t.Parallel()
	in := []Param{{"client_orderid", "o1"}, {"credit_card_number", "4111111111111111"}, {"cvv2", "123"},
		{"account_number", "1234567890"}, {"receiver_identity_document_number", "X12345678"},
		{"order_desc", "pay 5555555555554444"}, {"receiver_first_name", "Ann"}}
	got := RedactParams(in)
	want := []Param{{"client_orderid", "o1"}, {"credit_card_number", "************1111"}, {"cvv2", "***"},
		{"account_number", "******7890"}, {"receiver_identity_document_number", "*****5678"},
		{"order_desc", "pay ************4444"}, {"receiver_first_name", "Ann"}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("RedactParams[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if in[1].Value != "4111111111111111" {
		t.Error("RedactParams changed its input")
	}
	// Every name of a card security code the header refuses, in any case,
	// is replaced whole: a 3-digit code is too short for the digit-run mask.
	for _, n := range []string{"cvv", "CVV2", "cvc", "Cvc2", "cid", "security_code", "card_security_code", "card_cvv", " cvv2"} {
		if got := RedactParams([]Param{{n, "123"}}); got[0].Value != "***" {
			t.Errorf("RedactParams(%q=123) = %q, want ***", n, got[0].Value)
		}
		if !IsSensitive(n) {
			t.Errorf("IsSensitive(%q) = false", n)
		}
	}
	for _, n := range []string{"credit_card_number", "account_number", "identity_document_number", "cvv2"} {
		if !IsSensitive(n) {
			t.Errorf("IsSensitive(%s) = false", n)
		}
	}
}

// secrets are card and account numbers that must never appear whole in an
// error. Their digits are distinctive so a 6-digit window cannot match a
// line number or an amount by chance.
var secrets = []string{"4000056655665556", "9876501234", "DE89370400440532013000", "378282246310005"}

// leaks reports whether msg shows 6 or more consecutive digits of a secret.
func leaks(msg, secret string) bool {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, secret)
	for i := 0; i+6 <= len(digits); i++ {
		if strings.Contains(msg, digits[i:i+6]) {
			return true
		}
	}
	return strings.Contains(msg, secret)
}

// TestNoSecretInErrors puts each secret, plain and spaced and made invalid,
// into every column, the header, the amount and currency, duplicates and
// broken CSV, and checks that no error message shows it.
func TestNoSecretInErrors(t *testing.T) {
	t.Parallel()
	columns := append(ParamNames(), "cvv2", "unknown_column", "first_name", "email")
	var inputs []string
	for _, s := range secrets {
		spaced := s[:4] + " " + s[4:8] + " " + s[8:]
		for _, v := range []string{s, spaced, s + "x", "x" + s, s + s, strings.Repeat(s, 20)} {
			for _, c := range columns {
				inputs = append(inputs, csvRow(c, v))
				inputs = append(inputs, csvRow("account_number", "", c, v))
			}
			inputs = append(inputs,
				csvLines([]string{"client_orderid", "amount", "currency", v}, []string{"o1", "1", "USD", "x"}),
				csvLines([]string{v, "amount"}, []string{"o1", "1"}),
				csvLines([]string{"o1", "1.00", "USD", v}, []string{"o2", "1.00", "USD", v}), // no header
				csvRow("client_orderid", v)+csvLines([]string{v, "1.00", "USD", "1234567890"}),
				header+v+"\n",
				header+"o1,\""+v+",USD,1\n",
				header+"o1,1.00,USD,\"x\""+v+"\n",
			)
		}
	}
	var msgs []string
	for _, in := range inputs {
		_, errs, err := readAll(t, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		_, err = ValidateFile(strings.NewReader(in), "f.csv")
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	for _, s := range secrets {
		for _, cur := range []string{"USD", "JPY", s} {
			if _, err := ParseAmount(s, cur); err != nil {
				msgs = append(msgs, err.Error())
			}
			if _, err := ParseAmount("1", s); err != nil {
				msgs = append(msgs, err.Error())
			}
		}
		m, _ := json.Marshal(Message{Version: 1, BatchID: "b", ClientOrderID: "o", Amount: s, Currency: "USD"})
		if _, err := DecodeMessage(m); err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) < 1000 {
		t.Fatalf("only %d error messages checked", len(msgs))
	}
	for _, m := range msgs {
		for _, s := range secrets {
			if leaks(m, s) {
				t.Fatalf("error shows a secret %s: %s", s, m)
			}
		}
	}
}
