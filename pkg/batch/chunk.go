package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// chunkMarker is the payload of a chunk's commit marker, published in the same atomic batch as
// the chunk's jobs on payouts.chunks.<batch>.<chunk>, with the expectation that the subject is
// empty. Its existence proves the chunk's jobs are stored; its counts let a resumed run report.
type chunkMarker struct {
	BatchID          string      `json:"batch_id"`
	Chunk            int         `json:"chunk"`
	Jobs             int         `json:"jobs"`
	Duplicates       int         `json:"duplicates"`
	DuplicateSamples []Duplicate `json:"duplicate_samples,omitempty"`
}

// publishAttempts bounds tries of one chunk when the outcome is unknown or the batch incomplete.
const publishAttempts = 3

// processChunk stores one chunk exactly once: reserve its client_orderids, then publish its jobs
// and marker atomically. Every step is safe to repeat.
func (e *Enqueuer) processChunk(ctx context.Context, batchID string, w chunkWork, resumed bool, log zerolog.Logger) (chunkMarker, error) {
	subject := e.opts.Names.ChunkSubject(batchID, w.idx)
	if resumed {
		if mk, ok, err := e.readMarker(ctx, subject); err != nil || ok {
			return mk, err
		}
	}
	ours, dups, err := e.reserve(ctx, batchID, w.rows)
	if err != nil {
		return chunkMarker{}, err
	}
	if err := e.recordRows(ctx, batchID, w.idx, ours); err != nil {
		return chunkMarker{}, err
	}
	mk := chunkMarker{BatchID: batchID, Chunk: w.idx, Jobs: len(ours), Duplicates: len(dups)}
	for _, d := range dups {
		if len(mk.DuplicateSamples) < maxDuplicateSamples {
			mk.DuplicateSamples = append(mk.DuplicateSamples, d)
		}
		log.Warn().Int("line", d.Line).Str("client_orderid", job.MaskText(d.ClientOrderID)).Str("other_batch", d.OtherBatch).Msg("row already enqueued by another batch; skipped")
	}
	marker, err := json.Marshal(mk)
	if err != nil {
		return chunkMarker{}, fmt.Errorf("batch: encode chunk marker: %w", err)
	}
	var lastErr error
	for attempt := range publishAttempts {
		if attempt > 0 {
			// The previous try may have been stored (a lost reply): the marker tells.
			if got, ok, err := e.readMarker(ctx, subject); err != nil {
				return chunkMarker{}, err
			} else if ok {
				return got, nil
			}
			select {
			case <-time.After(time.Duration(attempt) * 250 * time.Millisecond):
			case <-ctx.Done():
				return chunkMarker{}, fmt.Errorf("batch: chunk %d: %w (last error: %w)", w.idx, ctx.Err(), lastErr)
			}
		}
		_, err = e.publishChunk(ctx, batchID, subject, ours, marker)
		switch {
		case err == nil:
			return mk, nil
		case errors.Is(err, queue.ErrWrongLastSequence), errors.Is(err, queue.ErrAtomicDuplicate):
			// Stored before (an earlier run, or a lost reply): the marker must exist.
			got, ok, rerr := e.readMarker(ctx, subject)
			if rerr != nil {
				return chunkMarker{}, rerr
			}
			if ok {
				return got, nil
			}
			if st, _ := e.batchState(ctx, batchID); st != "" && st != StatePublishing {
				// A concurrent run finished the batch and purged its markers.
				return chunkMarker{}, fmt.Errorf("batch: chunk %d: %w", w.idx, errCompletedElsewhere)
			}
			return chunkMarker{}, fmt.Errorf("batch: chunk %d: jobs already in the stream but no commit marker; not publishing again: %w (%w)", w.idx, ErrInconsistent, err)
		case errors.Is(err, queue.ErrBatchIncomplete), queue.IsUnavailable(err) && ctx.Err() == nil:
			lastErr = err
			log.Warn().Err(err).Int("chunk", w.idx).Int("attempt", attempt+1).Msg("chunk publish not confirmed; retrying")
		case queue.IsRefused(err):
			return e.refused(ctx, batchID, w, ours, err, log)
		default:
			return chunkMarker{}, fmt.Errorf("batch: chunk %d: %w", w.idx, unavailable(err))
		}
	}
	if errors.Is(lastErr, queue.ErrBatchIncomplete) {
		// The server dropped a message of every try (one over its size limit does that): nothing
		// was stored, so the chunk is refused like one answered with an error.
		return e.refused(ctx, batchID, w, ours, lastErr, log)
	}
	return chunkMarker{}, fmt.Errorf("batch: chunk %d: %w", w.idx, unavailable(lastErr))
}

