package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/queue"
)

// errNotEnqueued is wrapped by the refusal of a job that enqueue did not publish: its batch has no
// manifest, its client_orderid is not reserved for its batch, it came on another batch's
// subject, or its payout content is not what enqueue reserved for the row. Such a job is
// dead-lettered and never sent.
var errNotEnqueued = errors.New("payout: job was not enqueued")

// errReservationLost is wrapped when a job's batch has a manifest and the job came on its
// subject, but its client_orderid has no reservation (none, or a delete or purge marker): either
// a job enqueue never published, or a row whose reservation was lost with broker data. The
// machine tells them apart (vouched): a vouched row is looked up and followed, never sent; any
// other job is refused (errNotEnqueued).
var errReservationLost = errors.New("payout: reservation lost")

// maxAdmittedBatches bounds the manifests remembered by one machine; past it the memory starts
// over (a manifest read per batch, not per job).
const maxAdmittedBatches = 4096

// admission decides whether a job may be paid: only a job that enqueue published is, i.e. its
// batch has a manifest, its client_orderid reservation names its batch, and the job's payout
// content is the content enqueue bound into the reservation (job.ContentDigest; a reservation of
// an older enqueue carries none and binds nothing). Manifests seen once are remembered (a manifest is never taken back while its jobs
// run); the reservation is read before every first send and never remembered.
type admission struct {
	batches jetstream.KeyValue
	orders  jetstream.KeyValue
	names   queue.Names

	mu   sync.Mutex
	seen map[string]bool // batch ids whose manifest was read
}

func newAdmission(batches, orders jetstream.KeyValue, names queue.Names) *admission {
	return &admission{batches: batches, orders: orders, names: names, seen: map[string]bool{}}
}

// check returns nil when the job on subject may be paid a first time, an error wrapping
// errNotEnqueued (with the reason) when it must never be, or another error when the buckets
// cannot be read (the job is then handed back).
func (a *admission) check(ctx context.Context, subject string, v jobView) error {
	res, err := a.reserved(ctx, subject, v.BatchID, v.Job.ClientOrderID)
	if err != nil {
		return err
	}
	// A reservation of an older enqueue has no digest: its content cannot be checked.
	if res.Digest != "" && res.Digest != v.Digest {
		return refuse("client_orderid %q: the job's payout content (amount, currency, destination or another parameter) is not what enqueue reserved for the row", v.Job.ClientOrderID)
	}
	return nil
}

// reserved checks the row's identity only (subject, manifest, reservation naming the batch) and
// returns its reservation; errors as check's.
func (a *admission) reserved(ctx context.Context, subject, batch, coid string) (queue.Reservation, error) {
	if want := a.names.JobSubject(batch); subject != want {
		return queue.Reservation{}, refuse("batch %q published on subject %q, not %q", batch, subject, want)
	}
	if err := a.manifest(ctx, batch); err != nil {
		return queue.Reservation{}, err
	}
	e, err := a.orders.Get(ctx, a.names.OrderKey(coid))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return queue.Reservation{}, fmt.Errorf("%w: client_orderid %q is not reserved", errReservationLost, coid)
	}
	if err != nil {
		return queue.Reservation{}, fmt.Errorf("payout: reservation of %q: %w", coid, err)
	}
	res, err := queue.DecodeReservation(e.Value())
	if err != nil {
		return queue.Reservation{}, refuse("client_orderid %q: %v", coid, err)
	}
	if res.BatchID != batch {
		return queue.Reservation{}, refuse("client_orderid %q is reserved by batch %q", coid, res.BatchID)
	}
	return res, nil
}

// refuse is an admission refusal: an error wrapping errNotEnqueued with the reason.
func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errNotEnqueued, fmt.Sprintf(format, args...))
}

// manifest checks (once per batch) that the batch has a manifest naming it.
func (a *admission) manifest(ctx context.Context, batch string) error {
	a.mu.Lock()
	seen := a.seen[batch]
	a.mu.Unlock()
	if seen {
		return nil
	}
	e, err := a.batches.Get(ctx, a.names.BatchKey(batch))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return fmt.Errorf("%w: batch %q has no manifest", errNotEnqueued, batch)
	}
	if err != nil {
		return fmt.Errorf("payout: manifest %s: %w", batch, err)
	}
	var m struct {
		BatchID string `json:"batch_id"`
	}
	if err := json.Unmarshal(e.Value(), &m); err != nil || m.BatchID != batch {
		return fmt.Errorf("%w: the manifest under batch %q's key is not that batch's", errNotEnqueued, batch)
	}
	a.mu.Lock()
	if len(a.seen) >= maxAdmittedBatches {
		clear(a.seen)
	}
	a.seen[batch] = true
	a.mu.Unlock()
	return nil
}

// vouched reports whether enqueue recorded the row (client_orderid and content digest) in one of
// its batch's chunk records (queue.RowRecord): read only for a row whose reservation is lost.
func (a *admission) vouched(ctx context.Context, v jobView) (bool, error) {
	keys, err := a.batches.ListKeysFiltered(ctx, a.names.RowsKeys(v.BatchID))
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("payout: row records of %s: %w", v.BatchID, err)
	}
	h := queue.RowHash(v.Job.ClientOrderID, v.Digest)
	for key := range keys.Keys() {
		e, err := a.batches.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("payout: row record %s: %w", key, err)
		}
		var rec queue.RowRecord
		if json.Unmarshal(e.Value(), &rec) == nil && rec.BatchID == v.BatchID && rec.Holds(h) {
			_ = keys.Stop()
			return true, nil
		}
	}
	return false, nil
}
