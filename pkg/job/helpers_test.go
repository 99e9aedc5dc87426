package job

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// clockAt is a Clock that always tells t.
type clockAt time.Time

func (c clockAt) Now() time.Time { return time.Time(c) }

// testToday is the clock of the tests that do not test card expiry, so that
// their card rows (expiring 2030) stay valid whenever the tests run.
var testToday = clockAt(time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC))

// drop as a value in csvRow removes a base column.
const drop = "\x00drop"

// csvRow builds a header and one row from the base row (a valid bank payout)
// overridden by kv pairs (name, value, name, value, ...), in column order:
// base columns first, then new ones in the order given.
func csvRow(kv ...string) string {
	names := []string{"client_orderid", "amount", "currency", "account_number"}
	vals := map[string]string{"client_orderid": "o1", "amount": "10.00", "currency": "USD", "account_number": "1234567890"}
	for i := 0; i+1 < len(kv); i += 2 {
		if _, ok := vals[kv[i]]; !ok {
			names = append(names, kv[i])
		}
		vals[kv[i]] = kv[i+1]
	}
	var header, row []string
	for _, n := range names {
		if vals[n] == drop {
			continue
		}
		header = append(header, n)
		row = append(row, vals[n])
	}
	return csvLines(header, row)
}

// csvLines writes records as CSV (quoting as needed).
func csvLines(records ...[]string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(records)
	return b.String()
}

// readAll drains a Reader: the jobs, the validation errors, and a final
// non-validation error if any.
func readAll(t testing.TB, in string) ([]Job, []*ValidationError, error) {
	t.Helper()
	return readAllOpts(t, in, WithClock(testToday))
}

// readAllOpts is readAll with options.
func readAllOpts(t testing.TB, in string, opts ...Option) ([]Job, []*ValidationError, error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), "t.csv", opts...)
	var jobs []Job
	var verrs []*ValidationError
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("reader does not end")
		}
		j, err := r.Next()
		if errors.Is(err, io.EOF) {
			return jobs, verrs, nil
		}
		var ve *ValidationError
		if errors.As(err, &ve) {
			verrs = append(verrs, ve)
			continue
		}
		if err != nil {
			return jobs, verrs, err
		}
		jobs = append(jobs, j)
	}
}

// keys lists the Key of each error.
func keys(errs []*ValidationError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Key
	}
	return out
}
