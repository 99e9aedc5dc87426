package poolstatus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// Sending says whether the pool may send payout requests now.
type Sending string

// The values of Sending.
const (
	SendingPaused    Sending = "paused"    // an operator paused the pool: nothing is sent
	SendingAuthStop  Sending = "auth"      // the gateway refused the pool's credentials: nothing is sent until they are fixed
	SendingPressure  Sending = "pressure"  // the gateway pushed back (429/503): nothing is sent until PressureUntil
	SendingLimited   Sending = "limited"   // sending, at most ConfiguredRate requests/s for the whole pool
	SendingUnlimited Sending = "unlimited" // sending, no configured limit
	SendingUnknown   Sending = "unknown"   // the pool's state could not be read (PoolError)
)

// Pool is the pool-wide state kept in the rate-limit bucket.
type Pool struct {
	Paused         bool      `json:"paused"`
	PauseKind      string    `json:"pause_kind,omitempty"` // operator, or auth (the gateway refused the credentials)
	PauseReason    string    `json:"pause_reason,omitempty"`
	PausedAt       time.Time `json:"paused_at,omitzero"`
	Workers        []string  `json:"workers"` // registered member ids (one that died lingers until the limiter's dead_after)
	PressureUntil  time.Time `json:"pressure_until,omitzero"`
	PressureLevel  int       `json:"pressure_level,omitempty"`
	PressureReason string    `json:"pressure_reason,omitempty"` // retry-after or storm
	Factor         float64   `json:"factor"`                    // the adaptive factor of the configured rate (1: full rate)
}

// Status is the whole answer of `worker status`.
type Status struct {
	At             time.Time `json:"at"`
	Pool           Pool      `json:"pool"`
	ConfiguredRate float64   `json:"configured_rate"` // pool-wide requests/s from the configuration; 0 = no limit
	Sending        Sending   `json:"sending"`
	// EffectiveRate is the pool-wide rate the workers may send at now: the configured rate times
	// the adaptive factor when Sending is limited, else 0 (stopped, or no limit).
	EffectiveRate float64        `json:"effective_rate"`
	Consumer      ConsumerStatus `json:"consumer"`
	Batches       []BatchStatus  `json:"batches"` // not yet completed, by id
	// Replication says where the copies of every stream, bucket and the consumer are and
	// whether they are current.
	Replication Replication `json:"replication"`

	// PoolError, ConsumerError and BatchesError say why that section could not be read (then
	// it holds its zero value); "" when it was read. A replication group that could not be read
	// has its own Group.Error.
	PoolError     string `json:"pool_error,omitempty"`
	ConsumerError string `json:"consumer_error,omitempty"`
	BatchesError  string `json:"batches_error,omitempty"`
}

// ErrIncomplete is returned by Read, wrapped with the unread sections and their errors, when
// the pool, the consumer or the batches could not be read.
var ErrIncomplete = errors.New("status incomplete")

// DefaultTimeout is Options.Timeout's default.
const DefaultTimeout = 5 * time.Second

// ConsumerStatus is the workers' durable consumer.
type ConsumerStatus struct {
	Name        string `json:"name"`
	Pending     uint64 `json:"pending"`     // jobs not yet delivered to any worker
	AckPending  int    `json:"ack_pending"` // delivered, not yet acknowledged
	Redelivered int    `json:"redelivered"` // delivered more than once, not yet acknowledged
	Waiting     int    `json:"waiting"`     // pull requests of idle workers
}

// BatchStatus is one batch that is not completed yet.
type BatchStatus struct {
	ID       string `json:"batch_id"`
	State    string `json:"state"`    // publishing, enqueued
	Enqueued int    `json:"enqueued"` // jobs the batch published
	Results  uint64 `json:"results"`  // results in the results stream
	Pending  uint64 `json:"pending"`  // jobs still in the job stream (not yet finished by a worker)
	// From the payout ledger: rows a worker has started and not yet reported, and of those the
	// ones that failed at least once and are being retried (redelivered after a failure).
	Open     int `json:"open"`
	Retrying int `json:"retrying"`
}

// Options say where to read.
type Options struct {
	Names          queue.Names // default queue.DefaultNames()
	ConfiguredRate float64     // ratelimit.rate of the configuration (0 = no limit)
	Now            func() time.Time
	// Timeout bounds the read of each section (pool, consumer, batches) and of each replication
	// group; default DefaultTimeout. The sections are read at the same time, so Read takes
	// about Timeout at most.
	Timeout time.Duration
}

