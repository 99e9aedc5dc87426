package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
)

// State is a ledger entry's state.
type State string

// Ledger states. See docs/worker.md for the transitions.
const (
	StateSubmitting   State = "submitting"    // a payout request is (or may have been) sent
	StatePendingRetry State = "pending_retry" // the last request was definitely not sent
	StateAccepted     State = "accepted"      // the gateway created the order; polling its status
	StateFinal        State = "final"         // the row's result is decided, not yet published
	StateReported     State = "reported"      // the result is published; nothing left to do
)

// EntryVersion is the ledger entry schema version.
const EntryVersion = 1

// Entry is one payout's ledger record (JSON in the ledger bucket). It holds no card data.
type Entry struct {
	Version       int    `json:"version"`
	BatchID       string `json:"batch_id"`
	ClientOrderID string `json:"client_orderid"`
	Line          int    `json:"line,omitempty"`
	State         State  `json:"state"`
	// Attempts counts payout requests; Failures counts failed deliveries (not-sent retries,
	// failed lookups) and drives dead-lettering. Neither is the message's delivery count.
	Attempts  int  `json:"attempts"`
	Failures  int  `json:"failures"`
	Ambiguous bool `json:"ambiguous,omitempty"` // the last request's outcome is unknown
	// Refused is set when the gateway answered type=error without an order id: if the lookup
	// then finds no order, the row ends "error" with the gateway's code and is never re-sent.
	Refused bool `json:"refused,omitempty"`
	// Resent is set when a request is sent again after a lookup found no order for an earlier
	// request whose outcome was unknown. A refusal of a later request then proves nothing about
	// the earlier one (a gateway that refuses a repeated client_orderid refuses it because that
	// order exists): the row ends "unresolved", never "rejected" or "error".
	Resent bool `json:"resent,omitempty"`

	OrderID         string    `json:"order_id,omitempty"`
	SerialNumber    string    `json:"serial_number,omitempty"`
	LastStatus      string    `json:"last_status,omitempty"`
	StatusChangedAt time.Time `json:"status_changed_at,omitzero"`
	SubmittedAt     time.Time `json:"submitted_at,omitzero"`
	AcceptedAt      time.Time `json:"accepted_at,omitzero"`
	FinishedAt      time.Time `json:"finished_at,omitzero"`
	ReportedAt      time.Time `json:"reported_at,omitzero"`

	// Result fields, set when State is final or reported.
	Result       job.Status `json:"result,omitempty"` // approved, declined, filtered, error, rejected, unresolved
	ErrorCode    string     `json:"error_code,omitempty"`
	ErrorMessage string     `json:"error_message,omitempty"`
	// DeadLetter is the reason the job was dead-lettered (empty when it was not).
	DeadLetter string `json:"dead_letter,omitempty"`
	// Reason is the classifier's last reason, for a person reading the ledger.
	Reason string `json:"reason,omitempty"`
	// Generation counts the times an operator put the row back (`enqueue --retry`) after it was
	// written off with proof that nothing was sent (ProvenUnsent); 0 for the enqueued row. The
	// row's result and dead letter carry it (see docs/job.md).
	Generation int `json:"generation,omitempty"`
}

// ErrConflict means another worker changed the entry since it was read (a CAS failure).
var ErrConflict = errors.New("payout: ledger: concurrent update")

// Ledger is the payout ledger in a JetStream KV bucket; every write is compare-and-set.
type Ledger struct{ kv jetstream.KeyValue }

// NewLedger wraps the ledger bucket.
func NewLedger(kv jetstream.KeyValue) *Ledger { return &Ledger{kv: kv} }

// Get returns the entry and its revision; (nil, 0, nil) when there is none.
func (l *Ledger) Get(ctx context.Context, key string) (*Entry, uint64, error) {
	kve, err := l.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("payout: ledger: get: %w", err)
	}
	var e Entry
	if err := json.Unmarshal(kve.Value(), &e); err != nil {
		return nil, 0, fmt.Errorf("payout: ledger: decode %s: %w", key, err)
	}
	return &e, kve.Revision(), nil
}

// Put writes e: Create when rev is 0, else Update(rev). It returns the new revision, or an error
// wrapping ErrConflict when another writer got there first.
func (l *Ledger) Put(ctx context.Context, key string, e *Entry, rev uint64) (uint64, error) {
	e.Version = EntryVersion
	b, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("payout: ledger: encode: %w", err)
	}
	var n uint64
	if rev == 0 {
		n, err = l.kv.Create(ctx, key, b)
	} else {
		n, err = l.kv.Update(ctx, key, b, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, fmt.Errorf("%w: %s", ErrConflict, key)
	}
	if err != nil {
		return 0, fmt.Errorf("payout: ledger: put: %w", err)
	}
	return n, nil
}
