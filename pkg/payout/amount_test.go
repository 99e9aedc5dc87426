package payout_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/job/jobtest"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/sandbox"
)

// Invariants 3 (money is exact) and 6 (every row validation accepts can be paid), across every
// boundary an amount crosses: for every currency and every length of amount up to the gateway's
// 10 characters, a CSV row written with all the currency's fraction digits ("10000000.00" IDR)
// becomes a job message the worker decodes, a signed request whose form body (as the sandbox
// gateway receives it, checking the page's 10-character limit) carries the shortest exact form,
// an approved result, and a report row, with the same value at every step.
func TestAmountExactFromCSVToReport(t *testing.T) {
	t.Parallel()
	key := payout.SigningKey(t)
	sb, err := sandbox.New(sandbox.Options{PublicKey: &key.PublicKey, Login: payout.SandboxLogin})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	received := map[string]string{} // client_orderid → amount in the form body
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if form, err := url.ParseQuery(string(body)); err == nil {
			mu.Lock()
			received[form.Get("client_orderid")] = form.Get("amount")
			mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = sb.Close() })
	gw := payout.SandboxGateway(t, key, ts.URL+sandbox.BasePath)

	// One row per currency and length of the shortest form; the number of significant fraction
	// digits varies with the currency so that every (minor units, length, fraction) case occurs.
	var in bytes.Buffer
	cw := csv.NewWriter(&in)
	_ = cw.Write([]string{"client_orderid", "amount", "currency", "account_number"})
	shortest := map[string]string{}
	for ci, cur := range job.Currencies() {
		minor, _ := job.MinorUnits(cur)
		cases := jobtest.Amounts(minor, job.MaxAmountLength)
		for length := 1; length <= job.MaxAmountLength; length++ {
			var ofLength []jobtest.AmountCase
			for _, c := range cases {
				if len(c.Shortest) == length {
					ofLength = append(ofLength, c)
				}
			}
			c := ofLength[ci%len(ofLength)]
			coid := fmt.Sprintf("%s-%d", cur, length)
			shortest[coid] = c.Shortest
			_ = cw.Write([]string{coid, c.Written, cur, "1234567890"})
		}
	}
	cw.Flush()
	file := in.Bytes()

	rd := job.NewReader(bytes.NewReader(file), "amounts.csv")
	results := map[string]job.Result{}
	want := map[string]job.Amount{}
	for {
		j, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("validation: %v", err)
		}
		want[j.ClientOrderID] = j.Amount
		msg := payout.JobBytes(t, "AMOUNTS", j)
		params, err := payout.DecodeJobParams(msg)
		if err != nil {
			t.Fatalf("%s: the accepted row's job message does not decode: %v", j.ClientOrderID, err)
		}
		reply, err := gw.Payout(context.Background(), params)
		if err != nil {
			t.Fatalf("%s: the gateway refused the payout: %v", j.ClientOrderID, err)
		}
		sent := received[j.ClientOrderID]
		if sent != shortest[j.ClientOrderID] || len(sent) > job.MaxAmountLength {
			t.Fatalf("%s: the gateway received amount %q, want %q (at most %d characters)", j.ClientOrderID, sent, shortest[j.ClientOrderID], job.MaxAmountLength)
		}
		data, err := payout.ResultOf(msg, &payout.Entry{State: payout.StateReported, Result: job.StatusApproved, OrderID: reply.OrderID, Attempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		r, err := job.DecodeResult(data)
		if err != nil {
			t.Fatalf("%s: result does not decode: %v", j.ClientOrderID, err)
		}
		results[r.ClientOrderID] = r
	}
	if len(want) != len(shortest) {
		t.Fatalf("%d rows valid, want %d", len(want), len(shortest))
	}
	var report bytes.Buffer
	input := batch.Input{Name: "amounts.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(file)), nil }}
	if err := batch.WriteReport(&report, batch.ReportInfo{BatchID: "AMOUNTS", Input: input, ReadAt: time.Now(), Complete: true}, results, batch.ReportOptions{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&report).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, row := range rows[1:] {
		coid := row[col["client_orderid"]]
		got, err := job.ParseAmount(row[col["amount"]], row[col["currency"]])
		if err != nil || got != want[coid] || strings.TrimSpace(row[col["status"]]) != string(job.StatusApproved) {
			t.Errorf("%s: report amount %q %s (%v), want %s", coid, row[col["amount"]], row[col["currency"]], err, want[coid])
		}
		delete(want, coid)
	}
	if len(want) != 0 {
		t.Errorf("rows missing from the report: %d", len(want))
	}
}