// refused handles a chunk the server refused, of which nothing was stored: unless its marker
// shows it stored after all, it releases the reservations the chunk's rows hold for this batch
// (so the rows can be enqueued again, by this batch or a corrected file), records the refusal in
// the manifest and returns a *ChunkRefusedError.
func (e *Enqueuer) refused(ctx context.Context, batchID string, w chunkWork, ours []row, cause error, log zerolog.Logger) (chunkMarker, error) {
	if mk, ok, err := e.readMarker(ctx, e.opts.Names.ChunkSubject(batchID, w.idx)); err != nil || ok {
		return mk, err
	}
	if err := e.release(ctx, batchID, ours); err != nil {
		return chunkMarker{}, fmt.Errorf("batch: chunk %d refused (%w), and releasing its rows failed: %w", w.idx, cause, err)
	}
	if err := e.batches.Delete(ctx, e.opts.Names.RowsKey(batchID, w.idx)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return chunkMarker{}, fmt.Errorf("batch: chunk %d refused (%w), and dropping its row record failed: %w", w.idx, cause, unavailable(err))
	}
	// A concurrent run of this batch may have stored the chunk meanwhile: then its rows are
	// enqueued and must stay reserved for this batch.
	if mk, ok, err := e.readMarker(ctx, e.opts.Names.ChunkSubject(batchID, w.idx)); err != nil || ok {
		if err != nil {
			return chunkMarker{}, err
		}
		if _, dups, err := e.reserve(ctx, batchID, ours); err != nil || len(dups) > 0 {
			return chunkMarker{}, fmt.Errorf("batch: chunk %d stored by a concurrent run while its reservations were released; re-reserving: %w (%d taken by other batches)", w.idx, errors.Join(err, ErrInconsistent), len(dups))
		}
		return mk, nil
	}
	rf := ChunkRefusal{Chunk: w.idx, FirstLine: w.rows[0].line, LastLine: w.rows[len(w.rows)-1].line, Rows: len(w.rows),
		Reason: cause.Error(), At: e.opts.Now().UTC()}
	_, err := updateManifest(ctx, e.batches, batchID, e.opts.Now, func(m *Manifest) bool {
		if m.State != StatePublishing {
			return false
		}
		m.Refused = append(slices.DeleteFunc(m.Refused, func(r ChunkRefusal) bool { return r.Chunk == w.idx }), rf)
		return true
	})
	if err != nil {
		return chunkMarker{}, fmt.Errorf("batch: chunk %d refused (%w), and recording it failed: %w", w.idx, cause, err)
	}
	log.Error().Err(cause).Int("chunk", w.idx).Int("first_line", rf.FirstLine).Int("last_line", rf.LastLine).Int("released", len(ours)).
		Msg("chunk refused by the stream; nothing of it was stored and its rows were released")
	return chunkMarker{}, &ChunkRefusedError{BatchID: batchID, Chunk: w.idx, FirstLine: rf.FirstLine, LastLine: rf.LastLine, Rows: rf.Rows, Err: cause}
}

// release deletes the client_orderid reservations rows hold for batchID (a reservation another
// batch holds is left alone). Only for rows none of whose jobs was stored.
func (e *Enqueuer) release(ctx context.Context, batchID string, rows []row) error {
	for _, r := range rows {
		if err := e.releaseOne(ctx, batchID, r.id); err != nil {
			return err
		}
	}
	return nil
}

func (e *Enqueuer) releaseOne(ctx context.Context, batchID, orderID string) error {
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	key := e.opts.Names.OrderKey(orderID)
	entry, err := e.orders.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("batch: release %q: %w", orderID, unavailable(err))
	}
	if r, err := queue.DecodeReservation(entry.Value()); err != nil || r.BatchID != batchID {
		return nil
	}
	if err := e.orders.Delete(ctx, key, jetstream.LastRevision(entry.Revision())); err != nil {
		return fmt.Errorf("batch: release %q: %w", orderID, unavailable(err))
	}
	return nil
}

// publishChunk publishes the chunk's job messages and its marker (last) as one atomic batch,
// within the per-call timeout.
func (e *Enqueuer) publishChunk(ctx context.Context, batchID, markerSubject string, ours []row, marker []byte) (queue.AtomicAck, error) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	subj := e.opts.Names.JobSubject(batchID)
	return e.opts.Publisher.PublishAtomic(ctx, len(ours)+1, func(i int, m *nats.Msg) {
		if i == len(ours) {
			m.Subject, m.Data = markerSubject, marker
			m.Header.Set(queue.HeaderExpectedLastSubjectSeq, "0")
			return
		}
		m.Subject, m.Data = subj, ours[i].data
		m.Header.Set(jetstream.MsgIDHeader, e.opts.Names.JobMsgID(batchID, ours[i].id))
	})
}

