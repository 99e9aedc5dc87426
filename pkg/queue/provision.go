package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrMismatch is matched (errors.Is) by every *MismatchError.
var ErrMismatch = errors.New("existing configuration differs")

// MismatchError reports an existing stream or bucket whose setting differs from what Provision
// wants in a way it refuses to change silently (it would lose, expire or stop deduplicating data,
// or cannot be changed in place). Fix the existing object by hand or change the configuration.
type MismatchError struct {
	Kind    string // "stream", "bucket" or "consumer"
	Name    string // stream or bucket name
	Setting string // e.g. "storage", "discard", "retention", "max_msgs", "duplicates"
	Have    string
	Want    string
	Reason  string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("queue: provision: existing %s %s: %s is %s, want %s: %s", e.Kind, e.Name, e.Setting, e.Have, e.Want, e.Reason)
}

// Is makes errors.Is(err, ErrMismatch) true.
func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

// Handles are what Provision created or found.
type Handles struct {
	Jobs      jetstream.Stream
	Results   jetstream.Stream
	Consumer  jetstream.Consumer // the workers' durable pull consumer
	Batches   jetstream.KeyValue
	Orders    jetstream.KeyValue
	Ledger    jetstream.KeyValue
	RateLimit jetstream.KeyValue
	Replicas  int // of every stream and bucket (AutoReplicas resolved)
}

// Provision creates, or checks and carefully updates, the jobs and results streams, the workers'
// durable consumer and the four KV buckets. It is idempotent and safe to run from every process at
// start. Settings that are only strengthened (a higher limit, a longer duplicate window, atomic
// publish enabled) are updated in place; anything that would weaken an existing stream or bucket
// returns a *MismatchError naming the setting.
func Provision(ctx context.Context, js jetstream.JetStream, names Names, s Settings) (*Handles, error) {
	if err := errors.Join(names.Validate(), s.Validate()); err != nil {
		return nil, fmt.Errorf("queue: provision: %w", err)
	}
	var h Handles
	var err error
	if s.Replicas == AutoReplicas {
		if s.Replicas, err = autoReplicas(ctx, js); err != nil {
			return nil, err
		}
	}
	h.Replicas = s.Replicas
	if h.Jobs, err = ensureStream(ctx, js, "stream", JobStreamConfig(names, s)); err != nil {
		return nil, err
	}
	if h.Results, err = ensureStream(ctx, js, "stream", ResultStreamConfig(names, s)); err != nil {
		return nil, err
	}
	if h.Consumer, err = ensureConsumer(ctx, js, names, s); err != nil {
		return nil, err
	}
	buckets := []struct {
		dst    *jetstream.KeyValue
		cfg    jetstream.KeyValueConfig
		atomic bool
	}{
		{&h.Batches, jetstream.KeyValueConfig{Bucket: names.BatchesBucket, Description: "payrun batch manifests", History: s.BatchesHistory}, false},
		{&h.Orders, jetstream.KeyValueConfig{Bucket: names.OrdersBucket, Description: "payrun client_orderid reservations", History: s.OrdersHistory}, true},
		{&h.Ledger, jetstream.KeyValueConfig{Bucket: names.LedgerBucket, Description: "payrun payout ledger", History: s.LedgerHistory}, false},
		{&h.RateLimit, jetstream.KeyValueConfig{Bucket: names.RateLimitBucket, Description: "payrun rate limit coordination", History: s.RateLimitHistory, LimitMarkerTTL: s.RateLimitMarkerTTL}, false},
	}
	for _, b := range buckets {
		b.cfg.Storage = jetstream.FileStorage
		b.cfg.Replicas = s.Replicas
		b.cfg.MaxValueSize = s.MaxMsgSize
		if *b.dst, err = ensureBucket(ctx, js, b.cfg, b.atomic); err != nil {
			return nil, err
		}
	}
	return &h, nil
}

// autoReplicas is ClusterReplicas when the server js reaches is part of a cluster, else 1. It
// asks JetStream first, so the connection is up and the answer comes from a server that runs it.
func autoReplicas(ctx context.Context, js jetstream.JetStream) (int, error) {
	if _, err := apiCall(ctx, js.AccountInfo); err != nil {
		return 0, fmt.Errorf("queue: provision: replicas: %w", wrapUnavailable(err))
	}
	if js.Conn().ConnectedClusterName() != "" {
		return ClusterReplicas, nil
	}
	return 1, nil
}

