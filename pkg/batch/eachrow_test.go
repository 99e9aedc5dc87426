package batch_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

// EachRow is the one second read of a validated file (the publish pass, retry and the console's
// check): it reads with the validation's clock, reports a file that no longer reads as
// ErrInconsistent, and stops at the callback's first error.
func TestEachRow(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	last := now.AddDate(0, 0, -now.Day()) // a day of last month
	expiredNow := "client_orderid,amount,currency,credit_card_number,card_printed_name,expire_month,expire_year\n" +
		"c-1,10.00,USD,4111111111111111,ANN EXAMPLE," + last.Format("01") + "," + last.Format("2006") + "\n"
	errStop := errors.New("stop")
	tests := []struct {
		name        string
		content     string
		validatedAt time.Time
		stopAt      string // the callback fails on this row
		wantRows    []string
		wantErr     error
	}{
		{"every row in file order", csvRows("o", 0, 3), now, "", []string{"o-0", "o-1", "o-2"}, nil},
		{"the validation's clock, not today's", expiredNow, last, "", []string{"c-1"}, nil},
		{"a row that no longer reads", expiredNow, now, "", nil, batch.ErrInconsistent},
		{"changed after the first row", csvRows("o", 0, 1) + "o-9,ten,USD,1234567890\n", now, "", []string{"o-0"}, batch.ErrInconsistent},
		{"the callback's error stops it", csvRows("o", 0, 3), now, "o-1", []string{"o-0", "o-1"}, errStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := batch.Plan{BatchID: "b", ValidatedAt: tt.validatedAt}
			var got []string
			err := p.EachRow(stringInput("f.csv", tt.content), func(j job.Job) error {
				got = append(got, j.ClientOrderID)
				if j.ClientOrderID == tt.stopAt {
					return errStop
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.wantRows) {
				t.Errorf("rows = %v, want %v", got, tt.wantRows)
			}
		})
	}
}
