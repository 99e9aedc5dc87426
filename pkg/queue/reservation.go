package queue

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"
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

// DecodeReservation reads a reservation value: JSON, or an older enqueue's bare batch id (which
// must be non-empty UTF-8).
func DecodeReservation(v []byte) (Reservation, error) {
	if len(v) == 0 || !utf8.Valid(v) {
		return Reservation{}, fmt.Errorf("queue: reservation: not a batch id (%d bytes)", len(v))
	}
	if v[0] != '{' {
		return Reservation{BatchID: string(v)}, nil
	}
	var r Reservation
	if err := json.Unmarshal(v, &r); err != nil {
		return Reservation{}, fmt.Errorf("queue: reservation: %w", err)
	}
	return r, nil
}

// RowsKey is the batches-bucket key of the record of chunk n of a batch: the rows enqueue
// published in it (RowRecord), which vouches for a row whose reservation was lost.
func (n Names) RowsKey(batchID string, chunk int) string {
	return n.BatchKey(batchID) + ".rows." + strconv.Itoa(chunk)
}

// RowsKeys is the filter matching every chunk record of a batch.
func (n Names) RowsKeys(batchID string) string { return n.BatchKey(batchID) + ".rows.*" }

// RowRecord is the value under RowsKey: the batch and, for each row of the chunk, the first 8
// bytes of SHA-256(client_orderid, content digest) (RowHash), sorted, base64.
type RowRecord struct {
	BatchID string `json:"batch_id"`
	Chunk   int    `json:"chunk"`
	Rows    []byte `json:"row_hashes"`
}

const rowHashLen = 8

// RowHash is a row's entry in a RowRecord.
func RowHash(clientOrderID, digest string) []byte {
	sum := sha256.Sum256([]byte(clientOrderID + "\x00" + digest))
	return sum[:rowHashLen]
}

// NewRowRecord returns the record of a chunk whose rows have the given hashes.
func NewRowRecord(batchID string, chunk int, hashes [][]byte) RowRecord {
	slices.SortFunc(hashes, bytes.Compare)
	return RowRecord{BatchID: batchID, Chunk: chunk, Rows: bytes.Join(hashes, nil)}
}

// Holds reports whether the record lists the row hash h.
func (r RowRecord) Holds(h []byte) bool {
	n := len(r.Rows) / rowHashLen
	i, found := sort.Find(n, func(i int) int { return bytes.Compare(h, r.Rows[i*rowHashLen:(i+1)*rowHashLen]) })
	return found && i < n
}
