package job

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader: any bytes. The Reader never panics, always ends, every error
// is a *ValidationError naming a line (≥ 1), every job is well formed, and
// ValidateFile agrees with the Reader.
func FuzzReader(f *testing.F) {
	seeds := []string{
		"",
		header,
		header + "o1,10.00,USD,1234567890\n",
		"\ufeff" + header + "o1,10.5,JPY,1234567890\r\no1,1,USD,\r\n",
		"client_orderid,amount,currency,credit_card_number,card_printed_name,expire_month,expire_year,cvv2\no,1,USD,4111111111111111,A,1,2030,123\n",
		header + "\"o\n1\",1,USD,\"12\"34\"\n",
		header + "o1,1\n,,,,\n",
		"a,a,a\n\x00,\xff,\"",
		"first_name,receiver_first_name,amout\nx,y,z\n",
		header + "o1,1,USD,12\n\n,,,\no2,1\no3,1,USD,\"1\r\r\n2\"\no4,1,\"U\"SD,1\no5,2,USD,12",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), "fuzz.csv")
		jobs, errs := 0, 0
		for i := 0; ; i++ {
			if i > 4*len(data)+10 {
				t.Fatalf("Reader does not end after %d calls", i)
			}
			j, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("error %T %v is not a *ValidationError", err, err)
				}
				if ve.Line < 1 || ve.File != "fuzz.csv" || ve.Reason == "" {
					t.Fatalf("error without a line or reason: %#v", ve)
				}
				errs++
				continue
			}
			jobs++
			if j.Line < 2 || j.ClientOrderID == "" || j.Amount.Minor <= 0 || j.MaskedDestination() == "none" {
				t.Fatalf("bad job %+v", j)
			}
			if a, err := ParseAmount(j.Amount.Numeric(), j.Amount.Currency); err != nil || a != j.Amount || len(j.Amount.Numeric()) > MaxAmountLength {
				t.Fatalf("job amount %v is not sent as a payable amount: %q, %v", j.Amount, j.Amount.Numeric(), err)
			}
			for _, p := range j.Params {
				if cvvNames[p.Name] || p.Value == "" {
					t.Fatalf("bad param %v", p)
				}
			}
		}
		s, err := ValidateFile(bytes.NewReader(data), "fuzz.csv", WithMaxErrors(0))
		if s.Valid != jobs || (errs == 0) != (err == nil) || (s.Errors != nil && s.Errors.Total != errs) {
			t.Fatalf("ValidateFile: valid %d err %v; Reader: %d jobs, %d errors", s.Valid, err, jobs, errs)
		}
	})
}

// FuzzDecodeJobMessage: any bytes. Decoding never panics; a message it accepts turns into a
// Job, carries no card security code, and its params agree with its own client_orderid,
// amount and currency.
func FuzzDecodeJobMessage(f *testing.F) {
	f.Add([]byte(`{"version":1,"batch_id":"b","line":2,"client_orderid":"o","amount":"10.50","currency":"USD","params":[{"name":"client_orderid","value":"o"},{"name":"amount","value":"10.50"},{"name":"currency","value":"USD"},{"name":"account_number","value":"1234567890"}]}`))
	f.Add([]byte(`{"version":1,"batch_id":"b","client_orderid":"o","amount":"1","currency":"JPY","params":[{"name":"CVV2","value":"1"}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMessage(data)
		if err != nil {
			return
		}
		j, err := m.Job()
		if err != nil {
			t.Fatalf("decoded message gives no job: %v", err)
		}
		for _, p := range m.Params {
			if isCVVName(p.Name) {
				t.Fatalf("accepted a card security code %q", p.Name)
			}
			a, aerr := ParseAmount(p.Value, m.Currency)
			if (p.Name == "client_orderid" && p.Value != m.ClientOrderID) || (p.Name == "currency" && p.Value != m.Currency) ||
				(p.Name == "amount" && (aerr != nil || a != j.Amount)) {
				t.Fatalf("param %s=%q disagrees with the message %+v", p.Name, p.Value, m)
			}
		}
	})
}
