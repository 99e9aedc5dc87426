package job

import (
	"slices"
	"strings"
	"testing"
)

func TestHeader(t *testing.T) {
	t.Parallel()
	const row = "o1,10.00,USD,1234567890"
	tests := []struct {
		name   string
		in     string
		want   []string // keys of the errors, in order
		reason string   // substring of the first error's reason
		col    int      // column of the first error
	}{
		{"aliases", "client_orderid,amount,currency,account_number,first_name,last_name,birthday,country,state,city,zip_code,address1,phone,email,identity_document_id,identity_document_number\n" +
			row + ",Ann,Lee,19900131,US,CA,LA,90001,1 Main St,+15551234567,ann@example.com,passport,X1234567\n", nil, "", 0},
		{"alias and canonical", "client_orderid,amount,currency,account_number,first_name,receiver_first_name\n" + row + ",Ann,Ann\n",
			[]string{"receiver_first_name"}, "receiver_first_name and first_name name the same parameter (receiver_first_name, header field 5)", 58},
		{"duplicate column", "client_orderid,amount,currency,account_number,amount\n" + row + ",10.00\n",
			[]string{"amount"}, "duplicate column: it is also header field 2", 47},
		{"unknown with suggestion", "client_orderid,amout,currency,account_number\n" + row + "\n",
			[]string{"amout", "amount"}, `unknown column "amout"; did you mean "amount"?`, 16},
		{"title case and synonyms", "Client OrderID,Amount,Currency Code,IBAN\n" + row + "\n", nil, "", 0},
		{"unknown far, none known, with suggestion", "amout,curency\n" + row + "\n",
			[]string{"amout", "curency"}, `did you mean "amount"?`, 1},
		{"unknown far", "client_orderid,amount,currency,account_number,favourite_colour\n" + row + ",blue\n",
			[]string{"favourite_colour"}, "not a parameter of the payout request", 47},
		{"cvv2", "client_orderid,amount,currency,credit_card_number,card_printed_name,expire_month,expire_year,cvv2\n" +
			"o1,10.00,USD,4111111111111111,ANN,12,2030,123\n", []string{"cvv2"}, "a CVV must never be stored", 94},
		{"cvc", "client_orderid,amount,currency,account_number,CVC\n" + row + ",123\n", []string{"CVC"}, "card security codes are refused", 47},
		{"missing amount", "client_orderid,currency,account_number\no1,USD,1234567890\n", []string{"amount"}, "required column is missing", 1},
		{"no destination column", "client_orderid,amount,currency\no1,10.00,USD\n", []string{"destination"}, "no payout destination column", 1},
		{"empty header field", "client_orderid,amount,,currency,account_number\no1,10.00,x,USD,1234567890\n", []string{""}, "header field 3 has no name", 23},
		{"unnamed trailing columns (Excel's padding)", "client_orderid,amount,currency,account_number,,\n" + row + ",,\n", nil, "", 0},
		{"no header", "o1,10.00,USD,4111111111111111\no2,10.00,USD,1234567890\n", []string{""}, "the first line is not a header", 1},
		{"spaces and zero width", "client_orderid, amount ,\u200bcurrency,account_number\n" + row + "\n", nil, "", 0},
		{"bom", "\ufeffclient_orderid,amount,currency,account_number\n" + row + "\n", nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jobs, errs, err := readAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(errs); !slices.Equal(got, tt.want) {
				t.Fatalf("error keys %q, want %q (errors: %v)", got, tt.want, errs)
			}
			if len(tt.want) == 0 {
				if len(jobs) != 1 {
					t.Fatalf("jobs %v, want 1", jobs)
				}
				return
			}
			if e := errs[0]; e.Line != 1 || e.Column != tt.col || !strings.Contains(e.Reason, tt.reason) {
				t.Fatalf("first error %q at %d:%d; want 1:%d containing %q", e.Reason, e.Line, e.Column, tt.col, tt.reason)
			}
		})
	}
}

func TestAliasesResolved(t *testing.T) {
	t.Parallel()
	aliases := map[string]string{
		"first_name": "receiver_first_name", "last_name": "receiver_last_name", "birthday": "receiver_birthday",
		"country": "receiver_country_code", "state": "receiver_state", "city": "receiver_city",
		"zip_code": "receiver_zip_code", "address1": "receiver_address1", "phone": "receiver_phone",
		"email": "receiver_email", "identity_document_id": "receiver_identity_document_id",
		"identity_document_number": "receiver_identity_document_number",
	}
	for alias, canonical := range aliases {
		if got, ok := CanonicalName(alias); !ok || got != canonical {
			t.Errorf("CanonicalName(%s) = %s, %v; want %s", alias, got, ok, canonical)
		}
		if got, ok := CanonicalName(canonical); !ok || got != canonical {
			t.Errorf("CanonicalName(%s) = %s, %v", canonical, got, ok)
		}
	}
	if _, ok := CanonicalName("cvv2"); ok {
		t.Error("cvv2 must not be a parameter")
	}
	if n := len(ParamNames()); n != 50 {
		t.Errorf("ParamNames has %d names; the payout page has 51 request parameters, 50 without cvv2", n)
	}
	jobs, errs, err := readAll(t, "client_orderid,amount,currency,account_number,first_name,country\no1,10.5,USD,1234567890,Ann,US\n")
	if err != nil || len(errs) != 0 || len(jobs) != 1 {
		t.Fatalf("jobs %v errs %v err %v", jobs, errs, err)
	}
	want := []Param{{"client_orderid", "o1"}, {"amount", "10.5"}, {"currency", "USD"}, {"account_number", "1234567890"},
		{"receiver_first_name", "Ann"}, {"receiver_country_code", "US"}}
	if !slices.Equal(jobs[0].Params, want) {
		t.Fatalf("Params %v, want %v", jobs[0].Params, want)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"amout": "amount", "ammount": "amount", "curency": "currency", "Client Oder ID": "client_orderid",
		"acount_number": "account_number", "Curreny": "currency", "frist name": "receiver_first_name",
		"expiry_mnth": "expire_month", "zzz": "", "note": "", "foo_bar_baz_qux": "",
	}
	for in, want := range tests {
		if got := suggest(in); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHeaderConflictKeyIsCanonical(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"first_name,receiver_first_name", "receiver_first_name,first_name", "first_name,first_name"} {
		_, errs, err := readAll(t, "client_orderid,amount,currency,account_number,"+h+"\no1,1.00,USD,1234567890,A,A\n")
		if err != nil || len(errs) != 1 || errs[0].Key != "receiver_first_name" {
			t.Errorf("%s: errors %v, want one on receiver_first_name", h, errs)
		}
	}
}
