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

	mu   sync.Mutex
	rows map[string]int // batch -> rows, cached (a manifest's row count never changes)
	done map[string]bool
}

func newSummarizer(js jetstream.JetStream, batches jetstream.KeyValue, names queue.Names, log zerolog.Logger, met *metrics) *summarizer {
	return &summarizer{js: js, batches: batches, names: names, log: log, met: met, rows: map[string]int{}, done: map[string]bool{}}
}

// manifestRowsField and manifestSummaryField are the manifest fields the worker reads and adds.
const (
	manifestRowsField    = "rows"
	manifestSummaryField = "summary_published_at"
)

// afterResult publishes the batch summary when the results stream holds a result for every row
// of the batch's manifest. It is idempotent: the summary's message id dedups within the results
// stream's duplicate window, and the manifest is marked (CAS) so it is never re-published later.
func (s *summarizer) afterResult(ctx context.Context, batch string) error {
	rows, ok, err := s.expected(ctx, batch)
	if err != nil || !ok {
		return err
	}
	subject := s.names.ResultSubject(batch)
	stream, err := s.js.Stream(ctx, s.names.ResultStream)
	if err != nil {
		return fmt.Errorf("payout: summary: results stream: %w", err)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return fmt.Errorf("payout: summary: results stream info: %w", err)
	}
	if info.State.Subjects[subject] < uint64(rows) {
		return nil
	}
	sum, distinct, err := s.collect(ctx, batch, rows, subject)
	if err != nil {
		return err
	}
	if distinct < rows {
		return nil // re-published duplicates beyond the dedup window, not every row yet
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return fmt.Errorf("payout: summary: encode: %w", err)
	}
	if _, err := s.js.Publish(ctx, s.names.SummarySubject(batch), b, jetstream.WithMsgID(s.names.SummaryMsgID(batch))); err != nil {
		return fmt.Errorf("payout: summary: publish: %w", err)
	}
	if err := s.markPublished(ctx, batch, sum.FinishedAt); err != nil {
		return err
	}
	s.met.summaries.Inc()
	s.log.Info().Str("batch", batch).Int("rows", rows).Interface("counts", sum.Counts).Msg("payout: batch summary published")
	return nil
}

// expected returns the batch's row count; ok is false when there is no manifest (nothing to
// summarize against) or the summary was already published.
func (s *summarizer) expected(ctx context.Context, batch string) (int, bool, error) {
	s.mu.Lock()
	rows, known := s.rows[batch]
	done := s.done[batch]
	s.mu.Unlock()
	if done {
		return 0, false, nil
	}
	if known {
		return rows, true, nil
	}
	m, _, err := s.manifest(ctx, batch)
	if err != nil || m == nil {
		return 0, false, err
	}
	if _, ok := m[manifestSummaryField]; ok {
		s.markDone(batch)
		return 0, false, nil
	}
	raw, ok := m[manifestRowsField]
	if !ok || json.Unmarshal(raw, &rows) != nil || rows <= 0 {
		return 0, false, fmt.Errorf("payout: summary: manifest %s has no row count", batch)
	}
	s.mu.Lock()
	s.rows[batch] = rows
	s.mu.Unlock()
	return rows, true, nil
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
		if _, ok := m[manifestSummaryField]; ok {
			s.markDone(batch)
			return nil
		}
		m[manifestSummaryField], _ = json.Marshal(at.UTC())
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
	return fmt.Errorf("payout: summary: mark manifest %s: %w", batch, ErrConflict)
}

func (s *summarizer) markDone(batch string) {
	s.mu.Lock()
	s.done[batch] = true
	delete(s.rows, batch)
	s.mu.Unlock()
}

// collect reads the batch's results with an ordered consumer and summarizes one result per
// client_orderid.
func (s *summarizer) collect(ctx context.Context, batch string, rows int, subject string) (job.BatchSummary, int, error) {
	sum := job.NewBatchSummary(batch, rows)
	cons, err := s.js.OrderedConsumer(ctx, s.names.ResultStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return sum, 0, fmt.Errorf("payout: summary: read results: %w", err)
	}
	seen := make(map[string]bool, rows)
	var last time.Time
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
			if err != nil {
				return sum, 0, fmt.Errorf("payout: summary: %w", err)
			}
			if seen[r.ClientOrderID] {
				continue
			}
			seen[r.ClientOrderID] = true
			if err := sum.Add(r); err != nil {
				return sum, 0, err
			}
			if r.FinishedAt.After(last) {
				last = r.FinishedAt
			}
		}
		if err := batchMsgs.Error(); err != nil {
			return sum, 0, fmt.Errorf("payout: summary: read results: %w", err)
		}
		if n == 0 {
			// The stream said every row has a result: a short read is transient, retry later.
			return sum, 0, fmt.Errorf("payout: summary: read results: %d of %d before the reader stalled", len(seen), rows)
		}
		if pending == 0 {
			break
		}
	}
	sum.FinishedAt = last.UTC()
	return sum, len(seen), nil
}
