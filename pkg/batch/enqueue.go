package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// Publisher publishes one atomic batch of n messages built by fill (all stored or none), see
// queue.PublishAtomicFunc. The default publishes on the JetStream connection; tests inject
// failures here.
type Publisher interface {
	PublishAtomic(ctx context.Context, n int, fill func(i int, m *nats.Msg)) (queue.AtomicAck, error)
}

// ConnPublisher is the Publisher over a NATS connection.
type ConnPublisher struct{ NC *nats.Conn }

// PublishAtomic implements Publisher.
func (p ConnPublisher) PublishAtomic(ctx context.Context, n int, fill func(i int, m *nats.Msg)) (queue.AtomicAck, error) {
	return queue.PublishAtomicFunc(ctx, p.NC, n, fill)
}

// Options configure an Enqueuer. Zero values get the defaults.
type Options struct {
	Names     queue.Names      // default queue.DefaultNames()
	ChunkSize int              // jobs per atomic chunk, 1-999; default 999 (a resumed batch keeps its own)
	Window    int              // chunks in flight; default 16
	Publisher Publisher        // default ConnPublisher on the JetStream connection
	Now       func() time.Time // default time.Now
	// Timeout bounds each NATS call (an atomic publish waiting for its commit ack, a marker
	// lookup); default 30s. When it passes the call's outcome is unknown and the chunk is re-sent
	// (safe: see processChunk).
	Timeout time.Duration
	Log     zerolog.Logger
	// Seal, if set, seals each job's sensitive parameters (job.Message.Seal; pkg/seal's
	// Keyring) so that the stream never holds them in clear. nil publishes them in clear.
	Seal job.Sealer
	// Progress, if set, is called after each chunk from one goroutine.
	Progress func(Progress)
}

// Progress reports enqueue progress.
type Progress struct {
	Rows, Total int // rows handled so far (published or skipped), of Total
}

// Report is the outcome of Enqueue.
type Report struct {
	BatchID          string
	Source           string
	SHA256           string
	Rows             int        // valid rows in the file
	Totals           job.Totals // control totals of the file
	Enqueued         int        // rows of this batch in the stream (this run and earlier ones)
	Duplicates       int        // rows skipped: their client_orderid belongs to another batch
	DuplicateSamples []Duplicate
	AlreadyEnqueued  bool // the batch was enqueued before; nothing was published
	Resumed          bool // an earlier run was interrupted; this run completed the batch
	State            State
}

// Enqueuer publishes validated batches.
type Enqueuer struct {
	js      jetstream.JetStream
	jobs    jetstream.Stream
	batches jetstream.KeyValue
	orders  jetstream.KeyValue
	ledger  jetstream.KeyValue // for Retry; may be nil
	opts    Options
}

