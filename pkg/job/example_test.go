package job_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/job"
)

func ExampleParseAmount() {
	for _, in := range []struct{ s, cur string }{{"10.5", "USD"}, {"1000", "JPY"}, {"1.5", "KWD"}, {"10.555", "USD"}, {"1e3", "USD"}} {
		a, err := job.ParseAmount(in.s, in.cur)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(a.Minor, a.Currency, a)
	}
	// Output:
	// 1050 USD 10.50
	// 1000 JPY 1000
	// 1500 KWD 1.500
	// job: parse amount "10.555" "USD": has 3 fraction digits, USD allows 2
	// job: parse amount "1e3" "USD": is in exponent form; write it out, e.g. 1000.00
}

// The gateway receives an amount's shortest exact form: at most 10 characters for every amount
// ParseAmount accepts, even when written with all the currency's fraction digits.
func ExampleAmount_Numeric() {
	for _, in := range []struct{ s, cur string }{{"10.50", "USD"}, {"10000000.00", "IDR"}, {"1000000.000", "IQD"}, {"0.005", "KWD"}} {
		a, err := job.ParseAmount(in.s, in.cur)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(a, "is sent as", a.Numeric())
	}
	// Output:
	// 10.50 is sent as 10.5
	// 10000000.00 is sent as 10000000
	// 1000000.000 is sent as 1000000
	// 0.005 is sent as 0.005
}

func ExampleNewReader() {
	const file = `client_orderid,amount,currency,account_number,first_name
pay-1,10.5,USD,1234567890,Ann
pay-2,1000.5,JPY,0987654321,Bo
pay-3,2.250,KWD,1987654321,Cy
`
	r := job.NewReader(strings.NewReader(file), "payroll.csv")
	for {
		j, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var ve *job.ValidationError
		if errors.As(err, &ve) {
			fmt.Println("invalid:", ve)
			continue
		}
		if err != nil {
			fmt.Println("read failed:", err)
			return
		}
		fmt.Println(j.Line, j.ClientOrderID, j.Amount, j.Amount.Currency, j.MaskedDestination())
	}
	// Output:
	// 2 pay-1 10.50 USD account ******7890
	// invalid: payroll.csv:3:7: amount: "1000.5" has 1 fraction digits, JPY allows none
	// 4 pay-3 2.250 KWD account ******4321
}

func ExampleValidateFile() {
	const file = "client_orderid,amout,currency,account_number\npay-1,10.00,USD,1234567890\n"
	s, err := job.ValidateFile(strings.NewReader(file), "payroll.csv")
	fmt.Println("rows:", s.Rows, "invalid batch:", errors.Is(err, job.ErrInvalidBatch))
	fmt.Println(err)
	// Output:
	// rows: 1 invalid batch: true
	// payroll.csv:1:16: amout: unknown column "amout"; did you mean "amount"?
	// payroll.csv:1:1: amount: required column is missing
}

func ExampleResult() {
	r := job.Result{
		Version: job.ResultVersion, BatchID: "payroll-2026-11", ClientOrderID: "pay-1",
		Status: job.StatusApproved, Amount: "10.50", Currency: "USD",
		PaynetOrderID: "6982864", SerialNumber: "00000000-0000-0000-0000-000002e2c322",
		Attempts:    1,
		EnqueuedAt:  time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC),
		FinishedAt:  time.Date(2026, 11, 27, 3, 0, 2, 0, time.UTC),
		Destination: "account ******7890",
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	fmt.Println(string(b))
	fmt.Println(r.Status.Final())
	// Output:
	// {
	//   "version": 1,
	//   "batch_id": "payroll-2026-11",
	//   "client_orderid": "pay-1",
	//   "status": "approved",
	//   "amount": "10.50",
	//   "currency": "USD",
	//   "paynet_order_id": "6982864",
	//   "serial_number": "00000000-0000-0000-0000-000002e2c322",
	//   "attempts": 1,
	//   "enqueued_at": "2026-11-27T03:00:00Z",
	//   "finished_at": "2026-11-27T03:00:02Z",
	//   "destination": "account ******7890"
	// }
	// true
}

func ExampleRedactParams() {
	ps := []job.Param{{Name: "credit_card_number", Value: "4111111111111111"}, {Name: "receiver_first_name", Value: "Ann"}}
	fmt.Println(job.RedactParams(ps))
	// Output: [{credit_card_number ************1111} {receiver_first_name Ann}]
}

// clock is a fixed job.Clock.
type clock time.Time

func (c clock) Now() time.Time { return time.Time(c) }

func ExampleWithClock() {
	const file = `client_orderid,amount,currency,credit_card_number,card_printed_name,expire_month,expire_year
card-1,75.10,USD,4111111111111111,CHEN WEI,11,2026
`
	for _, today := range []time.Time{
		time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC), // last minute of the expiry month
		time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	} {
		s, err := job.ValidateFile(strings.NewReader(file), "cards.csv", job.WithClock(clock(today)))
		fmt.Println(today.Format("2006-01-02"), s.Valid, err)
	}
	// Output:
	// 2026-11-30 1 <nil>
	// 2026-12-01 0 cards.csv:2:47: expire_year: the card expired at the end of 11/2026 (today is 12/2026 UTC); a card is valid through its expiry month
}

// A semicolon file as Excel saves it in Europe, with a title above the header.
func ExampleReader_Layout() {
	file := "sep=;\r\nPayroll November 2026;;;\r\nClient OrderID;Amount;Currency;IBAN\r\nlohn-1;1234.56;EUR;DE89370400440532013000\r\n"
	r := job.NewReader(strings.NewReader(file), "lohn.csv")
	j, err := r.Next()
	l := r.Layout()
	fmt.Println(job.DelimiterName(l.Delimiter), l.DelimFrom, "title", l.TitleLines, "header", l.HeaderLine)
	for _, c := range l.Columns {
		fmt.Printf("%q -> %s\n", c.Header, c.Param)
	}
	fmt.Println(j.Line, j.ClientOrderID, j.Amount, err)
	// Output:
	// semicolon sep= line title [2] header 3
	// "Client OrderID" -> client_orderid
	// "Amount" -> amount
	// "Currency" -> currency
	// "IBAN" -> account_number
	// 4 lohn-1 1234.56 <nil>
}

func ExampleBoundErrorText() {
	short := "Invalid account"
	long := strings.Repeat("x", 20_000)
	fmt.Println(job.BoundErrorText(short))
	b := job.BoundErrorText(long)
	fmt.Println(len(b) <= job.MaxErrorText, strings.TrimLeft(b, "x"))
	// Output:
	// Invalid account
	// true … [11844 bytes cut]
}
