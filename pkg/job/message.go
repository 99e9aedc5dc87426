package job

import (
	"encoding/json"
	"fmt"
	"time"
)

// Schema versions this build writes and reads.
const (
	MessageVersion      = 1
	ResultVersion       = 1
	BatchSummaryVersion = 1
)

// Message is the job message: the payload of one job on the job stream (schema version 1).
// It never carries cvv2.
type Message struct {
	Version       int     `json:"version"`
	BatchID       string  `json:"batch_id"`
	Line          int     `json:"line"`
	ClientOrderID string  `json:"client_orderid"`
	Amount        string  `json:"amount"` // major units, shortest exact form (Amount.Numeric)
	Currency      string  `json:"currency"`
	Params        []Param `json:"params"` // canonical names, CSV order, amount as in Amount
	// Sealed names the parameters whose values are sealed (version 2 only; see Seal).
	Sealed []string `json:"sealed,omitempty"`
}

// NewMessage builds the stream payload of j in batch batchID.
func NewMessage(batchID string, j Job) Message {
	return Message{
		Version:       MessageVersion,
		BatchID:       batchID,
		Line:          j.Line,
		ClientOrderID: j.ClientOrderID,
		Amount:        j.Amount.Numeric(),
		Currency:      j.Amount.Currency,
		Params:        j.PayoutParams(),
	}
}

// Job returns the job the message carries, with its amount parsed exactly.
func (m Message) Job() (Job, error) {
	a, err := ParseAmount(m.Amount, m.Currency)
	if err != nil {
		return Job{}, fmt.Errorf("job: message %s: %w", m.ClientOrderID, err)
	}
	return Job{ClientOrderID: m.ClientOrderID, Amount: a, Params: m.Params, Line: m.Line}, nil
}

// DecodeMessage decodes and checks a job stream payload: known version (1, or 2 with sealed
// parameters, see checkSealed),
// batch id and client_orderid present, exact amount, no card security code,
// and params whose client_orderid, amount and currency (each at most once)
// agree with the message's own fields.
func DecodeMessage(data []byte) (Message, error) {
	var m Message
	want := MessageVersion
	if peekVersion(data) == SealedMessageVersion {
		want = SealedMessageVersion
	}
	if err := decodeVersioned(data, "job message", want, &m); err != nil {
		return Message{}, err
	}
	if reason := checkSealed(m); reason != "" {
		return Message{}, fmt.Errorf("job: decode job message %s: %s", safeValue(m.ClientOrderID), reason)
	}
	switch {
	case m.BatchID == "":
		return Message{}, fmt.Errorf("job: decode job message: batch_id is empty")
	case m.ClientOrderID == "":
		return Message{}, fmt.Errorf("job: decode job message: client_orderid is empty")
	}
	amount, err := ParseAmount(m.Amount, m.Currency)
	if err != nil {
		return Message{}, fmt.Errorf("job: decode job message %s: %w", m.ClientOrderID, err)
	}
	seen := map[string]bool{}
	for _, p := range m.Params {
		if isCVVName(p.Name) {
			return Message{}, fmt.Errorf("job: decode job message %s: carries a card security code (%s); refused", m.ClientOrderID, p.Name)
		}
		if reason := checkKeyParam(p, m, amount); reason != "" {
			return Message{}, fmt.Errorf("job: decode job message %s: params: %s", m.ClientOrderID, reason)
		}
		if seen[p.Name] && (p.Name == "client_orderid" || p.Name == "amount" || p.Name == "currency") {
			return Message{}, fmt.Errorf("job: decode job message %s: params: %s given twice", m.ClientOrderID, p.Name)
		}
		seen[p.Name] = true
	}
	return m, nil
}

// checkKeyParam compares a client_orderid, amount or currency parameter with the message's
// own fields: the worker keys its ledger and status lookups by the message's client_orderid
// and sends the parameters, so a disagreement would pay something other than what was
// validated, or under another id. It returns the reason, or "".
func checkKeyParam(p Param, m Message, amount Amount) string {
	switch p.Name {
	case "client_orderid":
		if p.Value != m.ClientOrderID {
			return fmt.Sprintf("client_orderid %q differs from the message's", safeValue(p.Value))
		}
	case "currency":
		if p.Value != m.Currency {
			return fmt.Sprintf("currency %q differs from the message's %s", safeValue(p.Value), m.Currency)
		}
	case "amount":
		if a, err := ParseAmount(p.Value, m.Currency); err != nil || a != amount {
			return fmt.Sprintf("amount %q differs from the message's %s", safeValue(p.Value), amount)
		}
	}
	return ""
}

// Status is the outcome of one payout in a Result.
type Status string

// The statuses of a Result.
const (
	StatusApproved   Status = "approved"   // the gateway paid out
	StatusDeclined   Status = "declined"   // the gateway or the bank declined
	StatusFiltered   Status = "filtered"   // stopped by the gateway's fraud filters
	StatusError      Status = "error"      // the gateway ended the payout with an error
	StatusRejected   Status = "rejected"   // refused before processing (validation, auth); never sent again
	StatusUnresolved Status = "unresolved" // outcome unknown (ambiguous send, status not final): needs a person
)

// Statuses lists every status in a stable order.
var Statuses = []Status{StatusApproved, StatusDeclined, StatusFiltered, StatusError, StatusRejected, StatusUnresolved}

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusApproved, StatusDeclined, StatusFiltered, StatusError, StatusRejected, StatusUnresolved:
		return true
	}
	return false
}

