package batch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

var (
	// ErrNotEnqueued: Wait was asked to follow a batch whose publishing has not finished.
	ErrNotEnqueued = errors.New("batch is not fully enqueued")
	// ErrResultsMissing: the batch is completed (every result was published) but some results are
	// no longer in the results stream (older than its max age, or deleted), so waiting cannot end.
	ErrResultsMissing = errors.New("batch completed but some results are no longer in the results stream")
)

// WaitOptions configure Wait.
type WaitOptions struct {
	Names   queue.Names   // default queue.DefaultNames()
	Timeout time.Duration // 0: until every row has a result (or ctx ends)
	// OnResult, if set, is called with each row's result (the first per client_orderid, and
	// again with one of a higher generation, which supersedes it), e.g. to collect them for
	// WriteReport.
	OnResult func(job.Result)
	// Progress, if set, is called after each new result.
	Progress func(Progress)
	// Summary: also wait for the workers' batch summary (of the manifest's summary generation),
	// which they publish after the batch's last result. Without it Wait returns once every row
	// has a result (it always waits for the summary of a batch that `enqueue --retry` put rows
	// back into).
	Summary bool
	Log     zerolog.Logger
}

// WaitResult is what Wait saw.
type WaitResult struct {
	BatchID  string
	Expected int // rows this batch enqueued
	Results  int // distinct rows with a result
	Counts   map[job.Status]int
	Totals   map[job.Status]job.Totals
	Summary  *job.BatchSummary // the worker's batch summary, if it arrived while waiting
}

// AllApproved reports whether every expected row has an approved result.
func (w WaitResult) AllApproved() bool {
	return w.Results == w.Expected && w.Counts[job.StatusApproved] == w.Expected
}

// Wait follows a batch's results (stream PAYOUT_RESULTS, subject payouts.results.<batch>) from
// the start of the stream until every row the batch enqueued has a result, so it works as well
// for a batch enqueued long ago. Results are deduplicated by client_orderid, a result of a
// higher generation superseding the row's earlier one. When `enqueue --retry` put rows back
// (the manifest's summary generation g > 0), it also waits for the summary of generation g, which
// the worker publishes after the put-back rows' new results. It returns ErrWaitTimeout (with what
// it saw) if Timeout passes first.
func Wait(ctx context.Context, js jetstream.JetStream, batches jetstream.KeyValue, batchID string, o WaitOptions) (WaitResult, error) {
	if o.Names == (queue.Names{}) {
		o.Names = queue.DefaultNames()
	}
	res := WaitResult{BatchID: batchID, Counts: map[job.Status]int{}, Totals: map[job.Status]job.Totals{}}
	m, _, err := ReadManifest(ctx, batches, batchID)
	if err != nil {
		return res, err
	}
	if m.State == StatePublishing {
		return res, fmt.Errorf("batch: wait %s: %w (re-run enqueue to finish it)", batchID, ErrNotEnqueued)
	}
	res.Expected = m.Enqueued
	if res.Expected == 0 {
		return res, nil
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	resultSubj, summarySubj := o.Names.ResultSubject(batchID), o.Names.SummarySubject(batchID)
	// Once the batch is completed every result was published before its summary; if the stream then
	// holds fewer results than rows, they expired: say so instead of waiting for ever.
	gen := m.SummaryGeneration // the summary generation to wait for
	needSummary := gen > 0 || o.Summary
	complete := m.State == StateCompleted
	missing := func() (WaitResult, error) {
		return res, fmt.Errorf("batch: wait %s: %w: %d of %d rows have results in stream %s", batchID, ErrResultsMissing, res.Results, res.Expected, o.Names.ResultStream)
	}
	if complete {
		n, err := storedResults(ctx, js, o.Names.ResultStream, resultSubj)
		if err != nil {
			return res, fmt.Errorf("batch: wait %s: %w", batchID, unavailable(err))
		}
		if n < uint64(res.Expected) {
			return missing()
		}
	}
	cons, err := js.OrderedConsumer(ctx, o.Names.ResultStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{resultSubj, summarySubj},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return res, fmt.Errorf("batch: wait %s: %w", batchID, unavailable(err))
	}
	it, err := cons.Messages()
	if err != nil {
		return res, fmt.Errorf("batch: wait %s: %w", batchID, unavailable(err))
	}
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { // Next blocks; stopping the iterator is how ctx ends it
		defer close(stopped)
		<-ctx.Done()
		it.Stop()
	}()
	defer func() { cancel(); <-stopped }()
	seen := make(map[string]job.Result, res.Expected)
	caughtUp := false // the last message was the last one in the stream so far
	summaryGen := -1  // the highest summary generation seen
	for res.Results < res.Expected || (needSummary && summaryGen < gen) {
		if complete && caughtUp {
			return missing()
		}
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				if errors.Is(ctx.Err(), context.DeadlineExceeded) && o.Timeout > 0 {
					return res, fmt.Errorf("batch: wait %s: %w after %s: %d of %d rows have results", batchID, ErrWaitTimeout, o.Timeout, res.Results, res.Expected)
				}
				return res, fmt.Errorf("batch: wait %s: %w", batchID, ctx.Err())
			}
			return res, fmt.Errorf("batch: wait %s: %w", batchID, unavailable(err))
		}
		caughtUp = false
		if meta, err := msg.Metadata(); err == nil {
			caughtUp = meta.NumPending == 0
		}
		if msg.Subject() == summarySubj {
			s, err := job.DecodeBatchSummary(msg.Data())
			if err != nil {
				o.Log.Warn().Err(err).Msg("undecodable batch summary skipped")
				continue
			}
			if s.Generation >= gen {
				complete = true // every result of this generation was published before it
			}
			if s.Generation > summaryGen {
				summaryGen, res.Summary = s.Generation, &s
			}
			continue
		}
		r, err := job.DecodeResult(msg.Data())
		if err != nil || r.BatchID != batchID {
			o.Log.Warn().Err(err).Str("batch", r.BatchID).Msg("undecodable or foreign result skipped")
			continue
		}
		if prev, dup := seen[r.ClientOrderID]; dup && r.Generation <= prev.Generation {
			continue
		} else if dup {
			res.tally(prev, -1) // superseded by a put-back row's new result
		} else {
			res.Results++
		}
		seen[r.ClientOrderID] = r
		res.tally(r, 1)
		if o.OnResult != nil {
			o.OnResult(r)
		}
		if o.Progress != nil {
			o.Progress(Progress{Rows: res.Results, Total: res.Expected})
		}
	}
	return res, nil
}

// tally adds (sign 1) or removes (sign -1) a result from the counts and totals.
func (w *WaitResult) tally(r job.Result, sign int) {
	w.Counts[r.Status] += sign
	a, err := job.ParseAmount(r.Amount, r.Currency)
	if err != nil {
		return
	}
	if sign < 0 {
		a.Minor = -a.Minor
	}
	t := w.Totals[r.Status]
	if t == nil {
		t = job.Totals{}
		w.Totals[r.Status] = t
	}
	_ = t.Add(a) // overflow of a control total cannot happen for validated batches
	if t[a.Currency].Minor == 0 {
		delete(t, a.Currency) // amounts are positive: only a superseded result's currency gets here
	}
	if w.Counts[r.Status] == 0 {
		delete(w.Counts, r.Status)
		delete(w.Totals, r.Status)
	}
}

// storedResults is how many messages the results stream holds on subject.
func storedResults(ctx context.Context, js jetstream.JetStream, stream, subject string) (uint64, error) {
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return 0, err
	}
	return info.State.Subjects[subject], nil
}