// ReadPool reads the pause, pressure and membership records.
func ReadPool(ctx context.Context, js jetstream.JetStream, names queue.Names) (Pool, error) {
	ctl, err := ratelimit.OpenControl(ctx, js, names.RateLimitBucket)
	if err != nil {
		return Pool{}, fmt.Errorf("poolstatus: %w", err)
	}
	st, err := ctl.Status(ctx)
	if err != nil {
		return Pool{}, fmt.Errorf("poolstatus: %w", err)
	}
	workers := slices.Sorted(slices.Values(st.Members))
	if workers == nil {
		workers = []string{}
	}
	return Pool{Paused: st.Paused, PauseKind: st.PauseKind, PauseReason: st.PauseReason, PausedAt: st.PausedAt, Workers: workers,
		PressureUntil: st.PressureUntil, PressureLevel: st.PressureLevel, PressureReason: st.PressureReason, Factor: st.Factor}, nil
}

// Read reads everything Status holds. Each section is read on its own, at the same time as the
// others and bounded by Options.Timeout: one that cannot be read (a group without a leader does
// not answer when the cluster has lost its majority) does not keep the others from being read.
// Read always returns every section it could read; its only error wraps ErrIncomplete and names
// the sections it could not read (pool, consumer, batches: their *Error fields say why). Replication
// groups that could not be read carry their error in the group and do not make Read fail.
func Read(ctx context.Context, js jetstream.JetStream, o Options) (Status, error) {
	if o.Names == (queue.Names{}) {
		o.Names = queue.DefaultNames()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	st := Status{At: o.Now().UTC(), ConfiguredRate: o.ConfiguredRate}
	var poolErr, consumerErr, batchesErr error
	bounded := func(read func(context.Context)) func() {
		return func() {
			ctx, cancel := context.WithTimeout(ctx, o.Timeout)
			defer cancel()
			read(ctx)
		}
	}
	var wg sync.WaitGroup
	wg.Go(bounded(func(ctx context.Context) { st.Pool, poolErr = ReadPool(ctx, js, o.Names) }))
	wg.Go(bounded(func(ctx context.Context) { st.Consumer, consumerErr = readConsumer(ctx, js, o.Names) }))
	wg.Go(bounded(func(ctx context.Context) { st.Batches, batchesErr = readBatches(ctx, js, o.Names) }))
	wg.Go(func() { st.Replication = readReplication(ctx, js, o.Names, o.Timeout) })
	wg.Wait()

	var unread []string
	note := func(section string, err error, field *string) {
		if err != nil {
			*field = err.Error()
			unread = append(unread, fmt.Sprintf("%s (%v)", section, err))
		}
	}
	note("pool", poolErr, &st.PoolError)
	note("consumer", consumerErr, &st.ConsumerError)
	note("batches", batchesErr, &st.BatchesError)
	if st.Pool.Workers == nil {
		st.Pool.Workers = []string{}
	}
	if st.Batches == nil {
		st.Batches = []BatchStatus{}
	}
	st.Sending = SendingUnknown
	if poolErr == nil {
		st.Sending = sending(st.Pool, o.ConfiguredRate, st.At)
	}
	if st.Sending == SendingLimited {
		st.EffectiveRate = o.ConfiguredRate * st.Pool.Factor
	}
	if len(unread) > 0 {
		return st, fmt.Errorf("poolstatus: %w: not read: %s", ErrIncomplete, strings.Join(unread, "; "))
	}
	return st, nil
}

func sending(p Pool, rate float64, now time.Time) Sending {
	switch {
	case p.Paused && p.PauseKind == ratelimit.PauseKindAuth:
		return SendingAuthStop
	case p.Paused:
		return SendingPaused
	case now.Before(p.PressureUntil):
		return SendingPressure
	case rate > 0:
		return SendingLimited
	}
	return SendingUnlimited
}

func readConsumer(ctx context.Context, js jetstream.JetStream, names queue.Names) (ConsumerStatus, error) {
	cs := ConsumerStatus{Name: names.Consumer}
	cons, err := js.Consumer(ctx, names.JobStream, names.Consumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return cs, nil // no worker has provisioned yet
	}
	if err != nil {
		return cs, fmt.Errorf("poolstatus: consumer %s: %w", names.Consumer, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return cs, fmt.Errorf("poolstatus: consumer %s: %w", names.Consumer, err)
	}
	cs.Pending, cs.AckPending, cs.Redelivered, cs.Waiting = info.NumPending, info.NumAckPending, info.NumRedelivered, info.NumWaiting
	return cs, nil
}

// readBatches lists the manifests that are not completed, with their results and open jobs.
func readBatches(ctx context.Context, js jetstream.JetStream, names queue.Names) ([]BatchStatus, error) {
	kv, err := js.KeyValue(ctx, names.BatchesBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return []BatchStatus{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("poolstatus: %w", err)
	}
	keys, err := kv.ListKeysFiltered(ctx, "*") // manifests: one token; enqueue's chunk row records have more
	if err != nil {
		return nil, fmt.Errorf("poolstatus: list batches: %w", err)
	}
	out := []BatchStatus{}
	for key := range keys.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("poolstatus: batch %s: %w", key, err)
		}
		var m batch.Manifest
		if err := json.Unmarshal(e.Value(), &m); err != nil {
			return nil, fmt.Errorf("poolstatus: batch %s: %w", key, err)
		}
		if m.State == batch.StateCompleted {
			continue
		}
		out = append(out, BatchStatus{ID: m.BatchID, State: string(m.State), Enqueued: m.Enqueued})
	}
	if len(out) == 0 {
		return out, nil
	}
	results, err := subjectCounts(ctx, js, names.ResultStream, names.ResultSubjectPrefix+".>")
	if err != nil {
		return nil, err
	}
	jobs, err := subjectCounts(ctx, js, names.JobStream, names.JobSubjects())
	if err != nil {
		return nil, err
	}
	ledger, err := js.KeyValue(ctx, names.LedgerBucket)
	if err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("poolstatus: %w", err)
	}
	for i := range out {
		out[i].Results = results[names.ResultSubject(out[i].ID)]
		out[i].Pending = jobs[names.JobSubject(out[i].ID)]
		if ledger != nil {
			if out[i].Open, out[i].Retrying, err = ledgerCounts(ctx, ledger, queue.Token(out[i].ID)); err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(out, func(a, b BatchStatus) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// ledgerCounts reads the batch's ledger entries (one watch of their current values) and counts
// the open ones and, of those, the ones with failed deliveries.
func ledgerCounts(ctx context.Context, kv jetstream.KeyValue, batchToken string) (open, retrying int, err error) {
	w, err := kv.Watch(ctx, batchToken+".*", jetstream.IgnoreDeletes())
	if err != nil {
		return 0, 0, fmt.Errorf("poolstatus: ledger %s: %w", batchToken, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("poolstatus: ledger %s: %w", batchToken, ctx.Err())
		case e := <-w.Updates():
			if e == nil { // every current value has been delivered
				return open, retrying, nil
			}
			var entry payout.Entry
			if err := json.Unmarshal(e.Value(), &entry); err != nil {
				return 0, 0, fmt.Errorf("poolstatus: ledger %s: %w", e.Key(), err)
			}
			if entry.State != payout.StateReported {
				open++
				if entry.Failures > 0 {
					retrying++
				}
			}
		}
	}
}

// subjectCounts is how many messages stream holds per subject matching filter.
func subjectCounts(ctx context.Context, js jetstream.JetStream, stream, filter string) (map[string]uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("poolstatus: stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("poolstatus: stream %s: %w", stream, err)
	}
	return info.State.Subjects, nil
}

// Stall says why a batch that is not moving does not move, from the pool's state: "pool paused:
// <reason>", "pool stopped: <reason>" (auth), "no worker registered", "gateway pressure until <time>", or "" when the pool looks
// able to work (then the cause is elsewhere: the gateway is slow, jobs wait for their status).
func Stall(p Pool, now time.Time) string {
	switch {
	case p.Paused && p.PauseKind == ratelimit.PauseKindAuth:
		return "pool stopped: " + p.PauseReason
	case p.Paused:
		return "pool paused: " + p.PauseReason
	case len(p.Workers) == 0:
		return "no worker registered"
	case now.Before(p.PressureUntil):
		return "gateway pressure until " + p.PressureUntil.UTC().Format(time.RFC3339)
	}
	return ""
}
