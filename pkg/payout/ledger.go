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
	// StateLost: on a redelivery the ledger held no entry for the row, or a delete/purge marker
	// (Lost says which). What it held is gone, so a request may have left: the order is looked
	// up before anything else, and only a definite "no such order" for a missing (never a
	// deleted) entry licenses a send (invariants I1, I3: docs/worker.md).
	StateLost State = "lost"
)

// Why an entry is lost (Entry.Lost).
const (
	lostMissingEntry = "missing" // no entry at all on a redelivery (a lost write, a recreated bucket)
	lostDeletedEntry = "deleted" // a delete or purge marker: a tombstone, never paid again
	// lostReservation: the row's client_orderid reservation was lost (its row vouched for by
	// enqueue's chunk record, or by its ledger entry): looked up and followed, never sent.
	lostReservation = "reservation"
)

// EntryVersion is the ledger entry schema version.
const EntryVersion = 1

// Entry is one payout's ledger record (JSON in the ledger bucket). It holds no card data.
type Entry struct {
	Version       int    `json:"version"`
	BatchID       string `json:"batch_id"`
	ClientOrderID string `json:"client_orderid"`
	Line          int    `json:"line,omitempty"`
	// Amount (shortest exact major units, as in the result), Currency and Destination (masked,
	// never the clear account or card) are the row's content as a readable job whose content
	// digest matched the row's enqueue record wrote it; Line is then that job's line too. A
	// result published from a delivery whose job cannot be read (undecodable, or its data key is
	// missing) takes these fields from the entry, never from the message. Empty in entries of
	// older builds and in entries first written from an unreadable job.
	Amount      string `json:"amount,omitempty"`
	Currency    string `json:"currency,omitempty"`
	Destination string `json:"destination,omitempty"`
	State       State  `json:"state"`
	// Attempts counts payout requests; Failures counts failed deliveries (not-sent retries,
	// failed lookups) and drives dead-lettering. Neither is the message's delivery count.
	Attempts int `json:"attempts"`
	Failures int `json:"failures"`
	// Polls counts status lookups (the ledger, not the delivery count, says how often a row
	// was looked at).
	Polls int `json:"polls,omitempty"`
	// Lost says why the entry is StateLost: "missing" (no entry at all on a redelivery),
	// "deleted" (a delete or purge marker) or "reservation" (the row's reservation was lost).
	Lost string `json:"lost,omitempty"`
	// Refused and Resent are facts about the row's history, not states: each one outlives the
	// state it was set in and changes a later decision (docs/worker.md, "The state machine").
	// A submitting entry's last request has an unknown outcome whether the call returned that
	// (a timeout, a drop) or never returned (a crash): the classifier treats both alike.
	//
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
	// Deadline is the deadline of the last payout request, written with the entry before the
	// request is sent. Every reader, whatever its own call_timeout and settle_delay, waits
	// until it has passed (plus its settle margin) before a lookup or a second request.
	Deadline time.Time `json:"deadline,omitzero"`
	// LookedUpAt is when a status lookup last answered (pending or final).
	LookedUpAt time.Time `json:"looked_up_at,omitzero"`
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	ReportedAt time.Time `json:"reported_at,omitzero"`

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

// recordContent records the row's content from v, a readable job whose content digest matched
// enqueue's record of the row (the destination is masked).
func (e *Entry) recordContent(v jobView) {
	e.Line, e.Amount, e.Currency, e.Destination = v.Job.Line, v.Job.Amount.String(), v.Job.Amount.Currency, v.Destination
}

// errConflict means another worker changed the entry since it was read (a CAS failure).
var errConflict = errors.New("payout: ledger: concurrent update")

// ledger is the payout ledger in a JetStream KV bucket; every write is compare-and-set.
type ledger struct {
	kv jetstream.KeyValue
	// st is the bucket's stream: a key's last message tells a delete or purge marker from a
	// key that never existed, which the KV API does not.
	st jetstream.Stream
}

// newLedger wraps the ledger bucket and its stream (KV_<bucket>).
func newLedger(kv jetstream.KeyValue, st jetstream.Stream) *ledger { return &ledger{kv: kv, st: st} }

// openLedger binds the ledger bucket and its stream.
func openLedger(ctx context.Context, js jetstream.JetStream, bucket string) (*ledger, error) {
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("payout: ledger bucket %s: %w", bucket, err)
	}
	st, err := js.Stream(ctx, "KV_"+bucket)
	if err != nil {
		return nil, fmt.Errorf("payout: ledger bucket %s: stream: %w", bucket, err)
	}
	return newLedger(kv, st), nil
}

// Get returns the entry and its revision; (nil, 0, nil) when the key never existed (or its
// history is gone). A delete or purge marker is returned as a StateLost entry (Lost:
// lostDeletedEntry) with the marker's revision, so that the next write is an Update over it and the
// row is never taken for new.
func (l *ledger) Get(ctx context.Context, key string) (*Entry, uint64, error) {
	kve, err := l.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return l.marker(ctx, key)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("payout: ledger: get: %w", err)
	}
	return decodeEntry(key, kve)
}

func decodeEntry(key string, kve jetstream.KeyValueEntry) (*Entry, uint64, error) {
	var e Entry
	if err := json.Unmarshal(kve.Value(), &e); err != nil {
		return nil, 0, fmt.Errorf("payout: ledger: decode %s: %w", key, err)
	}
	return &e, kve.Revision(), nil
}

// marker reads the last message of a key the KV API calls not found: a delete or purge marker
// (a tombstone) or nothing.
func (l *ledger) marker(ctx context.Context, key string) (*Entry, uint64, error) {
	if l.st == nil {
		return nil, 0, nil
	}
	m, err := l.st.GetLastMsgForSubject(ctx, "$KV."+l.kv.Bucket()+"."+key)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("payout: ledger: get %s: %w", key, err)
	}
	if op := m.Header.Get("KV-Operation"); op == "" && m.Header.Get(jetstream.MarkerReasonHeader) == "" {
		// A value after all (written between the two reads): read it again.
		kve, err := l.kv.Get(ctx, key)
		if err != nil {
			return nil, 0, fmt.Errorf("payout: ledger: get %s again: %w", key, err)
		}
		return decodeEntry(key, kve)
	}
	return &Entry{Version: EntryVersion, State: StateLost, Lost: lostDeletedEntry}, m.Sequence, nil
}

// Put writes e: a create when rev is 0 (refused over a delete or purge marker), else Update(rev). It returns the new revision, or an error
// wrapping errConflict when another writer got there first.
func (l *ledger) Put(ctx context.Context, key string, e *Entry, rev uint64) (uint64, error) {
	e.Version = EntryVersion
	b, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("payout: ledger: encode: %w", err)
	}
	// Revision 0 means "the key has no message at all": unlike KeyValue.Create, an Update
	// with revision 0 refuses a key whose last message is a delete or purge marker, so a
	// tombstone is never mistaken for a new row.
	n, err := l.kv.Update(ctx, key, b, rev)
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, fmt.Errorf("%w: %s", errConflict, key)
	}
	if err != nil {
		return 0, fmt.Errorf("payout: ledger: put: %w", err)
	}
	return n, nil
}
