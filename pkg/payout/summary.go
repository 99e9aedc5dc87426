package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// summarizer publishes a batch's summary once every row has its result.
type summarizer struct {
	js      jetstream.JetStream
	batches jetstream.KeyValue
	names   queue.Names
	log     zerolog.Logger
	met     *metrics
	now     func() time.Time
	retry   time.Duration // wait before watching the manifests again

	mu      sync.Mutex
	rows    map[string]int // batch -> rows of an enqueued manifest, cached until its summary is out
	results jetstream.Stream
}

// resultStream returns the results stream's handle, looked up once.
func (s *summarizer) resultStream(ctx context.Context) (jetstream.Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.results == nil {
		st, err := s.js.Stream(ctx, s.names.ResultStream)
		if err != nil {
			return nil, fmt.Errorf("payout: summary: results stream: %w", err)
		}
		s.results = st
	}
	return s.results, nil
}

func newSummarizer(js jetstream.JetStream, batches jetstream.KeyValue, names queue.Names, log zerolog.Logger, met *metrics, now func() time.Time) *summarizer {
	return &summarizer{js: js, batches: batches, names: names, log: log, met: met, now: now, retry: 2 * time.Second,
		rows: map[string]int{}}
}

// Manifest fields (pkg/batch's Manifest, JSON) the worker reads and writes. The worker reads
// the manifest as raw fields so that marking it keeps everything it does not know.
const (
	manifestBatchField    = "batch_id"
	manifestStateField    = "state"
	manifestEnqueuedField = "enqueued"              // rows published by this batch (duplicates skipped)
	manifestSummaryField  = "summary_published_at"  // added by the worker
	manifestClaimField    = "summary_claimed_until" // added by the worker: who publishes the summary
	manifestGenField      = "summary_generation"    // set by enqueue --retry: the next summary's generation
	manifestRetryBase     = "retry_base"            // results stored when that retry started
	manifestRetryRows     = "retry_rows"            // rows it puts back
	stateEnqueued         = "enqueued"              // every job is in the stream: the count is final
	stateRetrying         = "retrying"              // enqueue --retry put rows back: a new summary generation is due
	stateCompleted        = "completed"             // set by the worker with the summary
)

// manifestView is what the summarizer needs from a manifest.
type manifestView struct {
	batchID  string
	state    string
	enqueued int
	counted  bool      // the enqueued field is present (0 is a count: every row was a duplicate)
	done     bool      // completed, or the summary already published
	claimed  time.Time // a publisher holds the summary claim until then
	// generation of the summary due, and for a retrying batch the results it waits for.
	generation, retryBase, retryRows int
}

// expectation is what a batch's summary waits for: a result for each of rows, and at least
// results messages on the results subject (more than rows once rows were put back).
type expectation struct {
	rows, results, generation int
}

// expect is what the manifest's summary waits for; ok is false when none is due (no final
// row count yet, or the summary is out).
func (v manifestView) expect() (expectation, bool) {
	if v.done || !v.counted || v.enqueued < 0 {
		return expectation{}, false
	}
	switch v.state {
	case stateEnqueued:
		return expectation{rows: v.enqueued, results: v.enqueued, generation: v.generation}, true
	case stateRetrying:
		return expectation{rows: v.enqueued, results: v.retryBase + v.retryRows, generation: v.generation}, true
	}
	return expectation{}, false
}

func viewManifest(m map[string]json.RawMessage) manifestView {
	var v manifestView
	_ = json.Unmarshal(m[manifestBatchField], &v.batchID)
	_ = json.Unmarshal(m[manifestStateField], &v.state)
	if raw, ok := m[manifestEnqueuedField]; ok {
		v.counted = json.Unmarshal(raw, &v.enqueued) == nil
	}
	_ = json.Unmarshal(m[manifestClaimField], &v.claimed)
	_ = json.Unmarshal(m[manifestGenField], &v.generation)
	_ = json.Unmarshal(m[manifestRetryBase], &v.retryBase)
	_ = json.Unmarshal(m[manifestRetryRows], &v.retryRows)
	_, published := m[manifestSummaryField]
	v.done = published || v.state == stateCompleted
	return v
}

// summaryPerRow is the time budgeted per row for reading a batch's results into its summary
// (a slow 5,000 results/s), on top of ioTimeout: a million-row batch gets minutes, not the
// seconds of one publish, so its summary is not starved by a fixed deadline.
const summaryPerRow = 200 * time.Microsecond

func summaryBudget(rows int) time.Duration { return ioTimeout + time.Duration(rows)*summaryPerRow }

