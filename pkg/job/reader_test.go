package job

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

const header = "client_orderid,amount,currency,account_number\n"

func TestReaderEdgeInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		jobs int
		errs []string // "line:col:key:reason-substring" of every error
	}{
		{"empty file", "", 0, []string{"1:0::the file is empty"}},
		{"only blank lines", "\n\n\r\n", 0, []string{"1:0::the file is empty"}},
		{"bom only", "\ufeff", 0, []string{"1:0::the file is empty"}},
		{"header only", header, 0, []string{"1:0::header but no payout rows"}},
		{"crlf", strings.ReplaceAll(header+"o1,10.00,USD,1234567890\no2,1,USD,1234567890\n", "\n", "\r\n"), 2, nil},
		{"no final newline", header + "o1,10.00,USD,1234567890", 1, nil},
		{"blank lines skipped", header + "\n\no1,10.00,USD,1234567890\n\n", 1, nil},
		{"quoted fields", header + `"o,1","10.00","USD","1234567890"` + "\n", 1, nil},
		{"quoted newline moves lines", header + "\"o\n1\",10.00,USD,1234567890\no2,1x,USD,1234567890\n", 0,
			[]string{"2:1:client_orderid:control character", "4:4:amount:only digits"}},
		{"bare quote", header + "o\"1,10.00,USD,1234567890\no2,1.00,USD,1234567890\n", 1, []string{"2:2::bare \""}},
		{"unterminated quote", header + "\"o1,10.00,USD,1234567890\n", 0, []string{"2:26::extraneous or missing \""}},
		{"short row", header + "o1,10.00,USD\no2,1.00,USD,1234567890\n", 1, []string{"2:1::the row has 3 fields, the header 4"}},
		{"long row", header + "o1,10.00,USD,1234567890,x\n", 0, []string{"2:1::the row has 5 fields, the header 4"}},
		{"decimal comma split", header + "o1,10,50,USD,1234567890\n", 0, []string{"2:1::the row has 5 fields, the header 4: a decimal comma? the amount 10,50 split into two fields; write 10.50"}},
		{"value under an unnamed trailing column", "client_orderid,amount,currency,account_number,,\no1,10.00,USD,1234567890,,x\n", 0,
			[]string{"2:26::field 6 has a value but its column has no header name"}},
		{"NUL bytes", header + "o1\x00,10.00,USD,1234567890\n", 0, []string{"2:1:client_orderid:NUL"}},
		{"NUL in header", "client_orderid\x00,amount,currency,account_number\n", 0, []string{"1:1:client_orderid\x00:unknown column", "1:1:client_orderid:required column", "1:0::header but no payout rows"}},
		{"invalid utf8", header + "o\xff\xfe,10.00,USD,1234567890\n", 0, []string{`2:2::byte 0xFF is not UTF-8 (in Windows-1252 it is 'ÿ')`}},
		{"all empty rows skipped", header + ",,,\n,,,\r\n", 0, []string{"1:0::header but no payout rows"}},
		{"empty rows between and after", header + "o1,10.00,USD,1234567890\n,,,\no2,1,USD,1234567890\n,,,\n,,,\n", 2, nil},
		{"whitespace row is not empty", header + " , , , \n", 0, []string{"2:1:client_orderid:white space", "2:3:amount:contains a space", "2:5:currency:white space", "2:7:account_number:white space"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jobs, errs, err := readAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) != tt.jobs {
				t.Errorf("%d jobs, want %d", len(jobs), tt.jobs)
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %q, want %q", errs, tt.errs)
			}
			for i, w := range tt.errs {
				parts := strings.SplitN(w, ":", 4)
				e := errs[i]
				got := fmt.Sprintf("%d:%d:%s", e.Line, e.Column, e.Key)
				if got != strings.Join(parts[:3], ":") || !strings.Contains(e.Reason, parts[3]) {
					t.Errorf("error %d = %s %q, want %s", i, got, e.Reason, w)
				}
			}
		})
	}
}

