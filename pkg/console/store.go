package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// Default names of the console's KV bucket (upload records) and object store (files waiting for
// approval).
const (
	DefaultUploadsBucket = "PAYRUN_CONSOLE_UPLOADS"
	DefaultFilesBucket   = "PAYRUN_CONSOLE_FILES"
)

// UploadState is where an uploaded batch file stands.
type UploadState string

// Upload states. checked → approved → enqueued, or checked → rejected. approved means the
// enqueue was licensed (and may have been interrupted: it is run again, which is safe).
const (
	StateChecked  UploadState = "checked"  // valid, waiting for approval (or release)
	StateApproved UploadState = "approved" // approved or released; enqueue started
	StateEnqueued UploadState = "enqueued" // every job is in the stream; the file is deleted
	StateRejected UploadState = "rejected" // rejected; the file is deleted
)

// uploadVersion is the schema version of Upload.
const uploadVersion = 1

// Upload is the console's record of one uploaded batch, kept in the uploads bucket under the
// batch id's token (the key of the batch's manifest in the batches bucket). It is the approval
// record: who uploaded it and when, the file's SHA-256, rows and control totals, who approved
// (or released) or rejected it, when and why.
type Upload struct {
	Version      int         `json:"version"`
	BatchID      string      `json:"batch_id"`
	Source       string      `json:"source"` // the file's name as uploaded
	SHA256       string      `json:"sha256"`
	Size         int64       `json:"size"`
	Rows         int         `json:"rows"`
	Totals       job.Totals  `json:"totals"`
	State        UploadState `json:"state"`
	UploadedBy   string      `json:"uploaded_by"`
	UploadedAt   time.Time   `json:"uploaded_at"`
	ApprovedBy   string      `json:"approved_by,omitempty"`
	ApprovedAt   time.Time   `json:"approved_at,omitzero"`
	FourEyes     bool        `json:"four_eyes"` // approved by a second user (approvals on), not released by the uploader
	RejectedBy   string      `json:"rejected_by,omitempty"`
	RejectedAt   time.Time   `json:"rejected_at,omitzero"`
	RejectReason string      `json:"reject_reason,omitempty"`
	EnqueuedAt   time.Time   `json:"enqueued_at,omitzero"`
	Enqueued     int         `json:"enqueued,omitempty"`
	Duplicates   int         `json:"duplicates,omitempty"`
	LastError    string      `json:"last_error,omitempty"` // the last failed enqueue attempt
}

// store keeps upload records and waiting files in NATS; with keys, each file is sealed, bound to
// its batch id.
type store struct {
	uploads jetstream.KeyValue
	files   jetstream.ObjectStore
	keys    Keys
}

// sealedMeta marks a stored file that is sealed (its metadata "sealed": "1").
const sealedMeta = "sealed"

// errSealedNoKeys: a stored file is sealed and the console has no keys to open it.
var errSealedNoKeys = errors.New("the stored file is sealed and no data key is configured")

// openStore creates (or opens) the console's bucket and object store.
func openStore(ctx context.Context, js jetstream.JetStream, replicas int, keys Keys) (*store, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: DefaultUploadsBucket,
		Description: "payrun console: upload and approval records", Storage: jetstream.FileStorage, Replicas: replicas, History: 8})
	if err != nil {
		return nil, fmt.Errorf("console: uploads bucket: %w", err)
	}
	obj, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: DefaultFilesBucket,
		Description: "payrun console: batch files waiting for approval (deleted when enqueued or rejected)", Storage: jetstream.FileStorage, Replicas: replicas})
	if err != nil {
		return nil, fmt.Errorf("console: files store: %w", err)
	}
	return &store{uploads: kv, files: obj, keys: keys}, nil
}

// errExists: an upload record for this batch already exists.
var errExists = errors.New("upload exists")