// JobStreamConfig is the jobs stream Provision wants: work-queue retention (a job is removed once
// a worker acknowledges it, and only one consumer may take each job), file storage, Discard: New,
// explicit limits, no MaxAge (jobs never expire), a deliberate duplicate window, atomic publish.
func JobStreamConfig(n Names, s Settings) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:               n.JobStream,
		Description:        "payrun payout jobs",
		Subjects:           n.jobStreamSubjects(),
		Retention:          jetstream.WorkQueuePolicy,
		Storage:            jetstream.FileStorage,
		Discard:            jetstream.DiscardNew,
		MaxMsgs:            s.JobMaxMsgs,
		MaxBytes:           s.JobMaxBytes,
		MaxMsgSize:         s.MaxMsgSize,
		Duplicates:         s.JobDuplicates,
		Replicas:           s.Replicas,
		AllowDirect:        true,
		AllowAtomicPublish: true,
	}
}

// ResultStreamConfig is the results stream Provision wants: limits retention with MaxAge (any
// number of consumers may read results), file storage, Discard: New, explicit limits, a duplicate
// window for re-published results.
func ResultStreamConfig(n Names, s Settings) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        n.ResultStream,
		Description: "payrun payout results, batch summaries and dead letters",
		Subjects:    n.resultStreamSubjects(),
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardNew,
		MaxAge:      s.ResultMaxAge,
		MaxMsgs:     s.ResultMaxMsgs,
		MaxBytes:    s.ResultMaxBytes,
		MaxMsgSize:  s.MaxMsgSize,
		Duplicates:  s.ResultDuplicates,
		Replicas:    s.Replicas,
		AllowDirect: true,
	}
}

// ConsumerConfig is the workers' durable pull consumer: explicit acks, AckWait, bounded
// MaxDeliver and MaxAckPending, filtered to job subjects (commit markers are not jobs). It has no
// BackOff list on purpose: BackOff silently replaces AckWait; workers use NakWithDelay instead.
func ConsumerConfig(n Names, s Settings) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       n.Consumer,
		Description:   "payrun payout workers",
		FilterSubject: n.JobSubjects(),
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       s.AckWait,
		MaxDeliver:    s.MaxDeliver,
		MaxAckPending: s.MaxAckPending,
		ReplayPolicy:  jetstream.ReplayInstantPolicy,
	}
}

// ensureConsumer creates or updates the workers' consumer; with s.ConsumerCreateOnly an existing
// one is only checked for its filter.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, names Names, s Settings) (jetstream.Consumer, error) {
	op := "queue: provision: consumer " + names.Consumer
	want := ConsumerConfig(names, s)
	lookup := func(ctx context.Context) (jetstream.Consumer, error) {
		return js.Consumer(ctx, names.JobStream, names.Consumer)
	}
	if !s.ConsumerCreateOnly {
		if c, err := apiCall(ctx, lookup); err == nil {
			keepHigherLimits(&want, c.CachedInfo().Config)
		} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
			// Unknown limits: updating now could lower what running workers rely on.
			return nil, fmt.Errorf("%s: %w", op, wrapUnavailable(err))
		}
		c, err := apiCall(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
			return js.CreateOrUpdateConsumer(ctx, names.JobStream, want)
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, wrapUnavailable(err))
		}
		return c, nil
	}
	c, err := apiCall(ctx, lookup)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		c, err = apiCall(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
			return js.CreateConsumer(ctx, names.JobStream, want)
		})
		if errors.Is(err, jetstream.ErrConsumerExists) { // created concurrently by a worker
			c, err = apiCall(ctx, mustExist(lookup, jetstream.ErrConsumerNotFound))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, wrapUnavailable(err))
	}
	have := c.CachedInfo().Config
	filters := have.FilterSubjects
	if have.FilterSubject != "" {
		filters = append(filters, have.FilterSubject)
	}
	if len(filters) != 1 || filters[0] != want.FilterSubject {
		return nil, &MismatchError{Kind: "consumer", Name: names.Consumer, Setting: "filter_subject",
			Have: fmt.Sprint(filters), Want: want.FilterSubject,
			Reason: "the workers' consumer must see job subjects only, never enqueue's commit markers; start a worker with this config to fix it"}
	}
	return c, nil
}

// keepHigherLimits raises want's AckWait, MaxDeliver and MaxAckPending to the existing
// consumer's where those are higher: a worker never lowers the limits other running workers
// rely on (an ack deadline that covers their call timeout, deliveries their rows may need).
// MaxDeliver -1 (unbounded) is the highest.
func keepHigherLimits(want *jetstream.ConsumerConfig, have jetstream.ConsumerConfig) {
	want.AckWait = max(want.AckWait, have.AckWait)
	want.MaxAckPending = max(want.MaxAckPending, have.MaxAckPending)
	if have.MaxDeliver <= 0 || want.MaxDeliver <= 0 {
		want.MaxDeliver = -1
	} else {
		want.MaxDeliver = max(want.MaxDeliver, have.MaxDeliver)
	}
}

