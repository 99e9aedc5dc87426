package job

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestJobMessageRoundTrip(t *testing.T) {
	t.Parallel()
	jobs, errs, err := readAll(t, csvRow("amount", "10.5", "first_name", "Ann"))
	if err != nil || len(errs) != 0 {
		t.Fatal(errs, err)
	}
	m := NewMessage("batch-1", jobs[0])
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"batch_id":"batch-1","line":2,"client_orderid":"o1","amount":"10.5","currency":"USD","params":[` +
		`{"name":"client_orderid","value":"o1"},{"name":"amount","value":"10.5"},{"name":"currency","value":"USD"},` +
		`{"name":"account_number","value":"1234567890"},{"name":"receiver_first_name","value":"Ann"}]}`
	if string(data) != want {
		t.Fatalf("json\n%s\nwant\n%s", data, want)
	}
	back, err := DecodeMessage(data)
	if err != nil {
		t.Fatal(err)
	}
	j, err := back.Job()
	if err != nil {
		t.Fatal(err)
	}
	if j.Amount != jobs[0].Amount || j.ClientOrderID != "o1" || j.Line != 2 || !slices.Equal(j.PayoutParams(), jobs[0].PayoutParams()) {
		t.Fatalf("round trip %+v", j)
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		decode  func([]byte) error
		in      string
		version bool // want ErrUnknownVersion
		reason  string
	}{
		{"job v3", decJob, `{"version":3,"batch_id":"b","client_orderid":"o","amount":"1","currency":"USD"}`, true, "version 3"},
		{"job no version", decJob, `{"batch_id":"b"}`, true, "no version"},
		{"job bad json", decJob, `{`, false, "unexpected end"},
		{"job no batch", decJob, `{"version":1,"client_orderid":"o","amount":"1","currency":"USD"}`, false, "batch_id is empty"},
		{"job no order", decJob, `{"version":1,"batch_id":"b","amount":"1","currency":"USD"}`, false, "client_orderid is empty"},
		{"job bad amount", decJob, `{"version":1,"batch_id":"b","client_orderid":"o","amount":"1.001","currency":"USD"}`, false, "fraction digits"},
		{"job cvv", decJob, `{"version":1,"batch_id":"b","client_orderid":"o","amount":"1","currency":"USD","params":[{"name":"cvv2","value":"123"}]}`, false, "security code"},
		{"job CVV2 upper case", decJob, `{"version":1,"batch_id":"b","client_orderid":"o","amount":"1","currency":"USD","params":[{"name":"CVV2","value":"123"}]}`, false, "security code"},
		{"job cvc", decJob, `{"version":1,"batch_id":"b","client_orderid":"o","amount":"1","currency":"USD","params":[{"name":"cvc","value":"123"}]}`, false, "security code"},
		{"job params currency differs", decJob, `{"version":1,"batch_id":"b","client_orderid":"o","amount":"1.00","currency":"USD","params":[{"name":"currency","value":"EUR"}]}`, false, "currency"},
		{"job params order id differs", decJob, `{"version":1,"batch_id":"b","client_orderid":"o","amount":"1.00","currency":"USD","params":[{"name":"client_orderid","value":"p"}]}`, false, "client_orderid"},
		{"job params amount differs", decJob, `{"version":1,"batch_id":"b","client_orderid":"o","amount":"1.00","currency":"USD","params":[{"name":"amount","value":"100.00"}]}`, false, "amount"},
		{"job params order id twice", decJob, `{"version":1,"batch_id":"b","client_orderid":"o","amount":"1.00","currency":"USD","params":[{"name":"client_orderid","value":"o"},{"name":"client_orderid","value":"o"}]}`, false, "client_orderid"},
		{"result v0", decResult, `{"version":0}`, true, "version 0"},
		{"result status", decResult, `{"version":1,"status":"paid","amount":"1","currency":"USD"}`, false, `unknown status "paid"`},
		{"result amount", decResult, `{"version":1,"status":"approved","amount":"1,00","currency":"USD"}`, false, "decimal separator"},
		{"summary v9", decSummary, `{"version":9}`, true, "version 9"},
		{"summary status", decSummary, `{"version":1,"counts":{"paid":1}}`, false, `unknown status "paid"`},
		{"dead letter v2", decDead, `{"version":2,"reason":"x"}`, true, "version 2"},
		{"dead letter no reason", decDead, `{"version":1,"client_orderid":"o"}`, false, "reason is empty"},
		{"dead letter status", decDead, `{"version":1,"reason":"x","result":"paid"}`, false, `unknown result status "paid"`},
		{"summary total", decSummary, `{"version":1,"totals":{"approved":{"USD":"1.001"}}}`, false, "fraction digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.decode([]byte(tt.in))
			if err == nil || errors.Is(err, ErrUnknownVersion) != tt.version || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err %v; want version=%v and %q", err, tt.version, tt.reason)
			}
		})
	}
}

func decJob(b []byte) error     { _, err := DecodeMessage(b); return err }
func decResult(b []byte) error  { _, err := DecodeResult(b); return err }
func decSummary(b []byte) error { _, err := DecodeBatchSummary(b); return err }
func decDead(b []byte) error    { _, err := DecodeDeadLetter(b); return err }

func TestStatus(t *testing.T) {
	t.Parallel()
	for _, s := range Statuses {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if s.Final() == (s == StatusUnresolved) {
			t.Errorf("%s.Final() = %v", s, s.Final())
		}
	}
	for _, s := range []Status{"", "APPROVED", "processing", "paid"} {
		if s.Valid() || s.Final() {
			t.Errorf("%q valid or final", s)
		}
	}
}

func TestResultAndSummaryRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	results := []Result{
		{Version: 1, BatchID: "b", ClientOrderID: "o1", Status: StatusApproved, Amount: "10.50", Currency: "USD", Attempts: 1, FinishedAt: at},
		{Version: 1, BatchID: "b", ClientOrderID: "o2", Status: StatusApproved, Amount: "0.51", Currency: "USD", Attempts: 2, FinishedAt: at},
		{Version: 1, BatchID: "b", ClientOrderID: "o3", Status: StatusDeclined, Amount: "1000", Currency: "JPY", Attempts: 1, FinishedAt: at},
	}
	sum := NewBatchSummary("b", 3)
	for _, r := range results {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeResult(data)
		if err != nil || back != r {
			t.Fatalf("result round trip: %+v %v", back, err)
		}
		if err := sum.Add(back); err != nil {
			t.Fatal(err)
		}
	}
	if err := sum.Add(Result{Status: "paid", Amount: "1", Currency: "USD"}); err == nil {
		t.Fatal("Add accepted an unknown status")
	}
	sum.FinishedAt = at
	data, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"batch_id":"b","rows":3,"counts":{"approved":2,"declined":1},"totals":{"approved":{"USD":"11.01"},"declined":{"JPY":"1000"}},"finished_at":"2026-11-27T03:00:00Z"}`
	if string(data) != want {
		t.Fatalf("summary json\n%s\nwant\n%s", data, want)
	}
	back, err := DecodeBatchSummary(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Totals[StatusApproved]["USD"] != (Amount{1101, "USD"}) || back.Counts[StatusDeclined] != 1 {
		t.Fatalf("summary round trip %+v", back)
	}
}

func TestDeadLetterRoundTrip(t *testing.T) {
	t.Parallel()
	in := `{"version":1,"batch_id":"b","client_orderid":"o1","line":7,"reason":"max_failures reached",` +
		`"result":"unresolved","ledger":{"state":"reported","attempts":2},"subject":"payouts.jobs.b",` +
		`"stream_seq":42,"num_delivered":11,"payload_bytes":310,"at":"2026-11-27T03:00:00Z"}`
	d, err := DecodeDeadLetter([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if d.ClientOrderID != "o1" || d.Line != 7 || d.Result != StatusUnresolved || d.StreamSeq != 42 ||
		string(d.Ledger) != `{"state":"reported","attempts":2}` || !d.At.Equal(time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("decoded %+v", d)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("re-encoded\n%s\nwant\n%s", out, in)
	}
}

func TestBatchSummaryTotal(t *testing.T) {
	t.Parallel()
	usd := func(minor int64) Amount { return Amount{Minor: minor, Currency: "USD"} }
	tests := []struct {
		name    string
		totals  map[Status]Totals
		want    string
		wantErr error
	}{
		{"no results", nil, "-", nil},
		{"one status", map[Status]Totals{StatusApproved: {"USD": usd(1050)}}, "USD 10.50", nil},
		{"across statuses and currencies", map[Status]Totals{
			StatusApproved: {"USD": usd(1101)},
			StatusDeclined: {"USD": usd(100), "JPY": {Minor: 1000, Currency: "JPY"}},
			StatusError:    {"EUR": {Minor: 5, Currency: "EUR"}},
		}, "EUR 0.05, JPY 1000, USD 12.01", nil},
		{"overflow", map[Status]Totals{
			StatusApproved: {"USD": usd(math.MaxInt64)},
			StatusDeclined: {"USD": usd(1)},
		}, "", ErrAmountOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := BatchSummary{Totals: tt.totals}.Total()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err == nil && got.String() != tt.want {
				t.Errorf("total %s, want %s", got, tt.want)
			}
		})
	}
}
