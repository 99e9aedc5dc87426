package queue

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Settings are the stream, consumer and bucket settings Provision applies. Start from
// [DefaultSettings]; every default is documented in docs/queue.md.
type Settings struct {
	// Replicas of every stream and bucket, 1-5, or AutoReplicas (the default): 3 when the
	// server is part of a cluster, 1 on a single server, so that every process (enqueue and the
	// workers, with or without a config file) asks for the same count on the same system.
	Replicas int

	// JobMaxMsgs and JobMaxBytes bound the jobs stream. With Discard: New a full stream refuses
	// new jobs (enqueue reports it and can be re-run) instead of dropping unprocessed ones.
	// Defaults 10,000,000 messages and 8 GiB.
	JobMaxMsgs  int64
	JobMaxBytes int64
	// JobDuplicates is the jobs stream's Nats-Msg-Id window. Enqueue does not rely on it for
	// exactly-once (chunk markers do, see docs/enqueue.md); it is a second guard against a re-run or
	// a concurrent run within the window. Each id in the window costs server memory. Default 24h.
	JobDuplicates time.Duration
	// MaxMsgSize bounds one message in both streams. Default 64 KiB.
	MaxMsgSize int32

	// ResultMaxAge is how long results, summaries and dead letters are kept. Default 30 days.
	ResultMaxAge time.Duration
	// ResultMaxMsgs and ResultMaxBytes bound the results stream (Discard: New: a full results stream
	// makes workers retry publishing rather than losing old results). Defaults 50,000,000 and 16 GiB.
	ResultMaxMsgs  int64
	ResultMaxBytes int64
	// ResultDuplicates is the results stream's Nats-Msg-Id window; a worker that re-publishes a
	// result after a redelivery within it is deduplicated. Default 24h.
	ResultDuplicates time.Duration

	// AckWait is how long a worker may hold a job without acknowledging or sending InProgress
	// before it is redelivered (to another worker). It must exceed the longest HTTP call. Default 30s.
	AckWait time.Duration
	// MaxDeliver bounds deliveries of one job; -1 (the default) is unbounded. Deliveries are
	// spent by waiting too (pauses, pressure, status polls), so the worker bounds each row with
	// its ledger's own counters of failures, attempts and polls, not with this; a finite value
	// is only a backstop against a poison message.
	MaxDeliver int
	// MaxAckPending bounds jobs held by all workers together. A job waiting for its next status
	// poll (NakWithDelay) is still pending, so this also bounds the orders being followed at once:
	// size it above the number of payouts expected to be in flight at the gateway. Default 10000.
	MaxAckPending int

	// ConsumerCreateOnly makes Provision create the workers' consumer if it is missing but leave an
	// existing one's settings alone (checking only that its filter is the job subjects, so commit
	// markers never reach it). For enqueue: the workers own AckWait, MaxDeliver and MaxAckPending,
	// and a run with another config must not change them under running workers.
	ConsumerCreateOnly bool

	// History per key of the KV buckets (1-64). Defaults: batches 5, orders 1, ledger 5, ratelimit 1.
	BatchesHistory   uint8
	OrdersHistory    uint8
	LedgerHistory    uint8
	RateLimitHistory uint8
	// RateLimitMarkerTTL enables per-key TTLs in the rate-limit bucket (membership keys that expire
	// when a worker dies) and is how long delete markers of expired keys are kept. Default 1m.
	RateLimitMarkerTTL time.Duration
}

// AutoReplicas makes Provision choose the replica count from the server it is connected to:
// ClusterReplicas in a cluster, 1 on a single server.
const AutoReplicas = 0

// ClusterReplicas is the replica count AutoReplicas chooses in a cluster: R3 survives the loss
// of one node (a majority of 3 must be up), the usual size of a JetStream cluster.
const ClusterReplicas = 3

// DefaultSettings returns the documented defaults.
func DefaultSettings() Settings {
	return Settings{
		Replicas:           AutoReplicas,
		JobMaxMsgs:         10_000_000,
		JobMaxBytes:        8 << 30,
		JobDuplicates:      24 * time.Hour,
		MaxMsgSize:         64 << 10,
		ResultMaxAge:       30 * 24 * time.Hour,
		ResultMaxMsgs:      50_000_000,
		ResultMaxBytes:     16 << 30,
		ResultDuplicates:   24 * time.Hour,
		AckWait:            30 * time.Second,
		MaxDeliver:         -1,
		MaxAckPending:      10000,
		BatchesHistory:     5,
		OrdersHistory:      1,
		LedgerHistory:      5,
		RateLimitHistory:   1,
		RateLimitMarkerTTL: time.Minute,
	}
}

