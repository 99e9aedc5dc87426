package job

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// xorSealer is a reversible stand-in for pkg/seal's Keyring that still binds the associated
// data: the sealed form is "t:" + base64(aad) + ":" + base64(value).
type xorSealer struct{}

var errTestAuth = errors.New("aad mismatch")

func (xorSealer) Seal(p, aad []byte) (string, error) {
	return "t:" + base64.RawURLEncoding.EncodeToString(aad) + ":" + base64.RawURLEncoding.EncodeToString(p), nil
}

func (xorSealer) Open(s string, aad []byte) ([]byte, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[1] != base64.RawURLEncoding.EncodeToString(aad) {
		return nil, errTestAuth
	}
	return base64.RawURLEncoding.DecodeString(parts[2])
}

func TestSealedJobMessageRoundTrip(t *testing.T) {
	t.Parallel()
	jobs, errs, err := readAll(t, csvRow("account_number", "", "credit_card_number", "4111111111111111", "card_printed_name", "ANN LEE", "expire_month", "12", "expire_year", "2099", "first_name", "Ann"))
	if err != nil || len(errs) != 0 {
		t.Fatal(errs, err)
	}
	clear := NewMessage("batch-1", jobs[0])
	sealed, err := clear.Seal(xorSealer{})
	if err != nil {
		t.Fatal(err)
	}
	if sealed.Version != SealedMessageVersion || strings.Join(sealed.Sealed, ",") != "credit_card_number,card_printed_name,expire_month,expire_year" {
		t.Fatalf("sealed message version %d, sealed %v", sealed.Version, sealed.Sealed)
	}
	data, _ := json.Marshal(sealed)
	if strings.Contains(string(data), "4111111111111111") || !strings.Contains(string(data), `"value":"Ann"`) {
		t.Fatalf("payload %s", data)
	}
	back, err := DecodeMessage(data)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := back.Open(xorSealer{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(opened)
	b, _ := json.Marshal(clear)
	if string(a) != string(b) {
		t.Errorf("opened\n%s\nwant\n%s", a, b)
	}
	if _, err := back.Open(nil); err == nil {
		t.Error("opened a sealed message without a key")
	}
}

func TestDecodeRefusesInconsistentSealing(t *testing.T) {
	t.Parallel()
	base := `"batch_id":"b","line":2,"client_orderid":"o1","amount":"1.00","currency":"USD"`
	head := `{"name":"client_orderid","value":"o1"},{"name":"amount","value":"1.00"},{"name":"currency","value":"USD"}`
	for name, payload := range map[string]string{
		"v1 lists sealed":       `{"version":1,` + base + `,"params":[` + head + `,{"name":"account_number","value":"x"}],"sealed":["account_number"]}`,
		"v2 seals nothing":      `{"version":2,` + base + `,"params":[` + head + `]}`,
		"v2 clear card number":  `{"version":2,` + base + `,"params":[` + head + `,{"name":"account_number","value":"t:x"},{"name":"credit_card_number","value":"4111111111111111"}],"sealed":["account_number"]}`,
		"v2 seals a non-secret": `{"version":2,` + base + `,"params":[` + head + `,{"name":"account_number","value":"t:x"}],"sealed":["account_number","amount"]}`,
		"v2 sealed missing":     `{"version":2,` + base + `,"params":[` + head + `],"sealed":["account_number"]}`,
		"v2 listed twice":       `{"version":2,` + base + `,"params":[` + head + `,{"name":"account_number","value":"t:x"}],"sealed":["account_number","account_number"]}`,
		"v3":                    `{"version":3,` + base + `,"params":[` + head + `]}`,
	} {
		if _, err := DecodeMessage([]byte(payload)); err == nil {
			t.Errorf("%s: decoded", name)
		} else if strings.Contains(err.Error(), "4111111111111111") {
			t.Errorf("%s: error quotes the card number: %v", name, err)
		}
	}
}

func TestSealedValueDoesNotOpenInAnotherRowOrParam(t *testing.T) {
	t.Parallel()
	jobs, errs, err := readAll(t, csvRow("account_number", "1234567890", "routing_number", "021000021"))
	if err != nil || len(errs) != 0 {
		t.Fatal(errs, err)
	}
	m, _ := NewMessage("b", jobs[0]).Seal(xorSealer{})
	other, _ := NewMessage("b", Job{ClientOrderID: "o2", Amount: jobs[0].Amount, Params: jobs[0].Params}).Seal(xorSealer{})
	swapParam := m
	swapParam.Params = append([]Param(nil), m.Params...)
	for i := range swapParam.Params { // the account number's sealed value under routing_number
		if swapParam.Params[i].Name == "routing_number" {
			swapParam.Params[i].Value = m.Param("account_number")
		}
	}
	for name, msg := range map[string]Message{"another param": swapParam, "another batch": func() Message { c := m; c.BatchID = "b2"; return c }(), "another row": func() Message { c := other; c.ClientOrderID = "o1"; return c }()} {
		if _, err := msg.Open(xorSealer{}); !errors.Is(err, errTestAuth) {
			t.Errorf("%s: err = %v, want the opener's refusal", name, err)
		}
	}
}

// Param returns the value of a message's parameter (test helper).
func (m Message) Param(name string) string { return Job{Params: m.Params}.Param(name) }