// Final reports whether the money outcome is known: every valid status but
// unresolved, which needs a status check or a person.
func (s Status) Final() bool { return s.Valid() && s != StatusUnresolved }

// Result is the payload of the results subject (schema version 1): the
// outcome of one payout. Destination is masked; times are UTC RFC 3339.
type Result struct {
	Version       int       `json:"version"`
	BatchID       string    `json:"batch_id"`
	ClientOrderID string    `json:"client_orderid"`
	Line          int       `json:"line,omitempty"` // the row's line in the source file (1 = header)
	Status        Status    `json:"status"`
	Amount        string    `json:"amount"`
	Currency      string    `json:"currency"`
	PaynetOrderID string    `json:"paynet_order_id,omitempty"`
	SerialNumber  string    `json:"serial_number,omitempty"`
	ErrorCode     string    `json:"error_code,omitempty"`
	ErrorMessage  string    `json:"error_message,omitempty"`
	Attempts      int       `json:"attempts"`
	EnqueuedAt    time.Time `json:"enqueued_at,omitzero"`
	SubmittedAt   time.Time `json:"submitted_at,omitzero"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
	Destination   string    `json:"destination"` // Job.MaskedDestination
	// Generation is 0 for the row as enqueued and n for its result after the n-th
	// `enqueue --retry` put it back (it had been written off with proof that nothing was sent).
	// A result of a higher generation supersedes the row's earlier ones.
	Generation int `json:"generation,omitempty"`
}

// DecodeResult decodes and checks a result payload.
func DecodeResult(data []byte) (Result, error) {
	var r Result
	if err := decodeVersioned(data, "result", ResultVersion, &r); err != nil {
		return Result{}, err
	}
	if !r.Status.Valid() {
		return Result{}, fmt.Errorf("job: decode result %s: unknown status %q", r.ClientOrderID, r.Status)
	}
	if _, err := ParseAmount(r.Amount, r.Currency); err != nil {
		return Result{}, fmt.Errorf("job: decode result %s: %w", r.ClientOrderID, err)
	}
	return r, nil
}

// BatchSummary is the batch summary event (schema version 1), published when
// every job of a batch has a final result.
type BatchSummary struct {
	Version    int               `json:"version"`
	BatchID    string            `json:"batch_id"`
	Rows       int               `json:"rows"`
	Counts     map[Status]int    `json:"counts"`
	Totals     map[Status]Totals `json:"totals"` // per status, per currency, exact
	FinishedAt time.Time         `json:"finished_at"`
	// Generation is 0 for the summary published when the batch first completed and n for the
	// one published after the n-th `enqueue --retry` run, once the rows it put back finished.
	// It counts, for each row, the result of the row's highest generation; a summary of a higher
	// generation supersedes the batch's earlier ones.
	Generation int `json:"generation,omitempty"`
}

// NewBatchSummary returns an empty summary ready for Add.
func NewBatchSummary(batchID string, rows int) BatchSummary {
	return BatchSummary{Version: BatchSummaryVersion, BatchID: batchID, Rows: rows, Counts: map[Status]int{}, Totals: map[Status]Totals{}}
}

// Add counts one result into the summary.
func (b *BatchSummary) Add(r Result) error {
	if !r.Status.Valid() {
		return fmt.Errorf("job: batch summary: unknown status %q", r.Status)
	}
	a, err := ParseAmount(r.Amount, r.Currency)
	if err != nil {
		return fmt.Errorf("job: batch summary: %w", err)
	}
	if b.Totals[r.Status] == nil {
		b.Totals[r.Status] = Totals{}
	}
	if err := b.Totals[r.Status].Add(a); err != nil {
		return fmt.Errorf("job: batch summary: %w", err)
	}
	b.Counts[r.Status]++
	return nil
}

// Total is the sum of every status's totals, per currency: what the whole batch came to. It
// fails (ErrAmountOverflow) only when a currency's sum does not fit in an Amount.
func (b BatchSummary) Total() (Totals, error) {
	all := Totals{}
	for _, t := range b.Totals {
		for _, a := range t {
			if err := all.Add(a); err != nil {
				return nil, fmt.Errorf("job: batch summary total: %w", err)
			}
		}
	}
	return all, nil
}

// DecodeBatchSummary decodes and checks a batch summary payload.
func DecodeBatchSummary(data []byte) (BatchSummary, error) {
	var b BatchSummary
	if err := decodeVersioned(data, "batch summary", BatchSummaryVersion, &b); err != nil {
		return BatchSummary{}, err
	}
	for s := range b.Counts {
		if !s.Valid() {
			return BatchSummary{}, fmt.Errorf("job: decode batch summary %s: unknown status %q", b.BatchID, s)
		}
	}
	for s := range b.Totals {
		if !s.Valid() {
			return BatchSummary{}, fmt.Errorf("job: decode batch summary %s: unknown status %q", b.BatchID, s)
		}
	}
	return b, nil
}

// decodeVersioned reads the version first, so a message of another version
// fails with ErrUnknownVersion rather than a confusing field error.
func decodeVersioned(data []byte, what string, want int, out any) error {
	var v struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("job: decode %s: %w", what, err)
	}
	if v.Version == nil {
		return fmt.Errorf("job: decode %s: no version field: %w", what, ErrUnknownVersion)
	}
	if *v.Version != want {
		return fmt.Errorf("job: decode %s: version %d, this build reads version %d: %w", what, *v.Version, want, ErrUnknownVersion)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("job: decode %s: %w", what, err)
	}
	return nil
}
