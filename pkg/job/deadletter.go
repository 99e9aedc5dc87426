package job

import (
	"encoding/json"
	"fmt"
	"time"
)

// DeadLetterVersion is the dead-letter schema version this build writes and reads.
const DeadLetterVersion = 1

// DeadLetter is the payload of payouts.dead.<batch> (schema version 1): why a job left the
// normal path, for a person to reconcile. The worker publishes it (pkg/payout) before the row's
// result; it never carries the job payload or card data.
//
// A message that could not be decoded at all has no ClientOrderID (and BatchID only when the
// subject names one); Ledger is the row's ledger entry as the worker wrote it (fields in
// docs/worker.md), kept raw because its schema belongs to the worker, not to consumers.
type DeadLetter struct {
	Version       int             `json:"version"`
	BatchID       string          `json:"batch_id,omitempty"`
	ClientOrderID string          `json:"client_orderid,omitempty"`
	Line          int             `json:"line,omitempty"`
	Reason        string          `json:"reason"`
	Result        Status          `json:"result,omitempty"` // the result published for the row, if any
	Ledger        json.RawMessage `json:"ledger,omitempty"`
	Subject       string          `json:"subject"`    // the job message's subject
	StreamSeq     uint64          `json:"stream_seq"` // the job message's sequence in the jobs stream
	NumDelivered  uint64          `json:"num_delivered"`
	PayloadBytes  int             `json:"payload_bytes"`
	At            time.Time       `json:"at"`
}

// DecodeDeadLetter decodes and checks a dead-letter payload: known version, a reason, and a
// valid result status when one is given.
func DecodeDeadLetter(data []byte) (DeadLetter, error) {
	var d DeadLetter
	if err := decodeVersioned(data, "dead letter", DeadLetterVersion, &d); err != nil {
		return DeadLetter{}, err
	}
	if d.Reason == "" {
		return DeadLetter{}, fmt.Errorf("job: decode dead letter %s: reason is empty", d.ClientOrderID)
	}
	if d.Result != "" && !d.Result.Valid() {
		return DeadLetter{}, fmt.Errorf("job: decode dead letter %s: unknown result status %q", d.ClientOrderID, d.Result)
	}
	return d, nil
}