func ensureStream(ctx context.Context, js jetstream.JetStream, kind string, want jetstream.StreamConfig) (jetstream.Stream, error) {
	op := fmt.Sprintf("queue: provision: %s %s", kind, want.Name)
	lookup := func(ctx context.Context) (jetstream.Stream, error) { return js.Stream(ctx, want.Name) }
	st, err := apiCall(ctx, lookup)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		st, err = apiCall(ctx, func(ctx context.Context) (jetstream.Stream, error) { return js.CreateStream(ctx, want) })
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) { // created concurrently by another process
			st, err = apiCall(ctx, mustExist(lookup, jetstream.ErrStreamNotFound))
		} else if err == nil {
			return st, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, wrapUnavailable(err))
	}
	have := st.CachedInfo().Config
	upd, changed, err := reconcileStream(kind, have, want)
	if err != nil {
		return nil, err
	}
	if !changed {
		return st, nil
	}
	if st, err = apiCall(ctx, func(ctx context.Context) (jetstream.Stream, error) { return js.UpdateStream(ctx, upd) }); err != nil {
		return nil, fmt.Errorf("%s: update: %w", op, wrapUnavailable(err))
	}
	return st, nil
}

// reconcileStream returns have with want's settings applied where that only strengthens it, or a
// *MismatchError for the first setting that would be weakened or cannot change in place.
func reconcileStream(kind string, have, want jetstream.StreamConfig) (jetstream.StreamConfig, bool, error) {
	mismatch := func(setting string, h, w any, reason string) error {
		return &MismatchError{Kind: kind, Name: have.Name, Setting: setting, Have: fmt.Sprint(h), Want: fmt.Sprint(w), Reason: reason}
	}
	if have.Storage != want.Storage {
		return have, false, mismatch("storage", have.Storage, want.Storage, "acknowledged messages must survive a restart; recreate the stream with file storage")
	}
	if have.Retention != want.Retention {
		return have, false, mismatch("retention", have.Retention, want.Retention, "retention cannot change in place")
	}
	if have.Discard != want.Discard {
		return have, false, mismatch("discard", have.Discard, want.Discard, "discard old silently drops messages that were never processed")
	}
	if have.Replicas != want.Replicas {
		return have, false, mismatch("replicas", have.Replicas, want.Replicas, "change replicas deliberately, not at start-up")
	}
	if have.PersistMode == jetstream.AsyncPersistMode {
		return have, false, mismatch("persist_mode", "async", "default", errAsyncPersist)
	}
	if have.AllowMsgTTL && !want.AllowMsgTTL {
		return have, false, mismatch("allow_msg_ttl", true, false, "a message published with a Nats-TTL header would expire before it is processed or read; message TTLs cannot be turned off: recreate the stream")
	}
	upd := have
	changed := false
	limit := func(setting string, h, w int64) error {
		switch {
		case eff(w) < eff(h):
			return mismatch(setting, limitString(h), limitString(w), "lowering a limit on an existing stream drops or refuses stored data; raise the configured value or change the stream by hand")
		case eff(w) > eff(h):
			changed = true
		}
		return nil
	}
	if err := limit("max_msgs", have.MaxMsgs, want.MaxMsgs); err != nil {
		return have, false, err
	}
	upd.MaxMsgs = want.MaxMsgs
	if err := limit("max_bytes", have.MaxBytes, want.MaxBytes); err != nil {
		return have, false, err
	}
	upd.MaxBytes = want.MaxBytes
	if err := limit("max_age", int64(have.MaxAge), int64(want.MaxAge)); err != nil {
		return have, false, err
	}
	upd.MaxAge = want.MaxAge
	if err := limit("max_msg_size", int64(have.MaxMsgSize), int64(want.MaxMsgSize)); err != nil {
		return have, false, err
	}
	upd.MaxMsgSize = want.MaxMsgSize
	// A per-subject limit drops a subject's older messages whatever the discard policy (all jobs of
	// a batch share one subject); Provision wants none, so an existing one is lifted.
	if err := limit("max_msgs_per_subject", have.MaxMsgsPerSubject, want.MaxMsgsPerSubject); err != nil {
		return have, false, err
	}
	upd.MaxMsgsPerSubject = want.MaxMsgsPerSubject
	if want.Duplicates < have.Duplicates {
		return have, false, mismatch("duplicates", have.Duplicates, want.Duplicates, "a shorter duplicate window stops deduplicating re-published messages")
	}
	if want.Duplicates > have.Duplicates {
		upd.Duplicates, changed = want.Duplicates, true
	}
	for _, subj := range want.Subjects {
		if !slices.Contains(have.Subjects, subj) {
			upd.Subjects = append(slices.Clone(upd.Subjects), subj)
			changed = true
		}
	}
	if want.AllowAtomicPublish && !have.AllowAtomicPublish {
		upd.AllowAtomicPublish, changed = true, true
	}
	if want.AllowDirect && !have.AllowDirect {
		upd.AllowDirect, changed = true, true
	}
	return upd, changed, nil
}

