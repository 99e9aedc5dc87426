package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
)

// ErrBatchRunning: a retry was asked for a batch whose summary is not out yet (state publishing
// or enqueued); rows are put back only once every row of the batch has its result.
var ErrBatchRunning = errors.New("batch is still running")

// RetryRow is one row of a retry run: put back with its new Generation, or refused with Reason.
type RetryRow struct {
	Line          int
	ClientOrderID string
	Generation    int
	Reason        string
}

// RetryReport is the outcome of Retry.
type RetryReport struct {
	BatchID string
	PutBack []RetryRow // rows whose job is in the stream again (this run or an earlier one)
	Refused []RetryRow // every other row of the file, with the reason
}

// Retry puts back the rows of a completed batch that were written off with proof that no payout
// request of them ever left (payout.Entry.ProvenUnsent: dead-lettered as error/DEAD_LETTER
// before any request reached the gateway). in is a file of the batch's rows (the original, or
// one with those rows corrected), validated as p; p.BatchID is the batch. For each such row it
// moves the ledger entry to pending_retry with the next retry generation (compare-and-set; the
// row's failures start again, its attempts are kept) and publishes the row's job again under the
// generation's msg id; the client_orderid stays reserved for the batch. The worker then pays the
// row and publishes its result with that generation (docs/job.md). Every other row of the file is
// refused with the reason. Running it again is safe: rows already put back (pending_retry with a
// generation) are published again under the same msg id, which the stream deduplicates within its
// window and the ledger makes harmless after it.
func (e *Enqueuer) Retry(ctx context.Context, in Input, p Plan) (RetryReport, error) {
	rep := RetryReport{BatchID: p.BatchID}
	if e.ledger == nil {
		return rep, errors.New("batch: retry: no ledger bucket handle")
	}
	m, _, err := ReadManifest(ctx, e.batches, p.BatchID)
	if err != nil {
		return rep, err
	}
	if m.State != StateCompleted && m.State != StateRetrying {
		return rep, fmt.Errorf("batch: retry %s: %w (state %s): put rows back once the batch's summary is out", p.BatchID, ErrBatchRunning, m.State)
	}
	if m.State == StateCompleted {
		if err := e.startRetry(ctx, in, p); err != nil {
			return rep, err
		}
	}
	err = p.EachRow(in, func(j job.Job) error {
		row, put, err := e.retryRow(ctx, p.BatchID, j)
		if err != nil {
			return err
		}
		if put {
			rep.PutBack = append(rep.PutBack, row)
		} else {
			rep.Refused = append(rep.Refused, row)
		}
		return nil
	})
	return rep, err
}

// retryRow puts one row back (put) or says why not.
func (e *Enqueuer) retryRow(ctx context.Context, batchID string, j job.Job) (RetryRow, bool, error) {
	row := RetryRow{Line: j.Line, ClientOrderID: j.ClientOrderID}
	refuse := func(format string, args ...any) (RetryRow, bool, error) {
		row.Reason = fmt.Sprintf(format, args...)
		return row, false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	resKey := e.opts.Names.OrderKey(j.ClientOrderID)
	owner, err := e.orders.Get(ctx, resKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return refuse("not reserved: the row was never enqueued; enqueue it as a new batch")
	case err != nil:
		return row, false, fmt.Errorf("batch: retry: reservation of %q: %w", j.ClientOrderID, unavailable(err))
	}
	res, err := queue.DecodeReservation(owner.Value())
	if err != nil {
		return refuse("its reservation cannot be read (%v); a person must look", err)
	}
	if res.BatchID != batchID {
		return refuse("belongs to batch %s", res.BatchID)
	}
	key := e.opts.Names.LedgerKey(batchID, j.ClientOrderID)
	kve, err := e.ledger.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return refuse("no ledger entry: the worker has no record of the row; a person must look")
	case err != nil:
		return row, false, fmt.Errorf("batch: retry: ledger %s: %w", key, unavailable(err))
	}
	var en payout.Entry
	if err := json.Unmarshal(kve.Value(), &en); err != nil {
		return row, false, fmt.Errorf("batch: retry: ledger %s: %w", key, err)
	}
	switch {
	case en.State == payout.StatePendingRetry && en.Generation > 0:
		row.Generation = en.Generation // put back by an earlier run: publish again (idempotent)
	case en.ProvenUnsent():
		next := payout.Entry{Version: en.Version, BatchID: en.BatchID, ClientOrderID: en.ClientOrderID, Line: j.Line,
			State: payout.StatePendingRetry, Attempts: en.Attempts, Generation: en.Generation + 1,
			Reason: fmt.Sprintf("put back by enqueue --retry (generation %d): the ledger proves no request was ever sent", en.Generation+1)}
		b, err := json.Marshal(next)
		if err != nil {
			return row, false, fmt.Errorf("batch: retry: encode %s: %w", key, err)
		}
		if _, err := e.ledger.Update(ctx, key, b, kve.Revision()); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
				return refuse("its ledger entry changed meanwhile; run the retry again")
			}
			return row, false, fmt.Errorf("batch: retry: ledger %s: %w", key, unavailable(err))
		}
		row.Generation = next.Generation
	default:
		return refuse("%s", whyNotUnsent(&en))
	}
	data, digest, err := e.encodeJob(batchID, j) // sealed as enqueue seals it
	if err != nil {
		return row, false, fmt.Errorf("batch: retry: %w", err)
	}
	if res.Digest != digest {
		// A corrected row (or one reserved before the content binding): the worker pays only
		// content that matches the reservation, so bind the row's new content first. Only a row
		// the ledger proves unsent gets here.
		res.Digest = digest
		if _, err := e.orders.Update(ctx, resKey, res.Encode(), owner.Revision()); err != nil {
			return row, false, fmt.Errorf("batch: retry: rebind the reservation of line %d (its ledger entry is put back; run the retry again): %w", j.Line, unavailable(err))
		}
	}
	id := e.opts.Names.GenerationMsgID(e.opts.Names.JobMsgID(batchID, j.ClientOrderID), row.Generation)
	if _, err := e.js.Publish(ctx, e.opts.Names.JobSubject(batchID), data, jetstream.WithMsgID(id)); err != nil {
		return row, false, fmt.Errorf("batch: retry: publish line %d (its ledger entry is put back; run the retry again): %w", j.Line, unavailable(err))
	}
	return row, true, nil
}

