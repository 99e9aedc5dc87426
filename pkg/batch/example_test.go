package batch_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

func Example() {
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{Port: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	ctx := context.Background()
	nc, err := queue.Connect(ctx, queue.ConnectOptions{URL: srv.ClientURL(), Name: "example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	h, err := queue.Provision(ctx, js, queue.DefaultNames(), queue.DefaultSettings())
	if err != nil {
		fmt.Println(err)
		return
	}
	csv := "client_orderid,amount,currency,account_number\nORD-1,10.50,USD,1234567890\nORD-2,2000,JPY,9876543210\n"
	in := batch.Input{Name: "payroll.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(csv)), nil }}
	en, _ := batch.New(js, h, batch.Options{})
	limit, err := en.JobLimit(ctx) // the largest job the stream stores
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := batch.ValidateInput(in, "2026-11-payroll", 100, limit)
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 2 { // a second run is safe: it publishes nothing
		r, err := en.Enqueue(ctx, in, plan)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(r.BatchID, r.Enqueued, r.State, "already:", r.AlreadyEnqueued, r.Totals["USD"], r.Totals["JPY"])
	}
	// Output:
	// 2026-11-payroll 2 enqueued already: false 10.50 2000
	// 2026-11-payroll 2 enqueued already: true 10.50 2000
}

func ExampleEscapeCell() {
	fmt.Println(batch.EscapeCell("=SUM(A1:A9)"), batch.EscapeCell("ORD-1"))
	// Output: '=SUM(A1:A9) ORD-1
}

func ExampleWriteReport() {
	file := "Client OrderID,Amount,Currency,Account Number,First Name\nORD-1,10.5,USD,1234567890,Ann\nORD-2,2000,JPY,9876543210,Bob\n"
	in := batch.Input{Name: "payroll.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(file)), nil }}
	results := map[string]job.Result{ // as batch.Wait hands them to OnResult
		"ORD-2": {ClientOrderID: "ORD-2", Status: job.StatusApproved, Amount: "2000", Currency: "JPY", PaynetOrderID: "901", Attempts: 1},
	}
	var out strings.Builder
	err := batch.WriteReport(&out, batch.ReportInfo{BatchID: "nov", Input: in, ReadAt: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}, results, batch.ReportOptions{})
	fmt.Print(out.String(), err)
	// Output:
	// client_orderid,status,paynet_order_id,amount,currency,error_code,error_message,serial_number,attempts,destination,finished_at,line,receiver_first_name,receiver_last_name,account_name,card_printed_name,legal_person_name,enqueued_at,submitted_at
	// ORD-1,pending,,10.50,USD,,,,,account ******7890,,2,Ann,,,,,,
	// ORD-2,approved,901,2000,JPY,,,,1,,,3,Bob,,,,,,
	// <nil>
}

func ExamplePlan_EachRow() {
	csv := "client_orderid,amount,currency,account_number\nORD-1,10.50,USD,1234567890\nORD-2,2000,JPY,9876543210\n"
	in := batch.Input{Name: "payroll.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(csv)), nil }}
	plan, err := batch.ValidateInput(in, "nov", 100, batch.JobLimit{})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = plan.EachRow(in, func(j job.Job) error {
		fmt.Println(j.Line, j.ClientOrderID, j.Amount, j.Amount.Currency, j.MaskedDestination())
		return nil
	})
	fmt.Println(err)
	// Output:
	// 2 ORD-1 10.50 USD account ******7890
	// 3 ORD-2 2000 JPY account ******3210
	// <nil>
}
