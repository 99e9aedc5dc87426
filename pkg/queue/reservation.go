package queue

import (
	"encoding/json"
	"fmt"
)

// Reservation is the value of a client_orderid's key in the orders bucket: the batch that owns the
// client_orderid and, since the content binding, the digest of the row's payout content
// (job.ContentDigest), so that a job naming the row with other content is never paid. A
// reservation written by an older enqueue is the bare batch id and has no digest: its job's
// content cannot be checked.
type Reservation struct {
	BatchID string `json:"batch_id"`
	Digest  string `json:"digest,omitempty"`
}

// Encode returns the bucket value: JSON (a batch id never starts with '{').
func (r Reservation) Encode() []byte {
	b, _ := json.Marshal(r) // two strings: cannot fail
	return b
}

// DecodeReservation reads a reservation value: JSON, or an older enqueue's bare batch id.
func DecodeReservation(v []byte) (Reservation, error) {
	if len(v) == 0 || v[0] != '{' {
		return Reservation{BatchID: string(v)}, nil
	}
	var r Reservation
	if err := json.Unmarshal(v, &r); err != nil {
		return Reservation{}, fmt.Errorf("queue: reservation: %w", err)
	}
	return r, nil
}
