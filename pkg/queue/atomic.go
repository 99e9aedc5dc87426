package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

// Atomic batch publish headers (NATS 2.12+, stream needs AllowAtomicPublish).
const (
	hdrBatchID     = "Nats-Batch-Id"
	hdrBatchSeq    = "Nats-Batch-Sequence"
	hdrBatchCommit = "Nats-Batch-Commit"
	// HeaderExpectedLastSubjectSeq makes the server store a message only if the last message on its
	// subject has this sequence ("0": the subject must be empty). Inside an atomic batch, one failing
	// expectation rejects the whole batch.
	HeaderExpectedLastSubjectSeq = "Nats-Expected-Last-Subject-Sequence"
)

// MaxAtomicBatch is the server's default maximum number of messages in one atomic batch.
const MaxAtomicBatch = 1000

// JetStream API error codes PublishAtomic callers act on.
const (
	errCodeWrongLastSequence     = 10071
	errCodeAtomicDuplicate       = 10201
	errCodeWrongLastSeqConstant  = 10164
	errCodeAtomicIncompleteBatch = 10176
)

var (
	// ErrWrongLastSequence: a Nats-Expected-Last-Subject-Sequence expectation failed (for a
	// "must be empty" expectation: the subject already has a message).
	ErrWrongLastSequence = errors.New("wrong last sequence")
	// ErrAtomicDuplicate: a message of the batch has a Nats-Msg-Id already stored within the
	// duplicate window, so the whole batch was rejected.
	ErrAtomicDuplicate = errors.New("atomic batch contains a duplicate message id")
	// ErrBatchIncomplete: the server did not see the whole batch (lost messages, timeout, restart);
	// nothing was stored and the batch can be sent again.
	ErrBatchIncomplete = errors.New("atomic batch incomplete")
)

// APIError is a JetStream API error answered to a publish.
type APIError struct {
	Code        int    `json:"code"`
	ErrCode     int    `json:"err_code"`
	Description string `json:"description"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("jetstream: %s (code %d, err_code %d)", e.Description, e.Code, e.ErrCode)
}

// Is maps well-known codes to this package's sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrWrongLastSequence:
		return e.ErrCode == errCodeWrongLastSequence || e.ErrCode == errCodeWrongLastSeqConstant
	case ErrAtomicDuplicate:
		return e.ErrCode == errCodeAtomicDuplicate
	case ErrBatchIncomplete:
		return e.ErrCode == errCodeAtomicIncompleteBatch
	}
	return false
}

// AtomicAck acknowledges a committed atomic batch.
type AtomicAck struct {
	Stream  string `json:"stream"`
	Seq     uint64 `json:"seq"` // stream sequence of the batch's last message
	BatchID string `json:"batch"`
	Count   int    `json:"count"`
}

// PublishAtomic publishes msgs (1..MaxAtomicBatch, all to one stream) as one atomic batch: the
// stream stores all of them or none. It sets the batch headers on msgs. The commit is a request;
// when ctx has no deadline, 30s bounds the wait. An error that is neither an *APIError nor
// ErrBatchIncomplete (a timeout, a lost connection) leaves the outcome unknown: the caller must be
// able to tell by other means (for example an expected-last-subject-sequence marker in the batch).
func PublishAtomic(ctx context.Context, nc *nats.Conn, msgs []*nats.Msg) (AtomicAck, error) {
	return PublishAtomicFunc(ctx, nc, len(msgs), func(i int, m *nats.Msg) {
		*m = *msgs[i]
		if m.Header == nil {
			m.Header = nats.Header{}
			msgs[i].Header = m.Header
		}
	})
}

// PublishAtomicFunc is PublishAtomic for n messages produced one at a time by fill, so a large
// batch need not be held in memory as messages: fill(i, m) sets m's subject, data and headers (m
// is reused, its Header map is cleared before each call and never nil). Each message is written to
// the connection before the next fill.
func PublishAtomicFunc(ctx context.Context, nc *nats.Conn, n int, fill func(i int, m *nats.Msg)) (AtomicAck, error) {
	if n <= 0 || n > MaxAtomicBatch {
		return AtomicAck{}, fmt.Errorf("queue: atomic publish: %d messages, want 1-%d", n, MaxAtomicBatch)
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return AtomicAck{}, fmt.Errorf("queue: atomic publish: batch id: %w", err)
	}
	id := hex.EncodeToString(raw[:])
	hdr := nats.Header{}
	m := &nats.Msg{}
	for i := range n {
		clear(hdr)
		*m = nats.Msg{Header: hdr}
		fill(i, m)
		if m.Header == nil {
			m.Header = hdr
		}
		m.Header.Set(hdrBatchID, id)
		m.Header.Set(hdrBatchSeq, strconv.Itoa(i+1))
		if i == n-1 {
			m.Header.Set(hdrBatchCommit, "1")
			break
		}
		if err := nc.PublishMsg(m); err != nil {
			return AtomicAck{}, fmt.Errorf("queue: atomic publish: %w", wrapUnavailable(err))
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	m.Reply = ""
	resp, err := nc.RequestMsgWithContext(ctx, m)
	if err != nil {
		return AtomicAck{}, fmt.Errorf("queue: atomic publish: commit: %w", wrapUnavailable(err))
	}
	var r struct {
		AtomicAck
		Error *APIError `json:"error"`
	}
	if err := json.Unmarshal(resp.Data, &r); err != nil {
		return AtomicAck{}, fmt.Errorf("queue: atomic publish: commit: bad reply %q: %w", resp.Data, err)
	}
	if r.Error != nil {
		return AtomicAck{}, fmt.Errorf("queue: atomic publish: %w", r.Error)
	}
	if r.Count != n {
		return r.AtomicAck, fmt.Errorf("queue: atomic publish: committed %d of %d messages", r.Count, n)
	}
	return r.AtomicAck, nil
}

// AtomicMsgSize is the size the server counts against a stream's max_msg_size and its max_payload
// for message number seq (1-based) of an atomic batch published by PublishAtomicFunc with data
// bytes and the headers hdr: the payload plus the header block, batch headers included (commit:
// the message is the batch's last). It is exact; for a message whose place in its batch is not
// known yet, pass seq MaxAtomicBatch (an upper bound by at most 3 bytes).
func AtomicMsgSize(data int, hdr nats.Header, seq int, commit bool) int {
	n := len("NATS/1.0\r\n") + len("\r\n")
	line := func(k, v string) { n += len(k) + len(": ") + len(v) + len("\r\n") }
	for k, vs := range hdr {
		for _, v := range vs {
			line(k, v)
		}
	}
	line(hdrBatchID, "0123456789abcdef0123456789abcdef") // 16 random bytes in hex
	line(hdrBatchSeq, strconv.Itoa(seq))
	if commit {
		line(hdrBatchCommit, "1")
	}
	return n + data
}

// IsRefused reports an atomic publish that stored nothing because it was refused: the server
// answered it with an error (too large, stream full, a failed expectation...), or the client would
// not send a message over the server's max_payload. Unlike a timeout or a lost connection, its
// outcome is known.
func IsRefused(err error) bool {
	var api *APIError
	return errors.As(err, &api) || errors.Is(err, nats.ErrMaxPayload)
}
