package batch_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

// A result written by any publisher cannot put a card number, a terminal escape or a control
// character into the report.
func TestReportNeutralisesGatewayTexts(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	in := stringInput("f.csv", "client_orderid,amount,currency,account_number\no1,1.00,USD,1234567890\n")
	results := map[string]job.Result{"o1": {ClientOrderID: "o1", Status: job.StatusDeclined, Amount: "1.00", Currency: "USD",
		PaynetOrderID: "69\x1b[2J82", SerialNumber: "s\u202e1", ErrorCode: "4111111111111111",
		ErrorMessage: "card 4111.1111.1111.1111\r\n=cmd|' /C calc'!A0", Destination: "card ************1111 12/2030"}}
	if err := batch.WriteReport(&b, batch.ReportInfo{BatchID: "b", Input: in, ReadAt: time.Now()}, results, batch.ReportOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"4111111111111111", "4111.1111", "\x1b", "\u202e", "\r\n="} {
		if strings.Contains(out, bad) {
			t.Errorf("report holds %q:\n%q", bad, out)
		}
	}
	if !strings.Contains(out, "card ************1111 12/2030") || !strings.Contains(out, "************1111") {
		t.Errorf("report lost the masked destination or code:\n%s", out)
	}
}
