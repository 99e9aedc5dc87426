package batch_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

// The publish pass checks card expiry against the moment the file was validated: a card that
// was valid then is published even if its month has ended since (the run crossed midnight at a
// month's end), instead of stopping the batch halfway as inconsistent.
func TestPublishPassUsesTheValidationClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	last := time.Now().UTC().AddDate(0, 0, -time.Now().UTC().Day()) // a day of last month
	content := "client_orderid,amount,currency,credit_card_number,card_printed_name,expire_month,expire_year\n" +
		"c-1,10.00,USD,4111111111111111,ANN EXAMPLE," + last.Format("01") + "," + last.Format("2006") + "\n"
	in := stringInput("cards.csv", content)
	if _, err := batch.ValidateInput(in, "", 10, batch.JobLimit{}); err == nil {
		t.Fatal("a card that expired last month passed validation today")
	}
	before := time.Now()
	if p := plan(t, stringInput("ok.csv", csvRows("o", 0, 1)), ""); p.ValidatedAt.Before(before.Add(-time.Second)) || p.ValidatedAt.After(time.Now()) {
		t.Fatalf("ValidatedAt = %v, want the validation moment", p.ValidatedAt)
	}

	// The same file as validated on a day of its card's last valid month.
	amount, err := job.ParseAmount("10.00", "USD")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	p := batch.Plan{BatchID: "month-end", Source: "cards.csv", SHA256: hex.EncodeToString(sum[:]), ValidatedAt: last,
		Summary: job.Summary{Source: "cards.csv", Rows: 1, Valid: 1, Totals: job.Totals{"USD": amount}}}
	r, err := e.enqueuer(t, batch.Options{}).Enqueue(ctxTimeout(t, time.Minute), in, p)
	if err != nil {
		t.Fatalf("publish pass: %v", err)
	}
	if r.Enqueued != 1 {
		t.Fatalf("report = %+v, want the row enqueued", r)
	}
	assertExactlyOnce(t, e, "month-end", 1)
}
