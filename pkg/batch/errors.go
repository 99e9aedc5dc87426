package batch

import (
	"errors"
	"fmt"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

var (
	// ErrUnknownBatch: no manifest for this batch id.
	ErrUnknownBatch = errors.New("unknown batch")
	// ErrBatchConflict: the batch id is already used for a file with different content.
	ErrBatchConflict = errors.New("batch id already used for a different file")
	// ErrEmptyBatch: the file has no data rows.
	ErrEmptyBatch = errors.New("batch has no rows")
	// ErrInvalidBatchID: a --batch value that is not 1-64 letters, digits, '_' or '-'.
	ErrInvalidBatchID = errors.New("invalid batch id")
	// ErrInconsistent: the stream holds jobs of a chunk without its commit marker; enqueue stops
	// rather than risk a duplicate (see docs/enqueue.md).
	ErrInconsistent = errors.New("inconsistent chunk state")
	// errCompletedElsewhere: a concurrent run of the same batch finished it first.
	errCompletedElsewhere = errors.New("batch completed by a concurrent run")
	// ErrWaitTimeout: --wait ended before every row had a result.
	ErrWaitTimeout = errors.New("wait timed out")
)

// InvalidFileError is returned when validation fails: nothing was enqueued. It matches
// job.ErrInvalidBatch and unwraps to the file's *job.Errors.
type InvalidFileError struct {
	Summary job.Summary
	Err     error
}

func (e *InvalidFileError) Error() string {
	return fmt.Sprintf("batch: %s: %d errors in %d rows, nothing enqueued", e.Summary.Source, e.ErrorCount(), e.Summary.Rows)
}

// ErrorCount is how many problems the file has (all counted, some listed).
func (e *InvalidFileError) ErrorCount() int {
	if e.Summary.Errors != nil {
		return e.Summary.Errors.Total
	}
	return 0
}

func (e *InvalidFileError) Unwrap() error { return e.Err }

// unavailable marks NATS connection failures with queue.ErrUnavailable.
func unavailable(err error) error {
	if err != nil && !errors.Is(err, queue.ErrUnavailable) && queue.IsUnavailable(err) {
		return fmt.Errorf("%w: %w", queue.ErrUnavailable, err)
	}
	return err
}