// errAsyncPersist is the reason an async-persist stream or bucket is refused.
const errAsyncPersist = "the server acknowledges a write before it is flushed, whatever its sync_interval, so a crash loses acknowledged ledger entries, reservations or jobs; " +
	"persist_mode cannot change in place: recreate it with the default persist mode"

// eff maps "unlimited" (<= 0) to the largest value so limits compare by strictness.
func eff(v int64) int64 {
	if v <= 0 {
		return 1<<63 - 1
	}
	return v
}

func limitString(v int64) string {
	if v <= 0 {
		return "unlimited"
	}
	return fmt.Sprint(v)
}

func ensureBucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig, atomic bool) (jetstream.KeyValue, error) {
	op := "queue: provision: bucket " + cfg.Bucket
	lookup := func(ctx context.Context) (jetstream.KeyValue, error) { return js.KeyValue(ctx, cfg.Bucket) }
	kv, err := apiCall(ctx, lookup)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = apiCall(ctx, func(ctx context.Context) (jetstream.KeyValue, error) { return js.CreateKeyValue(ctx, cfg) })
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = apiCall(ctx, mustExist(lookup, jetstream.ErrBucketNotFound))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, wrapUnavailable(err))
	}
	st, err := apiCall(ctx, mustExist(func(ctx context.Context) (jetstream.Stream, error) { return js.Stream(ctx, "KV_"+cfg.Bucket) }, jetstream.ErrStreamNotFound))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, wrapUnavailable(err))
	}
	have := st.CachedInfo().Config
	mismatch := func(setting string, h, w any, reason string) error {
		return &MismatchError{Kind: "bucket", Name: cfg.Bucket, Setting: setting, Have: fmt.Sprint(h), Want: fmt.Sprint(w), Reason: reason}
	}
	if have.Storage != jetstream.FileStorage {
		return nil, mismatch("storage", have.Storage, jetstream.FileStorage, "entries must survive a restart")
	}
	if have.MaxAge != cfg.TTL {
		return nil, mismatch("ttl", have.MaxAge, cfg.TTL, "entries of this bucket must not expire")
	}
	if have.Replicas != cfg.Replicas {
		return nil, mismatch("replicas", have.Replicas, cfg.Replicas, "change replicas deliberately, not at start-up")
	}
	if have.PersistMode == jetstream.AsyncPersistMode {
		return nil, mismatch("persist_mode", "async", "default", errAsyncPersist)
	}
	if have.AllowMsgTTL && cfg.LimitMarkerTTL == 0 {
		return nil, mismatch("allow_msg_ttl", true, false, "an entry written with a Nats-TTL header would expire: entries of this bucket must not; recreate the bucket without message TTLs")
	}
	if have.MaxMsgsPerSubject > 0 && have.MaxMsgsPerSubject < int64(cfg.History) {
		return nil, mismatch("history", have.MaxMsgsPerSubject, cfg.History, "history is lower than configured; raise it by hand")
	}
	upd, changed := have, false
	// Discard: Old would drop the oldest entries (ledger, reservations) once a limit is reached;
	// buckets made by old nats.go versions have it. New refuses writes instead.
	if have.Discard != jetstream.DiscardNew {
		upd.Discard, changed = jetstream.DiscardNew, true
	}
	if atomic && !have.AllowAtomicPublish {
		upd.AllowAtomicPublish, changed = true, true
	}
	if cfg.LimitMarkerTTL > 0 && have.SubjectDeleteMarkerTTL == 0 {
		upd.AllowMsgTTL, upd.SubjectDeleteMarkerTTL, changed = true, cfg.LimitMarkerTTL, true
	}
	if changed {
		if _, err := apiCall(ctx, func(ctx context.Context) (jetstream.Stream, error) { return js.UpdateStream(ctx, upd) }); err != nil {
			return nil, fmt.Errorf("%s: update: %w", op, wrapUnavailable(err))
		}
	}
	return kv, nil
}