func TestReaderJob(t *testing.T) {
	t.Parallel()
	in := "client_orderid,amount,currency,order_desc,credit_card_number,card_printed_name,expire_month,expire_year,first_name,purpose\n" +
		"pay-1,10.5,USD,,4111111111111111,ANN LEE,07,2030,Ann,salary\n" +
		"pay-2,1000,JPY,bonus,5555555555554444,BO LI,12,2031,,\n"
	jobs, errs, err := readAll(t, in)
	if err != nil || len(errs) != 0 || len(jobs) != 2 {
		t.Fatalf("jobs %v errs %v err %v", jobs, errs, err)
	}
	j := jobs[0]
	if j.ClientOrderID != "pay-1" || j.Amount != (Amount{Minor: 1050, Currency: "USD"}) || j.Line != 2 {
		t.Fatalf("job %+v", j)
	}
	wantParams := []Param{{"client_orderid", "pay-1"}, {"amount", "10.5"}, {"currency", "USD"},
		{"credit_card_number", "4111111111111111"}, {"card_printed_name", "ANN LEE"}, {"expire_month", "07"},
		{"expire_year", "2030"}, {"receiver_first_name", "Ann"}, {"purpose", "salary"}}
	if !slices.Equal(j.Params, wantParams) {
		t.Fatalf("Params\n%v\nwant\n%v", j.Params, wantParams)
	}
	if got := j.PayoutParams(); !slices.Equal(got, wantParams) { // "10.5" is already the shortest form
		t.Fatalf("PayoutParams %v", got)
	}
	if got := j.MaskedDestination(); got != "card ************1111 07/2030" {
		t.Fatalf("MaskedDestination = %q", got)
	}
	if jobs[1].Line != 3 || jobs[1].Amount.String() != "1000" || jobs[1].Param("order_desc") != "bonus" {
		t.Fatalf("job 2 %+v", jobs[1])
	}
}

