package queue

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
)

// Names are the JetStream names both binaries agree on (docs/DESIGN.md "Names"). The zero value
// is not usable; start from [DefaultNames] and override what differs.
type Names struct {
	JobStream            string // PAYOUTS (work queue)
	JobSubjectPrefix     string // payouts.jobs: a job is published on <prefix>.<batch>
	ChunkSubjectPrefix   string // payouts.chunks: enqueue's commit markers, <prefix>.<batch>.<chunk>, same stream as the jobs
	ResultStream         string // PAYOUT_RESULTS
	ResultSubjectPrefix  string // payouts.results: one result per row on <prefix>.<batch>
	SummarySubjectPrefix string // payouts.summary: the batch summary on <prefix>.<batch>
	DeadSubjectPrefix    string // payouts.dead: dead letters on <prefix>.<batch>
	Consumer             string // payout-workers: the durable pull consumer all workers share
	BatchesBucket        string // PAYRUN_BATCHES: batch manifests, key <batch token>
	OrdersBucket         string // PAYRUN_ORDERS: client_orderid reservations, key <order token> -> Reservation
	LedgerBucket         string // PAYRUN_LEDGER: payout ledger, key <batch token>.<order token>
	RateLimitBucket      string // PAYRUN_RATELIMIT: rate-limit membership, pressure, pause
}

// DefaultNames returns the documented default names.
func DefaultNames() Names {
	return Names{
		JobStream:            "PAYOUTS",
		JobSubjectPrefix:     "payouts.jobs",
		ChunkSubjectPrefix:   "payouts.chunks",
		ResultStream:         "PAYOUT_RESULTS",
		ResultSubjectPrefix:  "payouts.results",
		SummarySubjectPrefix: "payouts.summary",
		DeadSubjectPrefix:    "payouts.dead",
		Consumer:             "payout-workers",
		BatchesBucket:        "PAYRUN_BATCHES",
		OrdersBucket:         "PAYRUN_ORDERS",
		LedgerBucket:         "PAYRUN_LEDGER",
		RateLimitBucket:      "PAYRUN_RATELIMIT",
	}
}

// JobSubject is the subject a batch's jobs are published on: payouts.jobs.<batch token>.
func (n Names) JobSubject(batch string) string { return n.JobSubjectPrefix + "." + Token(batch) }

// JobSubjects is the jobs stream's job subject filter (payouts.jobs.>), the workers' consumer filter.
func (n Names) JobSubjects() string { return n.JobSubjectPrefix + ".>" }

// JobMsgID is the Nats-Msg-Id of one job: job:<batch token>:<client_orderid token>. Tokens keep
// ordinary ids as they are, so this is the documented job:<batch>:<client_orderid>.
func (n Names) JobMsgID(batch, orderID string) string {
	return "job:" + Token(batch) + ":" + Token(orderID)
}

// ChunkSubject is the subject of enqueue's commit marker for one chunk of a batch. The marker is
// published in the same atomic batch as the chunk's jobs, so it exists if and only if the jobs were
// stored (see docs/enqueue.md).
func (n Names) ChunkSubject(batch string, chunk int) string {
	return n.ChunkSubjectPrefix + "." + Token(batch) + "." + strconv.Itoa(chunk)
}

// ChunkSubjects is the filter for all of a batch's commit markers.
func (n Names) ChunkSubjects(batch string) string {
	return n.ChunkSubjectPrefix + "." + Token(batch) + ".>"
}

// ResultSubject is where each row's result is published: payouts.results.<batch token>.
func (n Names) ResultSubject(batch string) string {
	return n.ResultSubjectPrefix + "." + Token(batch)
}

// ResultMsgID is the Nats-Msg-Id of a row's result: result:<batch token>:<client_orderid token>.
func (n Names) ResultMsgID(batch, orderID string) string {
	return "result:" + Token(batch) + ":" + Token(orderID)
}

// GenerationMsgID is the Nats-Msg-Id of a row's message (job, result, dead letter: id is its
// generation-0 id) after the row was put back generation times: id itself for generation 0,
// else id + ":r<generation>", so that the put-back row's messages are never taken for
// duplicates of its earlier ones.
func (n Names) GenerationMsgID(id string, generation int) string {
	if generation <= 0 {
		return id
	}
	return id + ":r" + strconv.Itoa(generation)
}

// SummarySubject is where the batch summary is published: payouts.summary.<batch token>.
func (n Names) SummarySubject(batch string) string {
	return n.SummarySubjectPrefix + "." + Token(batch)
}

// SummaryMsgID is the Nats-Msg-Id of the batch summary: summary:<batch token>.
func (n Names) SummaryMsgID(batch string) string { return "summary:" + Token(batch) }

// DeadSubject is the dead-letter subject of a batch: payouts.dead.<batch token>.
func (n Names) DeadSubject(batch string) string {
	return n.DeadSubjectPrefix + "." + Token(batch)
}

// BatchKey is a batch's key in the batches bucket.
func (n Names) BatchKey(batch string) string { return Token(batch) }

// OrderKey is a client_orderid's key in the orders bucket.
func (n Names) OrderKey(orderID string) string { return Token(orderID) }

// LedgerKey is a payout's key in the ledger bucket: <batch token>.<client_orderid token>.
func (n Names) LedgerKey(batch, orderID string) string {
	return Token(batch) + "." + Token(orderID)
}

// resultStreamSubjects are the subjects the results stream holds.
func (n Names) resultStreamSubjects() []string {
	return []string{n.ResultSubjectPrefix + ".>", n.SummarySubjectPrefix + ".>", n.DeadSubjectPrefix + ".>"}
}

// jobStreamSubjects are the subjects the jobs stream holds.
func (n Names) jobStreamSubjects() []string {
	return []string{n.JobSubjectPrefix + ".>", n.ChunkSubjectPrefix + ".>"}
}

// maxTokenLen is the longest id kept verbatim by Token.
const maxTokenLen = 64

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// hashedTokenLen is the length of a hashed token: "h" + base32 of 32 bytes without padding.
var hashedTokenLen = 1 + tokenEncoding.EncodedLen(sha256.Size)

// looksHashed reports whether s has the form of a hashed token.
func looksHashed(s string) bool {
	if len(s) != hashedTokenLen || s[0] != 'h' {
		return false
	}
	return strings.IndexFunc(s[1:], func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') }) < 0
}

// Token turns an id (batch id, client_orderid) into a string that is safe as one subject token,
// as a KV key part and inside a message id. An id that matches [A-Za-z0-9_-]+ and is at most 64
// bytes is kept as is (unless it is spelled like a hashed token, see IsPlainToken); anything else
// becomes "h" + lowercase base32 of its SHA-256 (53 bytes).
// The mapping is deterministic, so every process derives the same token.
func Token(s string) string {
	if IsPlainToken(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h" + tokenEncoding.EncodeToString(sum[:])
}

// IsPlainToken reports whether Token keeps s unchanged: s matches [A-Za-z0-9_-]{1,64} and is not
// spelled like a hashed token ("h" + 52 lowercase base32 characters), so that no id can share the
// token of another id.
func IsPlainToken(s string) bool {
	if s == "" || len(s) > maxTokenLen || looksHashed(s) {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}
