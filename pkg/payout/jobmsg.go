package payout

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/seal"
)

// errUndecodable marks a job message the machine cannot decode.
var errUndecodable = errors.New("payout: undecodable job message")

// errDataKeyUnavailable marks a job message that decodes but whose sealed parameters this
// worker cannot open for want of the data key (no key file, or a key file without the key the
// values name). It also wraps errUndecodable. Once the key is back, `enqueue --retry` can put the
// row back.
var errDataKeyUnavailable = fmt.Errorf("%w: the data key of its sealed parameters is not in this worker's key file", errUndecodable)

// jobView is what the machine needs from one job message. Job's sealed parameters stay sealed;
// params opens them right before the request is signed.
type jobView struct {
	BatchID     string
	Job         job.Job
	Destination string    // masked, from the opened parameters
	EnqueuedAt  time.Time // the stream's timestamp of the job message
	// Digest is job.ContentDigest of the opened job: what the gateway would receive. The
	// admission compares it with the one enqueue bound into the row's reservation.
	Digest string
	// Unverified: this delivery did not check the job's content against enqueue's record of the
	// row (the job cannot be read, or the row's entry existed and no send followed), so its clear
	// fields are unchecked: its result takes them from the ledger entry when the entry has them.
	Unverified bool
	msg        job.Message
}

func (v jobView) row() rowID {
	return rowID{BatchID: v.BatchID, ClientOrderID: v.Job.ClientOrderID, Line: v.Job.Line}
}

// params opens the sealed parameters (o may be nil for a message with none) and returns the
// payout request's parameters.
func (v jobView) params(o job.Opener) ([]job.Param, error) {
	m, err := v.msg.Open(o)
	if err != nil {
		return nil, err
	}
	j, err := m.Job()
	if err != nil {
		return nil, err
	}
	return j.PayoutParams(), nil
}

// decodeJob decodes a job message (pkg/job's schema) and checks that its sealed parameters open
// with o, so that a message this worker cannot pay fails here, before any ledger write. The
// error never quotes the payload: it may hold card data. With the error, the view still names the
// row as far as the payload does (batch_id, client_orderid, line), so that the dead letter of an
// undecodable job can be matched to its row; it is never a job to send.
func decodeJob(data []byte, o job.Opener) (jobView, error) {
	m, err := job.DecodeMessage(data)
	if err != nil {
		return identify(data), fmt.Errorf("%w: %w", errUndecodable, err)
	}
	j, err := m.Job()
	if err != nil {
		return identify(data), fmt.Errorf("%w: %w", errUndecodable, err)
	}
	opened, err := m.Open(o)
	if err != nil {
		sealed := jobView{BatchID: m.BatchID, Job: j, Destination: "unknown (sealed)"}
		if o == nil || errors.Is(err, seal.ErrUnknownKey) {
			return sealed, fmt.Errorf("%w: %w", errDataKeyUnavailable, err)
		}
		return sealed, fmt.Errorf("%w: %w", errUndecodable, err)
	}
	clearJob, err := opened.Job()
	if err != nil {
		return identify(data), fmt.Errorf("%w: %w", errUndecodable, err)
	}
	return jobView{BatchID: m.BatchID, Job: j, Destination: clearJob.MaskedDestination(),
		Digest: job.ContentDigest(m.BatchID, clearJob), msg: m}, nil
}

// identify reads only the row's identity (and its amount, when it parses) from a job message
// that does not decode; fields it cannot read stay empty.
func identify(data []byte) jobView {
	var id struct {
		BatchID       string `json:"batch_id"`
		ClientOrderID string `json:"client_orderid"`
		Line          int    `json:"line"`
		Amount        string `json:"amount"`
		Currency      string `json:"currency"`
	}
	_ = json.Unmarshal(data, &id) // best effort: the decode error is what is reported
	amount, _ := job.ParseAmount(id.Amount, id.Currency)
	return jobView{BatchID: id.BatchID, Job: job.Job{ClientOrderID: id.ClientOrderID, Line: id.Line, Amount: amount},
		Destination: "unknown (undecodable)"}
}

// namesRow reports whether an undecodable view names a row well enough to end it with a
// result: batch (agreeing with the subject's), client_orderid and a valid amount.
func (v jobView) namesRow(subjectBatch string) bool {
	return v.BatchID != "" && v.BatchID == subjectBatch && v.Job.ClientOrderID != "" && v.Job.Amount.Currency != ""
}