// readMarker returns the chunk's marker if it exists.
func (e *Enqueuer) readMarker(ctx context.Context, subject string) (chunkMarker, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	msg, err := e.jobs.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return chunkMarker{}, false, nil
	}
	if err != nil {
		return chunkMarker{}, false, fmt.Errorf("batch: read marker %s: %w", subject, unavailable(err))
	}
	var mk chunkMarker
	if err := json.Unmarshal(msg.Data, &mk); err != nil {
		return chunkMarker{}, false, fmt.Errorf("batch: decode marker %s: %w", subject, err)
	}
	return mk, true, nil
}

func (e *Enqueuer) batchState(ctx context.Context, batchID string) (State, error) {
	m, _, err := ReadManifest(ctx, e.batches, batchID)
	return m.State, err
}

// reserve claims each row's client_orderid for batchID in the orders bucket. The fast path is one
// atomic batch of "create if absent" writes; if any key exists (a re-run, or another batch owns
// it) the chunk is resolved key by key. It returns the rows this batch owns and the duplicates.
func (e *Enqueuer) reserve(ctx context.Context, batchID string, rows []row) ([]row, []Duplicate, error) {
	prefix := "$KV." + e.opts.Names.OrdersBucket + "."
	pctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	_, err := e.opts.Publisher.PublishAtomic(pctx, len(rows), func(i int, m *nats.Msg) {
		m.Subject = prefix + e.opts.Names.OrderKey(rows[i].id)
		m.Data = queue.Reservation{BatchID: batchID, Digest: rows[i].digest}.Encode()
		m.Header.Set(queue.HeaderExpectedLastSubjectSeq, "0")
	})
	cancel()
	if err == nil {
		return rows, nil, nil
	}
	if !errors.Is(err, queue.ErrWrongLastSequence) && !errors.Is(err, queue.ErrBatchIncomplete) && !queue.IsUnavailable(err) {
		return nil, nil, fmt.Errorf("batch: reserve client_orderids: %w", err)
	}
	if queue.IsUnavailable(err) && !e.js.Conn().IsConnected() {
		return nil, nil, fmt.Errorf("batch: reserve client_orderids: %w", unavailable(err))
	}
	// Slow path, key by key (each step idempotent).
	ours := rows[:0:0]
	var dups []Duplicate
	for _, r := range rows {
		owner, err := e.reserveOne(ctx, batchID, r)
		if err != nil {
			return nil, nil, err
		}
		if owner == batchID {
			ours = append(ours, r)
		} else {
			dups = append(dups, Duplicate{Line: r.line, ClientOrderID: r.id, OtherBatch: owner})
		}
	}
	return ours, dups, nil
}

// reserveOne returns the batch that owns r's client_orderid, claiming it for batchID (bound to
// r's content digest) if nobody does.
func (e *Enqueuer) reserveOne(ctx context.Context, batchID string, r row) (string, error) {
	orderID := r.id
	key := e.opts.Names.OrderKey(orderID)
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	for range 3 {
		entry, err := e.orders.Get(ctx, key)
		if err == nil {
			owner, err := queue.DecodeReservation(entry.Value())
			if err != nil {
				return "", fmt.Errorf("batch: reservation of %q: %w: %w", orderID, ErrInconsistent, err)
			}
			return owner.BatchID, nil
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return "", fmt.Errorf("batch: reservation of %q: %w", orderID, unavailable(err))
		}
		_, err = e.orders.Create(ctx, key, queue.Reservation{BatchID: batchID, Digest: r.digest}.Encode())
		if err == nil {
			return batchID, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return "", fmt.Errorf("batch: reserve %q: %w", orderID, unavailable(err))
		}
	}
	return "", fmt.Errorf("batch: reserve %q: %w: key keeps changing", orderID, ErrInconsistent)
}

// recordRows stores the chunk's row record (queue.RowRecord) in the batches bucket before its
// jobs are published: the worker reads it only for a row whose reservation was lost, to tell a
// row this batch enqueued (which then ends with a result) from a job naming it that enqueue never
// published (dead-lettered only). Writing it again is harmless.
func (e *Enqueuer) recordRows(ctx context.Context, batchID string, chunk int, rows []row) error {
	hashes := make([][]byte, len(rows))
	for i, r := range rows {
		hashes[i] = queue.RowHash(r.id, r.digest)
	}
	b, err := json.Marshal(queue.NewRowRecord(batchID, chunk, hashes))
	if err != nil {
		return fmt.Errorf("batch: chunk %d: encode row record: %w", chunk, err)
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	if _, err := e.batches.Put(ctx, e.opts.Names.RowsKey(batchID, chunk), b); err != nil {
		return fmt.Errorf("batch: chunk %d: row record: %w", chunk, unavailable(err))
	}
	return nil
}