// afterResult publishes the batch summary when the results stream holds a result for every row
// of the batch's manifest (at once for a manifest of 0 rows). It is idempotent: the summary's
// message id dedups concurrent publishers, a summary already on the stream is not published
// again, and the manifest is marked (CAS) so that later checks stop before reading the stream.
func (s *summarizer) afterResult(ctx context.Context, batch string, keepAlive func()) error {
	ectx, cancel := context.WithTimeout(ctx, ioTimeout)
	want, ok, err := s.expected(ectx, batch)
	cancel()
	if err != nil || !ok {
		return err
	}
	rows := want.rows
	ctx, cancelBudget := context.WithTimeout(ctx, summaryBudget(rows))
	defer cancelBudget()
	subject := s.names.ResultSubject(batch)
	stream, err := s.resultStream(ctx)
	if err != nil {
		return err
	}
	if n, err := s.count(ctx, stream, subject); err != nil || n < uint64(want.results) {
		return err
	}
	for {
		claimed, done, v, err := s.claim(ctx, batch, summaryBudget(rows), keepAlive)
		if err != nil || done {
			return err
		}
		if claimed {
			// The claimed manifest decides (a cached count may predate a retry).
			want, _ = v.expect()
			break
		}
	}
	if n, err := s.count(ctx, stream, subject); err != nil || n < uint64(want.results) {
		s.release(ctx, batch)
		return err
	}
	published, err := s.publish(ctx, batch, want, stream, subject, keepAlive)
	if !published {
		// Not every row is summarized yet, or it failed: let the next check claim at once.
		s.release(ctx, batch)
	}
	return err
}

// publish publishes the summary of a batch this process holds the claim of, and marks the
// manifest. published is false when nothing was marked (the rows are not all in yet, or an
// error).
func (s *summarizer) publish(ctx context.Context, batch string, want expectation, stream jetstream.Stream, subject string, keepAlive func()) (published bool, err error) {
	rows := want.rows
	// A summary already out (its publisher died before marking the manifest, perhaps longer
	// ago than the duplicate window) is never published again: only the mark is missing. Each
	// generation has one summary message.
	if n, err := s.count(ctx, stream, s.names.SummarySubject(batch)); err != nil {
		return false, err
	} else if n > uint64(want.generation) {
		return true, s.markPublished(ctx, batch, s.now().UTC())
	}
	sum := job.NewBatchSummary(batch, 0)
	sum.FinishedAt = s.now().UTC()
	if rows > 0 { // a batch whose every row was another batch's duplicate has no results
		var distinct int
		if sum, distinct, err = s.collect(ctx, batch, rows, subject, keepAlive); err != nil {
			return false, err
		}
		if distinct < rows {
			return false, nil // re-published duplicates beyond the dedup window, not every row yet
		}
	}
	sum.Generation = want.generation
	b, err := json.Marshal(sum)
	if err != nil {
		return false, fmt.Errorf("payout: summary: encode: %w", err)
	}
	id := s.names.GenerationMsgID(s.names.SummaryMsgID(batch), want.generation)
	if _, err := s.js.Publish(ctx, s.names.SummarySubject(batch), b, jetstream.WithMsgID(id)); err != nil {
		return false, fmt.Errorf("payout: summary: publish: %w", err)
	}
	s.met.summaries.Inc() // published once: only the claim's holder gets here
	s.log.Info().Str("batch", batch).Int("rows", rows).Int("generation", want.generation).Interface("counts", sum.Counts).Msg("payout: batch summary published")
	return true, s.markPublished(ctx, batch, sum.FinishedAt)
}

// count is how many messages the results stream holds on subject.
func (s *summarizer) count(ctx context.Context, stream jetstream.Stream, subject string) (uint64, error) {
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return 0, fmt.Errorf("payout: summary: results stream info: %w", err)
	}
	return info.State.Subjects[subject], nil
}

// expected returns how many results the batch will have; ok is false when there is no manifest
// (nothing to summarize against), enqueue has not finished (the count is not final yet: the
// manifest watcher re-checks when it is), or the summary was already published.
func (s *summarizer) expected(ctx context.Context, batch string) (expectation, bool, error) {
	s.mu.Lock()
	rows, known := s.rows[batch]
	s.mu.Unlock()
	if known {
		return expectation{rows: rows, results: rows}, true, nil
	}
	m, _, err := s.manifest(ctx, batch)
	if err != nil || m == nil {
		return expectation{}, false, err
	}
	v := viewManifest(m)
	if (v.state == stateEnqueued || v.state == stateRetrying) && !v.done && (!v.counted || v.enqueued < 0) {
		return expectation{}, false, fmt.Errorf("payout: summary: manifest %s is %s without a row count", batch, v.state)
	}
	want, ok := v.expect()
	if ok && v.state == stateEnqueued {
		s.mu.Lock()
		s.rows[batch] = v.enqueued
		s.mu.Unlock()
	}
	return want, ok, nil
}

// manifest reads a batch manifest as raw fields (so that marking it keeps fields this package
// does not know); nil when there is none.
func (s *summarizer) manifest(ctx context.Context, batch string) (map[string]json.RawMessage, uint64, error) {
	e, err := s.batches.Get(ctx, s.names.BatchKey(batch))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("payout: summary: manifest %s: %w", batch, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.Value(), &m); err != nil {
		return nil, 0, fmt.Errorf("payout: summary: manifest %s: %w", batch, err)
	}
	return m, e.Revision(), nil
}

