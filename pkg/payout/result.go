package payout

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// buildResult is the row's result message (pkg/job's Result) from its job and final ledger entry.
// For a job whose content this delivery did not check (v.Unverified), the clear fields come from
// the entry when it records the row's content (Entry.Amount set), else from the message (entries
// of older builds).
func buildResult(v jobView, e *Entry) ([]byte, error) {
	r := job.Result{
		Version: job.ResultVersion, BatchID: v.BatchID, ClientOrderID: v.Job.ClientOrderID,
		Line: v.Job.Line, Status: e.Result, Amount: v.Job.Amount.String(), Currency: v.Job.Amount.Currency,
		PaynetOrderID: e.OrderID, SerialNumber: e.SerialNumber, ErrorCode: e.ErrorCode,
		ErrorMessage: e.ErrorMessage, Attempts: e.Attempts, EnqueuedAt: v.EnqueuedAt.UTC(),
		SubmittedAt: e.SubmittedAt.UTC(), FinishedAt: e.FinishedAt.UTC(), Destination: v.Destination,
		Generation: e.Generation,
	}
	if v.Unverified && e.Amount != "" { // the content a verified job recorded, never the message's
		r.Line, r.Amount, r.Currency, r.Destination = e.Line, e.Amount, e.Currency, e.Destination
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("payout: encode result: %w", err)
	}
	return b, nil
}

// DeadLetter is the message on payouts.dead.<batch>: why a job left the normal path, with the
// ledger entry (no card data) for a person to reconcile. The job payload is never included.
// It is job.DeadLetter with the ledger entry typed; consumers decode it with
// job.DecodeDeadLetter.
type DeadLetter struct {
	Version       int        `json:"version"`
	BatchID       string     `json:"batch_id,omitempty"`
	ClientOrderID string     `json:"client_orderid,omitempty"`
	Line          int        `json:"line,omitempty"`
	Reason        string     `json:"reason"`
	Result        job.Status `json:"result,omitempty"` // the result published for the row, if any
	Ledger        *Entry     `json:"ledger,omitempty"`
	Subject       string     `json:"subject"`    // the job message's subject
	StreamSeq     uint64     `json:"stream_seq"` // the job message's sequence in the jobs stream
	NumDelivered  uint64     `json:"num_delivered"`
	PayloadBytes  int        `json:"payload_bytes"`
	At            time.Time  `json:"at"`
}

// publisher publishes results and dead letters with message ids (the results stream dedups).
type publisher struct {
	js    jetstream.JetStream
	names queue.Names
}

func (p publisher) result(ctx context.Context, v jobView, e *Entry) error {
	b, err := buildResult(v, e)
	if err != nil {
		return err
	}
	id := p.names.GenerationMsgID(p.names.ResultMsgID(v.BatchID, v.Job.ClientOrderID), e.Generation)
	_, err = p.js.Publish(ctx, p.names.ResultSubject(v.BatchID), b, jetstream.WithMsgID(id))
	if err != nil {
		return fmt.Errorf("payout: publish result: %w", err)
	}
	return nil
}

// deadLetter publishes d on the batch's dead-letter subject. Its message id is per row, or per
// stream sequence for a message that is not a row of the ledger (no Ledger entry: undecodable, or
// never enqueued), so that a stray job naming a real row cannot shadow that row's dead letter.
func (p publisher) deadLetter(ctx context.Context, d DeadLetter) error {
	d.Version = job.DeadLetterVersion
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("payout: encode dead letter: %w", err)
	}
	var id string
	if d.Ledger == nil {
		id = "dead:seq:" + strconv.FormatUint(d.StreamSeq, 10)
	} else {
		id = p.names.GenerationMsgID("dead:"+queue.Token(d.BatchID)+":"+queue.Token(d.ClientOrderID), d.Ledger.Generation)
	}
	batch := d.BatchID
	if batch == "" {
		batch = "unknown"
	}
	if _, err := p.js.Publish(ctx, p.names.DeadSubject(batch), b, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("payout: publish dead letter: %w", err)
	}
	return nil
}
