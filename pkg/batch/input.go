package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// Input is a batch file. Open is called once to validate and once to publish; both reads must
// return the same bytes (Enqueue checks the SHA-256 of the second read).
type Input struct {
	Name string // shown in errors and stored in the manifest ("-" for stdin)
	Open func() (io.ReadCloser, error)
}

// FileInput reads the file at path, once per pass. If the file can change while a batch is
// enqueued, use SpoolInput on it instead: Enqueue notices a changed file only at the end of the
// publish pass, after the chunks read so far are published.
func FileInput(path string) Input {
	return Input{Name: path, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// Plan is a validated batch file, ready to enqueue.
type Plan struct {
	BatchID string
	Source  string
	SHA256  string // hex
	Summary job.Summary
	// ValidatedAt is the moment card expiry dates were checked against; the publish pass checks
	// them against the same moment, so a month that ends between the two passes cannot make the
	// second refuse a row the first accepted.
	ValidatedAt time.Time
	// Limit is the job size every row was checked against; Enqueue checks again against the
	// stream's real limit when that is smaller (or Limit.Bytes is 0).
	Limit     JobLimit
	maxErrors int
	opts      []job.Option // the options validation ran with, for a second check
}

// fixedClock is a job.Clock that always answers the same time.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// EachRow reads the plan's input again, as ValidateInput read it (card expiry dates checked
// against ValidatedAt), and calls fn with each row in file order. It stops at fn's first error
// and returns it. A row that no longer reads means the input changed since it was validated: the
// error wraps ErrInconsistent and the row's problem.
func (p Plan) EachRow(in Input, fn func(job.Job) error) error {
	rc, err := in.Open()
	if err != nil {
		return fmt.Errorf("batch: open %s: %w", in.Name, err)
	}
	defer rc.Close()
	return p.readRows(rc, in.Name, fn)
}

// readRows is EachRow on a reader the caller opened.
func (p Plan) readRows(r io.Reader, name string, fn func(job.Job) error) error {
	rd := job.NewReader(r, name, job.WithClock(fixedClock(p.ValidatedAt)))
	for {
		j, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("batch: %s changed since it was validated: %w: %w", name, ErrInconsistent, err)
		}
		if err := fn(j); err != nil {
			return err
		}
	}
}

// ValidateInput reads the whole input, validates every row (pkg/job), checks that each row's job
// message fits limit (a row that does not is invalid: "the job would be N bytes; the stream allows
// M") and hashes the bytes. An empty batchID is derived from the content: "b-" + the first 20 hex
// digits of the SHA-256. A file with any invalid row returns an *InvalidFileError (matching
// job.ErrInvalidBatch); a file without rows ErrEmptyBatch. Pass the stream's real limit
// (Enqueuer.JobLimit) when connected; without NATS, the configured one, which Enqueue checks
// again against the real one. opts go to job.ValidateFile after the error cap, the clock and the
// size limit (e.g. job.WithStrict).
func ValidateInput(in Input, batchID string, maxErrors int, limit JobLimit, opts ...job.Option) (Plan, error) {
	return validateInput(in, batchID, maxErrors, limit, time.Now().UTC(), opts)
}

// validateInput is ValidateInput with card expiry dates checked against now.
func validateInput(in Input, batchID string, maxErrors int, limit JobLimit, now time.Time, opts []job.Option) (Plan, error) {
	if batchID != "" && !queue.IsPlainToken(batchID) {
		return Plan{}, fmt.Errorf("batch: %q: %w: want 1-64 letters, digits, '_' or '-', not 'h' + 52 lowercase base32 characters (the form of a hashed id)", batchID, ErrInvalidBatchID)
	}
	rc, err := in.Open()
	if err != nil {
		return Plan{}, fmt.Errorf("batch: open %s: %w", in.Name, err)
	}
	defer rc.Close()
	h := sha256.New()
	tee := io.TeeReader(rc, h)
	sum, err := job.ValidateFile(tee, in.Name, append([]job.Option{job.WithMaxErrors(maxErrors), job.WithClock(fixedClock(now)),
		job.WithSizeLimit(limit.sizeLimit(batchID))}, opts...)...)
	if err != nil && !errors.Is(err, job.ErrInvalidBatch) {
		return Plan{}, fmt.Errorf("batch: read %s: %w", in.Name, err)
	}
	if _, cerr := io.Copy(io.Discard, tee); cerr != nil {
		return Plan{}, fmt.Errorf("batch: read %s: %w", in.Name, cerr)
	}
	if err != nil {
		return Plan{}, &InvalidFileError{Summary: sum, Err: err}
	}
	if sum.Valid == 0 {
		return Plan{}, fmt.Errorf("batch: %s: %w", in.Name, ErrEmptyBatch)
	}
	p := Plan{BatchID: batchID, Source: in.Name, SHA256: hex.EncodeToString(h.Sum(nil)), Summary: sum, ValidatedAt: now,
		Limit: limit, maxErrors: maxErrors, opts: opts}
	if p.BatchID == "" {
		p.BatchID = "b-" + p.SHA256[:20]
	}
	return p, nil
}
