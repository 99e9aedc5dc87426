package batch_test

import (
	"testing"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

func TestInvalidFileCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		total, rowErrs, rows, headerLine int
		want                             string
	}{
		{1, 1, 1, 1, "1 error in 1 row"},
		{3, 3, 2, 1, "3 errors in 2 rows"},
		{1, 0, 0, 1, "1 error in the header"},
		{1, 0, 0, 0, "1 error in the file"},
		{4, 3, 2, 1, "4 errors: 1 in the header, 3 in 2 rows"},
		{2, 1, 1, 1, "2 errors: 1 in the header, 1 in 1 row"},
	}
	for _, tt := range tests {
		e := &batch.InvalidFileError{Summary: job.Summary{Errors: &job.Errors{Total: tt.total}, RowErrors: tt.rowErrs, ErrorRows: tt.rows,
			Layout: job.Layout{HeaderLine: tt.headerLine}}}
		if got := e.Counts(); got != tt.want {
			t.Errorf("Counts() = %q, want %q", got, tt.want)
		}
	}
}
