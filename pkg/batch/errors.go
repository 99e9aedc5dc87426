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
	// ErrReportFormat: an unknown report format.
	ErrReportFormat = errors.New("unknown report format")
	// ErrChunkRefused: the stream refused a chunk; nothing of it was stored (see ChunkRefusedError).
	ErrChunkRefused = errors.New("chunk refused by the stream")
)

// ChunkRefusedError is returned by Enqueue when the stream refused a chunk of jobs (a job too
// large, the stream full, ...): nothing of the chunk was stored, its rows' client_orderid
// reservations were released so that the rows can be enqueued again, and the manifest, still
// publishing, records the refusal (Manifest.Refused). Chunks stored before stay stored; running
// the same command again once the cause is fixed completes the batch. It matches ErrChunkRefused
// and unwraps to the server's answer.
type ChunkRefusedError struct {
	BatchID             string
	Chunk               int
	FirstLine, LastLine int
	Rows                int
	Err                 error
}

func (e *ChunkRefusedError) Error() string {
	return fmt.Sprintf("batch %s: chunk %d (lines %d-%d, %d rows) was refused by the stream: %v; nothing of it was stored and its client_orderids were released; "+
		"chunks stored before stay enqueued and the batch stays 'publishing': fix the cause and run the same command again to finish it",
		e.BatchID, e.Chunk, e.FirstLine, e.LastLine, e.Rows, e.Err)
}

// Is makes errors.Is(err, ErrChunkRefused) true.
func (e *ChunkRefusedError) Is(target error) bool { return target == ErrChunkRefused }

func (e *ChunkRefusedError) Unwrap() error { return e.Err }

// InvalidFileError is returned when validation fails: nothing was enqueued. It matches
// job.ErrInvalidBatch and unwraps to the file's *job.Errors.
type InvalidFileError struct {
	Summary job.Summary
	Err     error
}

func (e *InvalidFileError) Error() string {
	return fmt.Sprintf("batch: %s: %s, nothing enqueued", e.Summary.Source, e.Counts())
}

// Counts says how many errors the file has and where, in words: "1 error in 1 row",
// "3 errors in 2 rows", "1 error in the header", "4 errors: 1 in the header, 3 in 2 rows".
func (e *InvalidFileError) Counts() string {
	total, inRows := e.ErrorCount(), e.Summary.RowErrors
	other := total - inRows
	where := "the file"
	if e.Summary.Layout.HeaderLine > 0 {
		where = "the header"
	}
	rows := fmt.Sprintf("%s in %s", plural(inRows, "error"), plural(e.Summary.ErrorRows, "row"))
	switch {
	case other <= 0:
		return rows
	case inRows == 0:
		return plural(other, "error") + " in " + where
	}
	return fmt.Sprintf("%s: %d in %s, %d in %s", plural(total, "error"), other, where, inRows, plural(e.Summary.ErrorRows, "row"))
}

// plural is "1 row", "2 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
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
