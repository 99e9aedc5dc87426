package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// State is a batch's lifecycle state in its manifest.
type State string

// Batch states. Enqueue sets publishing and enqueued; the worker sets completed when every row has
// its result.
const (
	StatePublishing State = "publishing" // jobs are being published; a re-run resumes
	StateEnqueued   State = "enqueued"   // every job is stored in the stream
	StateCompleted  State = "completed"  // every row has a final result (set by the worker)
	// StateRetrying: `enqueue --retry` is putting rows of a completed batch back; the worker
	// publishes the next summary generation and marks it completed again once they finish.
	StateRetrying State = "retrying"
)

// ManifestVersion is the schema version of Manifest this build writes.
const ManifestVersion = 1

// maxDuplicateSamples bounds the duplicates kept in a manifest (all are counted).
const maxDuplicateSamples = 20

// Manifest is a batch's record in the batches KV bucket (key: the batch id's token), JSON.
type Manifest struct {
	Version   int        `json:"version"`
	BatchID   string     `json:"batch_id"`
	Source    string     `json:"source"` // file name as given ("-" for stdin)
	SHA256    string     `json:"sha256"` // of the file's bytes
	Rows      int        `json:"rows"`   // valid rows in the file
	Totals    job.Totals `json:"totals"` // control totals of the file, per currency
	ChunkSize int        `json:"chunk_size"`
	Chunks    int        `json:"chunks"`
	State     State      `json:"state"`
	// Enqueued counts the rows this batch published; Duplicates the rows skipped because another
	// batch had reserved their client_orderid (first few in DuplicateSamples). Set when enqueued.
	Enqueued         int         `json:"enqueued"`
	Duplicates       int         `json:"duplicates"`
	DuplicateSamples []Duplicate `json:"duplicate_samples,omitempty"`
	Attempts         int         `json:"attempts"` // enqueue runs that started publishing
	// Refused lists the chunks the stream refused in the last run (nothing of them stored, their
	// reservations released); cleared when the batch is enqueued.
	Refused []ChunkRefusal `json:"refused,omitempty"`
	// SummaryGeneration is the generation of the batch's next (or last) summary: 0 until the
	// first `enqueue --retry`, which raises it by one per run that starts on a completed batch.
	// RetryBase is the number of results the batch had when that run started and RetryRows how
	// many rows it puts back: the worker publishes that generation's summary once the results
	// subject holds RetryBase + RetryRows results and every row has one.
	SummaryGeneration int       `json:"summary_generation,omitempty"`
	RetryBase         int       `json:"retry_base,omitempty"`
	RetryRows         int       `json:"retry_rows,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// ChunkRefusal records a chunk the stream refused: which rows, and the server's reason.
type ChunkRefusal struct {
	Chunk     int       `json:"chunk"`
	FirstLine int       `json:"first_line"`
	LastLine  int       `json:"last_line"`
	Rows      int       `json:"rows"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

// Duplicate is a row whose client_orderid another batch had already reserved.
type Duplicate struct {
	Line          int    `json:"line"`
	ClientOrderID string `json:"client_orderid"`
	OtherBatch    string `json:"other_batch"`
}

// ReadManifest returns a batch's manifest and its KV revision, or an error wrapping
// ErrUnknownBatch.
func ReadManifest(ctx context.Context, kv jetstream.KeyValue, batchID string) (Manifest, uint64, error) {
	e, err := kv.Get(ctx, queue.Token(batchID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Manifest{}, 0, fmt.Errorf("batch: manifest %s: %w", batchID, ErrUnknownBatch)
	}
	if err != nil {
		return Manifest{}, 0, fmt.Errorf("batch: manifest %s: %w", batchID, unavailable(err))
	}
	m, err := decodeManifest(e.Value())
	if err != nil {
		return Manifest{}, 0, fmt.Errorf("batch: manifest %s: %w", batchID, err)
	}
	return m, e.Revision(), nil
}

// DecodeManifest decodes a manifest as stored in the batches bucket (JSON), as ReadManifest
// does. A manifest of a version other than ManifestVersion (0 for a record without one, such as
// a chunk's row record) is refused with an error wrapping job.ErrUnknownVersion. A refused
// manifest comes back as the zero Manifest.
func DecodeManifest(data []byte) (Manifest, error) {
	m, err := decodeManifest(data)
	if err != nil {
		return Manifest{}, fmt.Errorf("batch: manifest: %w", err)
	}
	return m, nil
}

// decodeManifest is DecodeManifest without the operation prefix, which its callers add.
func decodeManifest(data []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("decode: %w", err)
	}
	if m.Version != ManifestVersion {
		return Manifest{}, fmt.Errorf("version %d: %w", m.Version, job.ErrUnknownVersion)
	}
	return m, nil
}

// createManifest stores m if the batch has no manifest yet; created is false when one exists.
func createManifest(ctx context.Context, kv jetstream.KeyValue, m Manifest) (rev uint64, created bool, err error) {
	data, err := json.Marshal(m)
	if err != nil {
		return 0, false, fmt.Errorf("batch: manifest %s: encode: %w", m.BatchID, err)
	}
	rev, err = kv.Create(ctx, queue.Token(m.BatchID), data)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("batch: manifest %s: create: %w", m.BatchID, unavailable(err))
	}
	return rev, true, nil
}

// updateManifest applies change to the stored manifest with compare-and-set, re-reading and
// retrying when another process wrote it in between. change returns false to leave it unchanged.
func updateManifest(ctx context.Context, kv jetstream.KeyValue, batchID string, now func() time.Time, change func(*Manifest) bool) (Manifest, error) {
	for attempt := 0; ; attempt++ {
		m, rev, err := ReadManifest(ctx, kv, batchID)
		if err != nil {
			return Manifest{}, err
		}
		if !change(&m) {
			return m, nil
		}
		m.UpdatedAt = now().UTC()
		data, err := json.Marshal(m)
		if err != nil {
			return Manifest{}, fmt.Errorf("batch: manifest %s: encode: %w", batchID, err)
		}
		_, err = kv.Update(ctx, queue.Token(batchID), data, rev)
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) || attempt >= 10 {
			return Manifest{}, fmt.Errorf("batch: manifest %s: update: %w", batchID, unavailable(err))
		}
	}
}