// New returns an Enqueuer over provisioned handles (queue.Provision).
func New(js jetstream.JetStream, h *queue.Handles, o Options) (*Enqueuer, error) {
	if h == nil || h.Jobs == nil || h.Batches == nil || h.Orders == nil {
		return nil, errors.New("batch: new: missing stream or bucket handles")
	}
	if o.Names == (queue.Names{}) {
		o.Names = queue.DefaultNames()
	}
	if o.ChunkSize == 0 {
		o.ChunkSize = 999
	}
	if o.ChunkSize < 1 || o.ChunkSize > queue.MaxAtomicBatch-1 {
		return nil, fmt.Errorf("batch: new: chunk size %d, want 1-%d", o.ChunkSize, queue.MaxAtomicBatch-1)
	}
	if o.Window == 0 {
		o.Window = 16
	}
	if o.Window < 1 {
		return nil, fmt.Errorf("batch: new: window %d, want >= 1", o.Window)
	}
	if o.Publisher == nil {
		o.Publisher = ConnPublisher{NC: js.Conn()}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return &Enqueuer{js: js, jobs: h.Jobs, batches: h.Batches, orders: h.Orders, ledger: h.Ledger, opts: o}, nil
}

// Enqueue publishes the validated plan's jobs: it checks that every job fits the stream's real
// size limit (validating the input again when the plan was checked against a larger or no limit:
// a row that does not fit gives an *InvalidFileError and nothing is enqueued), creates (or
// resumes) the batch manifest, reserves every client_orderid in the orders bucket, publishes the
// jobs in atomic chunks with bounded in-flight chunks, and marks the batch enqueued once every
// chunk is stored. A chunk the stream refuses gives a *ChunkRefusedError and leaves its rows
// enqueueable. Re-running it after success publishes nothing (Report.AlreadyEnqueued); after an
// interruption or a refusal it completes the batch without duplicates. in must be the input the
// plan was validated from.
func (e *Enqueuer) Enqueue(ctx context.Context, in Input, p Plan) (Report, error) {
	log := e.opts.Log.With().Str("batch", p.BatchID).Logger()
	if err := e.checkLimit(ctx, in, p); err != nil {
		return Report{BatchID: p.BatchID, Source: p.Source, SHA256: p.SHA256}, err
	}
	now := e.opts.Now().UTC()
	r := Report{BatchID: p.BatchID, Source: p.Source, SHA256: p.SHA256, Rows: p.Summary.Valid, Totals: p.Summary.Totals}
	chunks := (p.Summary.Valid + e.opts.ChunkSize - 1) / e.opts.ChunkSize
	fresh := Manifest{
		Version: ManifestVersion, BatchID: p.BatchID, Source: p.Source, SHA256: p.SHA256, Rows: p.Summary.Valid,
		Totals: p.Summary.Totals, ChunkSize: e.opts.ChunkSize, Chunks: chunks, State: StatePublishing,
		Attempts: 1, CreatedAt: now, UpdatedAt: now,
	}
	_, created, err := createManifest(ctx, e.batches, fresh)
	if err != nil {
		return r, err
	}
	m := fresh
	if !created {
		m, err = updateManifest(ctx, e.batches, p.BatchID, e.opts.Now, func(m *Manifest) bool {
			if m.SHA256 != p.SHA256 || m.State != StatePublishing {
				return false
			}
			m.Attempts++
			return true
		})
		if err != nil {
			return r, err
		}
		if m.SHA256 != p.SHA256 {
			return r, fmt.Errorf("batch: %s: %w (stored sha256 %s from %s, this file %s)", p.BatchID, ErrBatchConflict, m.SHA256, m.Source, p.SHA256)
		}
		if m.State != StatePublishing {
			r.AlreadyEnqueued, r.State = true, m.State
			r.Enqueued, r.Duplicates, r.DuplicateSamples = m.Enqueued, m.Duplicates, m.DuplicateSamples
			log.Info().Str("state", string(m.State)).Msg("batch already enqueued")
			e.purgeMarkers(ctx, p.BatchID, log) // left behind if the finishing run died before its purge
			return r, nil
		}
		r.Resumed = true
		log.Info().Int("attempt", m.Attempts).Msg("resuming interrupted batch")
	}
	tally, err := e.publish(ctx, in, p, m, r.Resumed, log)
	if errors.Is(err, errCompletedElsewhere) {
		m, _, rerr := ReadManifest(ctx, e.batches, p.BatchID)
		if rerr != nil {
			return r, rerr
		}
		r.AlreadyEnqueued, r.State = true, m.State
		r.Enqueued, r.Duplicates, r.DuplicateSamples = m.Enqueued, m.Duplicates, m.DuplicateSamples
		return r, nil
	}
	if err != nil {
		return r, err
	}
	final, err := updateManifest(ctx, e.batches, p.BatchID, e.opts.Now, func(m *Manifest) bool {
		if m.State != StatePublishing {
			return false
		}
		m.State, m.Enqueued, m.Duplicates, m.DuplicateSamples = StateEnqueued, tally.jobs, tally.dups, tally.samples
		m.Refused = nil
		return true
	})
	if err != nil {
		return r, err
	}
	e.purgeMarkers(ctx, p.BatchID, log)
	r.State, r.Enqueued, r.Duplicates, r.DuplicateSamples = final.State, final.Enqueued, final.Duplicates, final.DuplicateSamples
	log.Info().Int("enqueued", r.Enqueued).Int("duplicates", r.Duplicates).Msg("batch enqueued")
	return r, nil
}

// checkLimit validates the input again against the stream's real job size limit when the plan
// was checked against a larger one (or none), before anything is reserved or published.
func (e *Enqueuer) checkLimit(ctx context.Context, in Input, p Plan) error {
	real, err := e.JobLimit(ctx)
	if err != nil {
		return err
	}
	if p.Limit.Bytes > 0 && p.Limit.Bytes <= real.Bytes && (p.Limit.Seal != nil || real.Seal == nil) {
		return nil // checked against a limit no larger, with jobs measured sealed when they are
	}
	maxErrors := p.maxErrors
	if maxErrors == 0 {
		maxErrors = job.DefaultMaxErrors
	}
	again, err := validateInput(in, p.BatchID, maxErrors, real, p.ValidatedAt, p.opts)
	if err != nil {
		return err
	}
	if again.SHA256 != p.SHA256 {
		return fmt.Errorf("batch: %s changed since it was validated: %w", in.Name, ErrInconsistent)
	}
	return nil
}

// purgeMarkers removes a batch's commit markers. They have done their job once the manifest says
// enqueued (a re-run stops at the manifest), and no consumer ever takes them from the work-queue
// stream, so they would stay for good.
func (e *Enqueuer) purgeMarkers(ctx context.Context, batchID string, log zerolog.Logger) {
	if err := e.jobs.Purge(ctx, jetstream.WithPurgeSubject(e.opts.Names.ChunkSubjects(batchID))); err != nil {
		log.Warn().Err(err).Msg("could not purge chunk markers (harmless; the next run of this batch retries)")
	}
}

// tally sums chunk outcomes.
type tally struct {
	jobs, dups int
	samples    []Duplicate
}

// add counts a chunk. Chunks finish in any order; samples keeps the duplicates of the lowest
// lines, sorted.
func (t *tally) add(c chunkMarker) {
	t.jobs += c.Jobs
	t.dups += c.Duplicates
	for _, d := range c.DuplicateSamples {
		i := sort.Search(len(t.samples), func(i int) bool { return t.samples[i].Line > d.Line })
		if i < maxDuplicateSamples {
			t.samples = slices.Insert(t.samples, i, d)[:min(len(t.samples)+1, maxDuplicateSamples)]
		}
	}
}

// row is what a chunk keeps of a job: its id, line and encoded job message (not the Job, to keep
// the chunks in flight small).
type row struct {
	id     string
	line   int
	data   []byte // job.Message JSON
	digest string // job.ContentDigest, bound into the row's reservation
}

type chunkWork struct {
	idx  int
	rows []row
}

type chunkDone struct {
	marker chunkMarker
	rows   int
	err    error
}

// publish reads the input again and processes its chunks with at most Window in flight.
func (e *Enqueuer) publish(ctx context.Context, in Input, p Plan, m Manifest, resumed bool, log zerolog.Logger) (tally, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan chunkWork)
	done := make(chan chunkDone)
	var wg sync.WaitGroup
	var readErr error
	wg.Add(1)
	go func() { // producer
		defer wg.Done()
		defer close(work)
		readErr = e.readChunks(ctx, in, p, m.ChunkSize, work)
	}()
	var workers sync.WaitGroup
	for range e.opts.Window {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for w := range work {
				mk, err := e.processChunk(ctx, p.BatchID, w, resumed, log)
				select {
				case done <- chunkDone{marker: mk, rows: len(w.rows), err: err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { workers.Wait(); close(done) }()

	var t tally
	var firstErr error
	handled := 0
	for d := range done {
		if d.err != nil {
			if firstErr == nil {
				firstErr = d.err
				cancel()
			}
			continue
		}
		t.add(d.marker)
		handled += d.rows
		if e.opts.Progress != nil {
			e.opts.Progress(Progress{Rows: handled, Total: p.Summary.Valid})
		}
	}
	wg.Wait()
	if firstErr != nil {
		return t, firstErr
	}
	if readErr != nil {
		return t, readErr
	}
	if err := ctx.Err(); err != nil {
		return t, fmt.Errorf("batch: publish %s: %w", p.BatchID, err)
	}
	if handled != p.Summary.Valid {
		return t, fmt.Errorf("batch: publish %s: %w: %d rows published of %d validated", p.BatchID, ErrInconsistent, handled, p.Summary.Valid)
	}
	return t, nil
}

// readChunks reads the input, checks it is the validated file, and sends its jobs in chunks.
func (e *Enqueuer) readChunks(ctx context.Context, in Input, p Plan, size int, work chan<- chunkWork) error {
	rc, err := in.Open()
	if err != nil {
		return fmt.Errorf("batch: open %s: %w", in.Name, err)
	}
	defer rc.Close()
	h := sha256.New()
	tee := io.TeeReader(rc, h)
	cur := chunkWork{idx: 0, rows: make([]row, 0, size)}
	send := func() bool {
		select {
		case work <- cur:
			cur = chunkWork{idx: cur.idx + 1, rows: make([]row, 0, size)}
			return true
		case <-ctx.Done():
			return false
		}
	}
	errStopped := errors.New("stopped") // ctx ended: Enqueue reports it
	err = p.readRows(tee, in.Name, func(j job.Job) error {
		data, digest, err := e.encodeJob(p.BatchID, j)
		if err != nil {
			return err
		}
		cur.rows = append(cur.rows, row{id: j.ClientOrderID, line: j.Line, data: data, digest: digest})
		if len(cur.rows) == size && !send() {
			return errStopped
		}
		return nil
	})
	if errors.Is(err, errStopped) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return fmt.Errorf("batch: read %s: %w", in.Name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != p.SHA256 {
		return fmt.Errorf("batch: %s changed since it was validated: %w", in.Name, ErrInconsistent)
	}
	if len(cur.rows) > 0 {
		send()
	}
	return nil
}