// whyNotUnsent says why a row that is not ProvenUnsent cannot be put back.
func whyNotUnsent(en *payout.Entry) string {
	switch {
	case en.State != payout.StateFinal && en.State != payout.StateReported:
		return fmt.Sprintf("in progress (ledger state %s)", en.State)
	case en.Result == job.StatusUnresolved:
		return fmt.Sprintf("result unresolved: a payout may exist (order %q); a person must reconcile it with ConnPay", en.OrderID)
	case en.Result == job.StatusRejected:
		return fmt.Sprintf("rejected by the gateway (code %s): the request reached the gateway; enqueue a corrected row under a new client_orderid", en.ErrorCode)
	case en.Result != job.StatusError:
		return fmt.Sprintf("result %s (order %s): the gateway decided it", en.Result, en.OrderID)
	}
	return fmt.Sprintf("result error (code %s), but a request reached the gateway (its outcome was unknown, refused or re-sent): no proof that nothing was sent", en.ErrorCode)
}

// startRetry opens the batch's next summary generation before any row is put back: it counts
// the rows of the file that can be put back (read only) and, if there are any, marks the
// manifest retrying with SummaryGeneration+1, the results stored now (RetryBase) and that count
// (RetryRows), dropping the worker's summary marks. The worker then publishes the new
// generation's summary once those rows have their new results. A run interrupted after the mark
// is completed by running it again (the batch stays retrying meanwhile).
func (e *Enqueuer) startRetry(ctx context.Context, in Input, p Plan) error {
	n := 0
	err := p.EachRow(in, func(j job.Job) error {
		ok, err := e.putBackable(ctx, p.BatchID, j)
		if err != nil {
			return err
		}
		if ok {
			n++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	base, err := storedResults(ctx, e.js, e.opts.Names.ResultStream, e.opts.Names.ResultSubject(p.BatchID))
	if err != nil {
		return fmt.Errorf("batch: retry %s: %w", p.BatchID, unavailable(err))
	}
	m, err := updateManifest(ctx, e.batches, p.BatchID, e.opts.Now, func(m *Manifest) bool {
		if m.State != StateCompleted {
			return false // another run marked it
		}
		m.State, m.SummaryGeneration, m.RetryBase, m.RetryRows = StateRetrying, m.SummaryGeneration+1, int(base), n
		return true
	})
	if err != nil {
		return err
	}
	if m.State != StateRetrying {
		return fmt.Errorf("batch: retry %s: %w (state %s)", p.BatchID, ErrBatchRunning, m.State)
	}
	return nil
}

// putBackable reports whether retryRow would put the row back (reads only).
func (e *Enqueuer) putBackable(ctx context.Context, batchID string, j job.Job) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	owner, err := e.orders.Get(ctx, e.opts.Names.OrderKey(j.ClientOrderID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("batch: retry: reservation of %q: %w", j.ClientOrderID, unavailable(err))
	}
	if res, err := queue.DecodeReservation(owner.Value()); err != nil || res.BatchID != batchID {
		return false, nil
	}
	kve, err := e.ledger.Get(ctx, e.opts.Names.LedgerKey(batchID, j.ClientOrderID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("batch: retry: ledger of %q: %w", j.ClientOrderID, unavailable(err))
	}
	var en payout.Entry
	if err := json.Unmarshal(kve.Value(), &en); err != nil {
		return false, nil // retryRow reports it
	}
	return (en.State == payout.StatePendingRetry && en.Generation > 0) || en.ProvenUnsent(), nil
}
