package job

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/job/jobtest"
)

// Invariant 6 (every row validation accepts can be published and paid) and invariant 3 (money is
// exact): for every currency and every length of amount the gateway allows, written as finance
// writes it (all the currency's fraction digits) and in its shortest form, a row the Reader
// accepts becomes a job message that decodes, whose amount and payout parameter are the shortest
// exact form (at most MaxAmountLength characters) and whose value is the row's, unchanged.
func TestEveryAcceptedAmountIsCarriedPayable(t *testing.T) {
	t.Parallel()
	for _, cur := range Currencies() {
		minor, _ := MinorUnits(cur)
		var rows [][]string
		var want []jobtest.AmountCase
		for _, c := range jobtest.Amounts(minor, MaxAmountLength) {
			for _, written := range []string{c.Written, c.Shortest} {
				rows = append(rows, []string{fmt.Sprintf("o%d", len(rows)), written, cur, "1234567890"})
				want = append(want, c)
			}
		}
		in := csvLines(append([][]string{{"client_orderid", "amount", "currency", "account_number"}}, rows...)...)
		jobs, verrs, err := readAll(t, in)
		if err != nil || len(verrs) > 0 || len(jobs) != len(rows) {
			t.Fatalf("%s: %d jobs of %d rows, errors %v %v", cur, len(jobs), len(rows), verrs, err)
		}
		for i, j := range jobs {
			data, err := json.Marshal(NewMessage("B", j))
			if err != nil {
				t.Fatal(err)
			}
			m, err := DecodeMessage(data)
			if err != nil {
				t.Fatalf("%s %q: the accepted row's job message does not decode: %v", cur, rows[i][1], err)
			}
			back, err := m.Job()
			if err != nil || back.Amount != j.Amount {
				t.Fatalf("%s %q: job %+v, %v; want %+v", cur, rows[i][1], back.Amount, err, j.Amount)
			}
			sent := back.Param("amount")
			for _, p := range back.PayoutParams() {
				if p.Name == "amount" {
					sent = p.Value
				}
			}
			if m.Amount != want[i].Shortest || sent != want[i].Shortest || len(sent) > MaxAmountLength {
				t.Fatalf("%s %q: carried %q, sent %q; want %q (at most %d characters)", cur, rows[i][1], m.Amount, sent, want[i].Shortest, MaxAmountLength)
			}
			if minorUnits, _ := strconv.ParseInt(strings.Replace(want[i].Written, ".", "", 1), 10, 64); j.Amount.Minor != minorUnits {
				t.Fatalf("%s %q: %d minor units, want %d", cur, rows[i][1], j.Amount.Minor, minorUnits)
			}
		}
	}
}