// markPublished records in the manifest (CAS, retried on conflict) that the summary is out.
func (s *summarizer) markPublished(ctx context.Context, batch string, at time.Time) error {
	for range 8 {
		m, rev, err := s.manifest(ctx, batch)
		if err != nil {
			return err
		}
		if m == nil {
			return fmt.Errorf("payout: summary: manifest %s vanished", batch)
		}
		if viewManifest(m).done {
			s.markDone(batch)
			return nil
		}
		m[manifestSummaryField], _ = json.Marshal(at.UTC())
		m[manifestStateField], _ = json.Marshal(stateCompleted)
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("payout: summary: encode manifest: %w", err)
		}
		_, err = s.batches.Update(ctx, s.names.BatchKey(batch), b, rev)
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return fmt.Errorf("payout: summary: mark manifest %s: %w", batch, err)
		}
		s.markDone(batch)
		return nil
	}
	return fmt.Errorf("payout: summary: mark manifest %s: %w", batch, errConflict)
}

// markDone forgets the batch's cached row count: a later result (of a row put back by enqueue
// --retry) reads the manifest again.
func (s *summarizer) markDone(batch string) {
	s.mu.Lock()
	delete(s.rows, batch)
	s.mu.Unlock()
}

// collect reads the batch's results with an ordered consumer and summarizes one result per
// client_orderid: the one of its highest generation (a row put back by enqueue --retry).
func (s *summarizer) collect(ctx context.Context, batch string, rows int, subject string, keepAlive func()) (job.BatchSummary, int, error) {
	sum := job.NewBatchSummary(batch, rows)
	cons, err := s.js.OrderedConsumer(ctx, s.names.ResultStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return sum, 0, fmt.Errorf("payout: summary: read results: %w", err)
	}
	best := make(map[string]job.Result, rows)
	for {
		batchMsgs, err := cons.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return sum, 0, fmt.Errorf("payout: summary: read results: %w", err)
		}
		var pending uint64
		n := 0
		for msg := range batchMsgs.Messages() {
			n++
			meta, err := msg.Metadata()
			if err != nil {
				return sum, 0, fmt.Errorf("payout: summary: result metadata: %w", err)
			}
			pending = meta.NumPending
			r, err := job.DecodeResult(msg.Data())
			if err != nil || r.BatchID != batch {
				// Not a result of this batch this build can read (another schema version, a
				// stray publish): it counts for nothing, and failing here would hold every
				// last row of the batch unacknowledged.
				s.log.Warn().Err(err).Str("batch", batch).Uint64("seq", meta.Sequence.Stream).Msg("payout: summary: unreadable result skipped")
				continue
			}
			if b, ok := best[r.ClientOrderID]; !ok || r.Generation > b.Generation {
				best[r.ClientOrderID] = r
			}
		}
		if err := batchMsgs.Error(); err != nil {
			return sum, 0, fmt.Errorf("payout: summary: read results: %w", err)
		}
		if keepAlive != nil {
			keepAlive()
		}
		if n == 0 {
			// The stream said every row has a result: a short read is transient, retry later.
			return sum, 0, fmt.Errorf("payout: summary: read results: %d of %d before the reader stalled", len(best), rows)
		}
		if pending == 0 {
			break
		}
	}
	var last time.Time
	for _, r := range best {
		if err := sum.Add(r); err != nil {
			return sum, 0, err
		}
		if r.FinishedAt.After(last) {
			last = r.FinishedAt
		}
	}
	sum.FinishedAt = last.UTC()
	return sum, len(best), nil
}

// watch checks a batch when its manifest changes to "enqueued" (and, at start, every batch
// already enqueued): the last result may have been published before enqueue finished
// writing the manifest, and then no later result would trigger the summary. A watch that fails
// or ends is started again (after retry); watch returns when ctx is cancelled.
func (s *summarizer) watch(ctx context.Context) {
	for {
		err := s.watchOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn().Err(err).Dur("retry_in_ms", s.retry).Msg("payout: summary: manifest watch ended; watching again")
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.retry):
		}
	}
}

// watchOnce is one watch of the batches bucket, until ctx ends or the watch does.
func (s *summarizer) watchOnce(ctx context.Context) error {
	w, err := s.batches.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("payout: summary: watch manifests: %w", err)
	}
	defer func() { _ = w.Stop() }()
	// Each enqueued batch is checked until one check succeeds: later updates of its manifest
	// (the summary claim and its release) must not start a check each, which would re-claim
	// and re-read a batch whose rows are not all in, on and on.
	checked := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("payout: summary: manifest watch closed")
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue // nil marks the end of the initial values
			}
			var m map[string]json.RawMessage
			if json.Unmarshal(e.Value(), &m) != nil {
				continue
			}
			v := viewManifest(m)
			if _, due := v.expect(); !due || v.batchID == "" || checked[v.batchID] {
				continue
			}
			err := s.afterResult(ctx, v.batchID, nil)
			if err != nil && ctx.Err() == nil {
				s.log.Warn().Err(err).Str("batch", v.batchID).Msg("payout: summary check after manifest update")
			}
			checked[v.batchID] = err == nil
		}
	}
}