// create stores the file, then its record (checked). A batch id whose record exists gives
// errExists, unless that upload was rejected: then the file may be uploaded again.
func (s *store) create(ctx context.Context, u Upload, data []byte) error {
	key := queue.Token(u.BatchID)
	old, rev, err := s.get(ctx, u.BatchID)
	switch {
	case err == nil && old.State != StateRejected:
		return errExists
	case err != nil && !errors.Is(err, ErrUnknownUpload):
		return err
	}
	meta := jetstream.ObjectMeta{Name: key}
	if s.keys != nil {
		sealed, err := s.keys.Seal(data, []byte("console-file:"+key))
		if err != nil {
			return fmt.Errorf("console: seal file: %w", err)
		}
		data, meta.Metadata = []byte(sealed), map[string]string{sealedMeta: "1"}
	}
	if _, err := s.files.Put(ctx, meta, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("console: store file: %w", err)
	}
	buf, _ := json.Marshal(u) // plain data: cannot fail
	if rev == 0 {
		_, err = s.uploads.Create(ctx, key, buf)
	} else {
		_, err = s.uploads.Update(ctx, key, buf, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) {
		return errExists
	}
	if err != nil {
		return fmt.Errorf("console: store record: %w", err)
	}
	return nil
}

// ErrUnknownUpload: no upload record for this batch id.
var ErrUnknownUpload = errors.New("unknown upload")

// get reads a record and its revision.
func (s *store) get(ctx context.Context, batchID string) (Upload, uint64, error) {
	e, err := s.uploads.Get(ctx, queue.Token(batchID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Upload{}, 0, fmt.Errorf("console: upload %s: %w", batchID, ErrUnknownUpload)
	}
	if err != nil {
		return Upload{}, 0, fmt.Errorf("console: upload %s: %w", batchID, err)
	}
	var u Upload
	if err := json.Unmarshal(e.Value(), &u); err != nil {
		return Upload{}, 0, fmt.Errorf("console: upload %s: decode: %w", batchID, err)
	}
	if u.Version != uploadVersion {
		return Upload{}, 0, fmt.Errorf("console: upload %s: version %d: %w", batchID, u.Version, job.ErrUnknownVersion)
	}
	return u, e.Revision(), nil
}

// update applies change with compare-and-set; change returns an error to leave it unchanged.
// Two users acting at once cannot both win: the second one's change sees the first one's state.
func (s *store) update(ctx context.Context, batchID string, change func(*Upload) error) (Upload, error) {
	for attempt := 0; ; attempt++ {
		u, rev, err := s.get(ctx, batchID)
		if err != nil {
			return u, err
		}
		if err := change(&u); err != nil {
			return u, err
		}
		buf, _ := json.Marshal(u)
		_, err = s.uploads.Update(ctx, queue.Token(batchID), buf, rev)
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) || attempt >= 5 {
			return u, fmt.Errorf("console: update upload %s: %w", batchID, err)
		}
	}
}

// list returns every record.
func (s *store) list(ctx context.Context) ([]Upload, error) {
	keys, err := s.uploads.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("console: list uploads: %w", err)
	}
	var out []Upload
	for k := range keys.Keys() {
		e, err := s.uploads.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var u Upload
		if json.Unmarshal(e.Value(), &u) == nil && u.Version == uploadVersion {
			out = append(out, u)
		}
	}
	return out, nil
}

// file returns the waiting file's bytes.
func (s *store) file(ctx context.Context, batchID string) ([]byte, error) {
	r, err := s.files.Get(ctx, queue.Token(batchID))
	if err != nil {
		return nil, fmt.Errorf("console: file of %s: %w", batchID, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("console: file of %s: %w", batchID, err)
	}
	info, err := r.Info()
	if err != nil {
		return nil, fmt.Errorf("console: file of %s: %w", batchID, err)
	}
	if info.Metadata[sealedMeta] != "1" {
		return data, nil
	}
	if s.keys == nil {
		return nil, fmt.Errorf("console: file of %s: %w", batchID, errSealedNoKeys)
	}
	if data, err = s.keys.Open(string(data), []byte("console-file:"+queue.Token(batchID))); err != nil {
		return nil, fmt.Errorf("console: file of %s: %w", batchID, err)
	}
	return data, nil
}

// dropFile deletes a waiting file (enqueued or rejected); a missing one is not an error.
func (s *store) dropFile(ctx context.Context, batchID string) error {
	err := s.files.Delete(ctx, queue.Token(batchID))
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("console: delete file of %s: %w", batchID, err)
	}
	return nil
}

// ReadUpload reads a batch's upload record (for tools and tests); ErrUnknownUpload when the batch
// did not come through the console.
func ReadUpload(ctx context.Context, js jetstream.JetStream, batchID string) (Upload, error) {
	kv, err := js.KeyValue(ctx, DefaultUploadsBucket)
	if err != nil {
		return Upload{}, fmt.Errorf("console: uploads bucket: %w", err)
	}
	u, _, err := (&store{uploads: kv}).get(ctx, batchID)
	return u, err
}
