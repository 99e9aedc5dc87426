package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/job"
)

// No page, fragment, report or audit line ever shows a card or account number in clear, through
// the whole life of a batch: a file with errors, the check, the approval, results, the reports
// (also the one in file order).
func TestNoCardOrAccountNumberInClear(t *testing.T) {
	t.Parallel()
	const (
		pan     = "4111111111111111"
		account = "5512345678"
	)
	file := []byte("client_orderid,amount,currency,account_number,credit_card_number,card_printed_name,expire_month,expire_year,order_desc\n" +
		"mask-1,10.00,USD," + account + ",,,,,salary\n" +
		"mask-2,20.00,USD,," + pan + ",ANN LEE,12,2030,card\n")
	bad := []byte("client_orderid,amount,currency,account_number,order_desc\n" +
		"mask-3,10.00,usd," + account + ",pay " + pan + "\n" + // wrong currency; a card number in a text field
		"mask-4,x," + pan + "," + account + ",\n") // a card number where the currency goes
	e := newEnv(t, nil)
	sub := e.login("sub")
	var pages []string
	keep := func(what string, st int, body string) {
		t.Helper()
		if st >= 500 {
			t.Fatalf("%s: %d: %s", what, st, body)
		}
		pages = append(pages, what+"\n"+body)
	}
	st, body := sub.upload("/upload", "bad.csv", bad, false)
	keep("invalid upload", st, body)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("invalid upload: %d", st)
	}
	st, body = sub.upload("/upload", "good.csv", file, false)
	if st != http.StatusSeeOther {
		t.Fatalf("upload: %d: %s", st, body)
	}
	id := batchIDOf(t, sub.lastLocation)
	st, body = sub.get("/batches/" + id)
	keep("check", st, body)
	if !strings.Contains(body, "card ************1111 12/2030") || !strings.Contains(body, "account ******5678") {
		t.Errorf("the check does not show the masked destinations:\n%s", body)
	}
	appr := e.login("appr")
	if st, body := appr.post("/batches/"+id+"/approve", nil); st != http.StatusSeeOther {
		t.Fatalf("approve: %d: %s", st, body)
	}
	e.publishResult(job.Result{BatchID: id, ClientOrderID: "mask-2", Status: job.StatusApproved, Amount: "20.00", Currency: "USD", Destination: "card ************1111 12/2030"})
	for _, p := range []string{"/", "/batches/" + id, "/batches/" + id + "/live", "/batches/" + id + "/report", "/batches/" + id + "/report?format=excel"} {
		st, body := appr.get(p)
		keep(p, st, body)
	}
	st, body = appr.upload("/batches/"+id+"/report", "good.csv", file, false)
	keep("report with the file", st, body)
	if st != http.StatusOK || !strings.Contains(body, "mask-1,pending") || !strings.Contains(body, ",2,") {
		t.Errorf("report with the file: %d:\n%s", st, body)
	}
	pages = append(pages, "audit\n"+e.audit.String())
	for _, p := range pages {
		for _, secret := range []string{pan, account, "411111", "55123456"} {
			if strings.Contains(p, secret) {
				t.Errorf("%q in clear on %s", secret, p)
			}
		}
	}
}

// The report in file order needs the batch's own file.
func TestReportWithAnotherFileIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.enqueueCLI("cli-1", "client_orderid,amount,currency,account_number\ncli-1,1.00,USD,1234567890\n")
	v := e.login("viewer")
	st, body := v.upload("/batches/cli-1/report", "other.csv", []byte("client_orderid,amount,currency,account_number\ncli-1,2.00,USD,1234567890\n"), false)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "SHA-256 differs") {
		t.Errorf("report with another file: %d: %s", st, body)
	}
	st, body = v.upload("/batches/cli-1/report", "same.csv", []byte("client_orderid,amount,currency,account_number\ncli-1,1.00,USD,1234567890\n"), false)
	if st != http.StatusOK || !strings.Contains(body, "cli-1,pending") {
		t.Errorf("report with the file: %d: %s", st, body)
	}
}