func TestMaskedDestination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kv   []string
		want string
	}{
		{nil, "account ******7890"},
		{[]string{"account_number", "", "card_recurring_payment_id", "987654321"}, "recurring card *****4321"},
		{[]string{"account_number", "", "recurring-payment-id", "987654321"}, "recurring card *****4321"},
		{[]string{"account_number", "", "ewallet_type", "paypal", "ewallet_wallet", "ann@example.com"}, "ewallet paypal ***********.com"},
		{[]string{"account_number", "", "crypto_wallet_address", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"}, "crypto " + strings.Repeat("*", 38) + "0wlh"},
	}
	for _, tt := range tests {
		jobs, errs, err := readAll(t, csvRow(tt.kv...))
		if err != nil || len(errs) != 0 || len(jobs) != 1 {
			t.Fatalf("%v: errs %v err %v", tt.kv, errs, err)
		}
		if got := jobs[0].MaskedDestination(); got != tt.want {
			t.Errorf("%v: MaskedDestination = %q, want %q", tt.kv, got, tt.want)
		}
	}
	if got := (Job{}).MaskedDestination(); got != "none" {
		t.Errorf("empty job: %q", got)
	}
}

func TestReaderDuplicates(t *testing.T) {
	t.Parallel()
	in := header + "a,1.00,USD,1234567890\nb,1.00,USD,1234567890\na,2.00,USD,1234567890\nA,1.00,USD,1234567890\nb,x,USD,1234567890\n"
	jobs, errs, err := readAll(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 { // a, b, A (ids are case-sensitive)
		t.Fatalf("%d jobs", len(jobs))
	}
	want := []string{`4:1:client_orderid:duplicate client_orderid "a" (first on line 2)`, "6:3:amount:", `6:1:client_orderid:duplicate client_orderid "b" (first on line 3)`}
	if len(errs) != len(want) {
		t.Fatalf("errors %v", errs)
	}
	for i, w := range want {
		parts := strings.SplitN(w, ":", 4)
		if e := errs[i]; fmt.Sprintf("%d:%d:%s", e.Line, e.Column, e.Key) != strings.Join(parts[:3], ":") || !strings.Contains(e.Reason, parts[3]) {
			t.Errorf("error %d = %v, want %s", i, e, w)
		}
	}
}

func TestValidationErrorFormat(t *testing.T) {
	t.Parallel()
	e := &ValidationError{File: "payroll.csv", Line: 12, Column: 3, Key: "amount", Reason: `"10.555" has 3 fraction digits, USD allows 2`}
	if got, want := e.Error(), `payroll.csv:12:3: amount: "10.555" has 3 fraction digits, USD allows 2`; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if got := (&ValidationError{File: "f", Line: 1, Reason: "the file is empty"}).Error(); got != "f:1: the file is empty" {
		t.Fatalf("no column/key: %q", got)
	}
	if !errors.Is(e, ErrInvalidBatch) {
		t.Fatal("ValidationError does not match ErrInvalidBatch")
	}
	agg := &Errors{List: []*ValidationError{e, e}, Total: 5}
	if !errors.Is(agg, ErrInvalidBatch) {
		t.Fatal("Errors does not match ErrInvalidBatch")
	}
	var ve *ValidationError
	if !errors.As(fmt.Errorf("enqueue: %w", agg), &ve) || ve != e {
		t.Fatal("errors.As through Errors")
	}
	lines := strings.Split(agg.Error(), "\n")
	if len(lines) != 3 || lines[2] != "... and 3 more errors" {
		t.Fatalf("Errors.Error() = %q", agg.Error())
	}
}

func TestValidateFile(t *testing.T) {
	t.Parallel()
	in := header + "a,10.50,USD,1234567890\nb,1000,JPY,1234567890\nc,1.125,KWD,1234567890\nd,0.50,USD,1234567890\n"
	s, err := ValidateFile(strings.NewReader(in), "ok.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := Totals{"USD": {1100, "USD"}, "JPY": {1000, "JPY"}, "KWD": {1125, "KWD"}}
	if s.Rows != 4 || s.Valid != 4 || s.Errors != nil || len(s.Totals) != 3 {
		t.Fatalf("summary %+v", s)
	}
	for c, a := range want {
		if s.Totals[c] != a {
			t.Fatalf("total %s = %v, want %v", c, s.Totals[c], a)
		}
	}
}

func TestValidateFileCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(header)
	for i := range 250 {
		fmt.Fprintf(&b, "o%d,1.001,USD,1234567890\n", i)
	}
	b.WriteString("ok,1.00,USD,1234567890\n")
	for _, tt := range []struct {
		opt  []Option
		kept int
	}{{nil, DefaultMaxErrors}, {[]Option{WithMaxErrors(7)}, 7}, {[]Option{WithMaxErrors(0)}, 250}} {
		s, err := ValidateFile(strings.NewReader(b.String()), "cap.csv", tt.opt...)
		var agg *Errors
		if !errors.As(err, &agg) || !errors.Is(err, ErrInvalidBatch) {
			t.Fatalf("err %v", err)
		}
		if len(agg.List) != tt.kept || agg.Total != 250 || s.Rows != 251 || s.Valid != 1 || agg != s.Errors {
			t.Fatalf("kept %d total %d rows %d valid %d; want %d 250 251 1", len(agg.List), agg.Total, s.Rows, s.Valid, tt.kept)
		}
		if agg.List[0].Line != 2 || agg.List[len(agg.List)-1].Line != tt.kept+1 {
			t.Fatalf("first errors not in file order: %v ... %v", agg.List[0], agg.List[len(agg.List)-1])
		}
	}
}

// failingReader yields some bytes, then an I/O error.
type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReaderReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	for _, data := range []string{"", header, header + "o1,10.00,USD,1234567890\n"} {
		r := NewReader(&failingReader{data: data, err: boom}, "f.csv")
		var err error
		for i := 0; i < 10; i++ {
			if _, err = r.Next(); err != nil && !errors.Is(err, ErrInvalidBatch) {
				break
			}
		}
		if !errors.Is(err, boom) || errors.Is(err, ErrInvalidBatch) || !strings.Contains(err.Error(), "f.csv") {
			t.Fatalf("data %q: err %v, want the read error", data, err)
		}
		if _, again := r.Next(); !errors.Is(again, boom) {
			t.Fatalf("error is not sticky: %v", again)
		}
		if _, err := ValidateFile(&failingReader{data: data, err: boom}, "f.csv"); !errors.Is(err, boom) {
			t.Fatalf("ValidateFile: %v", err)
		}
	}
}

func TestReaderEOFIsSticky(t *testing.T) {
	t.Parallel()
	r := NewReader(strings.NewReader(header+"o1,10.00,USD,1234567890\n"), "f.csv")
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("want io.EOF, got %v", err)
		}
	}
	if r.Rows() != 1 {
		t.Fatalf("Rows = %d", r.Rows())
	}
}

func TestReaderLineTooLong(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", MaxLineBytes+1)
	tests := []struct {
		in   string
		jobs int
		line int
	}{
		{long, 0, 1},
		{header + "o1,10.00,USD,1234567890\no2," + long + "\no3,1.00,USD,1234567890\n", 1, 3},
		{header + "\"o1\n" + long + "\",10.00,USD,1234567890\n", 0, 3},
	}
	for _, tt := range tests {
		jobs, errs, err := readAll(t, tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != tt.jobs || len(errs) != 1 || errs[0].Line != tt.line || !strings.Contains(errs[0].Reason, "line is longer than") {
			t.Fatalf("jobs %d errors %v; want %d jobs and one line-too-long error on line %d", len(jobs), errs, tt.jobs, tt.line)
		}
	}
	// Just under the bound is read normally.
	in := "client_orderid,amount,currency,account_number,merchant_data\no1,10.00,USD,1234567890," + strings.Repeat("m", 65536) + "\n"
	if jobs, errs, err := readAll(t, in); err != nil || len(errs) != 0 || len(jobs) != 1 {
		t.Fatalf("64k merchant_data: %d jobs, %v, %v", len(jobs), errs, err)
	}
}