// ErrInvalidSettings is wrapped by Validate's errors.
var ErrInvalidSettings = errors.New("queue: invalid settings")

// Validate checks the settings for values that would make provisioning fail or be unsafe.
func (s Settings) Validate() error {
	var errs []error
	bad := func(name, reason string) {
		errs = append(errs, fmt.Errorf("%w: %s %s", ErrInvalidSettings, name, reason))
	}
	if s.Replicas < AutoReplicas || s.Replicas > 5 {
		bad("replicas", "must be 1-5, or 0 for auto")
	}
	if s.JobMaxMsgs <= 0 {
		bad("job max msgs", "must be > 0 (explicit limit)")
	}
	if s.JobMaxBytes <= 0 {
		bad("job max bytes", "must be > 0 (explicit limit)")
	}
	if s.JobDuplicates <= 0 {
		bad("job duplicate window", "must be > 0")
	}
	if s.MaxMsgSize <= 0 {
		bad("max msg size", "must be > 0")
	}
	if s.ResultMaxAge <= 0 {
		bad("result max age", "must be > 0")
	}
	if s.ResultMaxMsgs <= 0 || s.ResultMaxBytes <= 0 {
		bad("result limits", "must be > 0 (explicit limits)")
	}
	if s.ResultDuplicates <= 0 || s.ResultDuplicates > s.ResultMaxAge {
		bad("result duplicate window", "must be > 0 and <= result max age")
	}
	if s.AckWait < time.Second {
		bad("ack wait", "must be >= 1s")
	}
	if s.MaxDeliver != -1 && s.MaxDeliver < 2 {
		bad("max deliver", "must be -1 (unbounded) or >= 2 (redelivery is how work is handed over)")
	}
	if s.MaxAckPending < 1 {
		bad("max ack pending", "must be >= 1")
	}
	for name, h := range map[string]uint8{"batches": s.BatchesHistory, "orders": s.OrdersHistory, "ledger": s.LedgerHistory, "ratelimit": s.RateLimitHistory} {
		if h < 1 || h > 64 {
			bad(name+" history", "must be 1-64")
		}
	}
	if s.RateLimitMarkerTTL < 0 {
		bad("ratelimit marker ttl", "must be >= 0")
	}
	return errors.Join(errs...)
}

// Validate checks that every name is usable as a stream, subject prefix, consumer or bucket name.
func (n Names) Validate() error {
	var errs []error
	name := func(what, v string) {
		if v == "" || strings.ContainsAny(v, " \t\r\n.*>/\\") {
			errs = append(errs, fmt.Errorf("%w: %s %q: must be non-empty without spaces, '.', '*', '>', '/'", ErrInvalidSettings, what, v))
		}
	}
	prefix := func(what, v string) {
		bad := v == "" || strings.ContainsAny(v, " \t\r\n*>") || strings.HasPrefix(v, ".") || strings.HasSuffix(v, ".") || strings.Contains(v, "..")
		if bad {
			errs = append(errs, fmt.Errorf("%w: %s %q: must be a literal subject without wildcards", ErrInvalidSettings, what, v))
		}
	}
	name("job stream", n.JobStream)
	name("result stream", n.ResultStream)
	name("consumer", n.Consumer)
	name("batches bucket", n.BatchesBucket)
	name("orders bucket", n.OrdersBucket)
	name("ledger bucket", n.LedgerBucket)
	name("ratelimit bucket", n.RateLimitBucket)
	prefix("job subject prefix", n.JobSubjectPrefix)
	prefix("chunk subject prefix", n.ChunkSubjectPrefix)
	prefix("result subject prefix", n.ResultSubjectPrefix)
	prefix("summary subject prefix", n.SummarySubjectPrefix)
	prefix("dead subject prefix", n.DeadSubjectPrefix)
	return errors.Join(errs...)
}
