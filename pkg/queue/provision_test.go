package queue_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

func TestProvisionCreatesMoneySettings(t *testing.T) {
	t.Parallel()
	_, _, js := queuetest.Start(t)
	ctx := context.Background()
	names, s := queue.DefaultNames(), queue.DefaultSettings()
	h, err := queue.Provision(ctx, js, names, s)
	if err != nil {
		t.Fatal(err)
	}
	jobs := h.Jobs.CachedInfo().Config
	if jobs.Storage != jetstream.FileStorage || jobs.Discard != jetstream.DiscardNew || jobs.Retention != jetstream.WorkQueuePolicy ||
		!jobs.AllowAtomicPublish || jobs.Duplicates != 24*time.Hour || jobs.MaxMsgs != s.JobMaxMsgs || jobs.MaxBytes != s.JobMaxBytes || jobs.MaxAge != 0 {
		t.Errorf("jobs stream config = %+v", jobs)
	}
	res := h.Results.CachedInfo().Config
	if res.Storage != jetstream.FileStorage || res.Discard != jetstream.DiscardNew || res.Retention != jetstream.LimitsPolicy || res.MaxAge != s.ResultMaxAge {
		t.Errorf("results stream config = %+v", res)
	}
	ci := h.Consumer.CachedInfo().Config
	if ci.AckPolicy != jetstream.AckExplicitPolicy || ci.AckWait != 30*time.Second || ci.MaxDeliver != -1 || len(ci.BackOff) != 0 || ci.FilterSubject != "payouts.jobs.>" {
		t.Errorf("consumer config = %+v", ci)
	}
	orders, err := js.Stream(ctx, "KV_"+names.OrdersBucket)
	if err != nil {
		t.Fatal(err)
	}
	if oc := orders.CachedInfo().Config; !oc.AllowAtomicPublish || oc.MaxAge != 0 || oc.Storage != jetstream.FileStorage {
		t.Errorf("orders bucket stream = %+v", oc)
	}
	for _, kv := range []jetstream.KeyValue{h.Batches, h.Orders, h.Ledger, h.RateLimit} {
		st, err := kv.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.TTL() != 0 || st.BackingStore() != "JetStream" {
			t.Errorf("bucket %s: ttl %s", st.Bucket(), st.TTL())
		}
	}
	// Idempotent: a second provision (another process starting) changes nothing and succeeds.
	if _, err := queue.Provision(ctx, js, names, s); err != nil {
		t.Fatalf("second provision: %v", err)
	}
	// Strengthening is applied in place.
	s.JobDuplicates = 48 * time.Hour
	s.JobMaxMsgs *= 2
	h2, err := queue.Provision(ctx, js, names, s)
	if err != nil {
		t.Fatalf("provision with higher limits: %v", err)
	}
	if c := h2.Jobs.CachedInfo().Config; c.Duplicates != 48*time.Hour || c.MaxMsgs != s.JobMaxMsgs {
		t.Errorf("jobs stream not updated: %+v", c)
	}
}

func TestProvisionRefusesWeakerExisting(t *testing.T) {
	t.Parallel()
	names, s := queue.DefaultNames(), queue.DefaultSettings()
	tests := []struct {
		name    string
		mutate  func(*jetstream.StreamConfig)
		setting string
	}{
		{"memory storage", func(c *jetstream.StreamConfig) { c.Storage = jetstream.MemoryStorage }, "storage"},
		{"discard old", func(c *jetstream.StreamConfig) { c.Discard = jetstream.DiscardOld }, "discard"},
		{"limits retention", func(c *jetstream.StreamConfig) { c.Retention = jetstream.LimitsPolicy }, "retention"},
		{"higher max msgs", func(c *jetstream.StreamConfig) { c.MaxMsgs = s.JobMaxMsgs * 2 }, "max_msgs"},
		{"unlimited bytes", func(c *jetstream.StreamConfig) { c.MaxBytes = -1 }, "max_bytes"},
		{"longer duplicate window", func(c *jetstream.StreamConfig) { c.Duplicates = 48 * time.Hour }, "duplicates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, js := queuetest.Start(t)
			ctx := context.Background()
			cfg := queue.JobStreamConfig(names, s)
			tt.mutate(&cfg)
			if _, err := js.CreateStream(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			_, err := queue.Provision(ctx, js, names, s)
			var me *queue.MismatchError
			if !errors.As(err, &me) || !errors.Is(err, queue.ErrMismatch) {
				t.Fatalf("Provision = %v, want *MismatchError", err)
			}
			if me.Setting != tt.setting || me.Name != names.JobStream {
				t.Errorf("mismatch names %s %s, want %s %s (%v)", me.Name, me.Setting, names.JobStream, tt.setting, err)
			}
			// The existing stream is left as it was.
			st, err := js.Stream(ctx, names.JobStream)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.CachedInfo().Config; got.Storage != cfg.Storage || got.Discard != cfg.Discard || got.MaxMsgs != cfg.MaxMsgs {
				t.Errorf("existing stream changed: %+v", got)
			}
		})
	}
}

func TestProvisionRefusesExpiringLedger(t *testing.T) {
	t.Parallel()
	_, _, js := queuetest.Start(t)
	ctx := context.Background()
	names := queue.DefaultNames()
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: names.LedgerBucket, TTL: time.Hour, History: 5}); err != nil {
		t.Fatal(err)
	}
	_, err := queue.Provision(ctx, js, names, queue.DefaultSettings())
	var me *queue.MismatchError
	if !errors.As(err, &me) || me.Setting != "ttl" || me.Name != names.LedgerBucket {
		t.Fatalf("Provision = %v, want ttl mismatch on %s", err, names.LedgerBucket)
	}
}

func TestProvisionRejectsInvalidSettings(t *testing.T) {
	t.Parallel()
	_, _, js := queuetest.Start(t)
	s := queue.DefaultSettings()
	s.AckWait = 0
	if _, err := queue.Provision(context.Background(), js, queue.DefaultNames(), s); !errors.Is(err, queue.ErrInvalidSettings) {
		t.Fatalf("Provision = %v, want ErrInvalidSettings", err)
	}
}

// A per-subject limit silently drops the older messages of a subject whatever the discard policy,
// and every job of a batch shares one subject: an existing limit is lifted, not accepted.
func TestProvisionLiftsPerSubjectLimit(t *testing.T) {
	t.Parallel()
	_, _, js := queuetest.Start(t)
	ctx := context.Background()
	names, s := queue.DefaultNames(), queue.DefaultSettings()
	for _, cfg := range []jetstream.StreamConfig{queue.JobStreamConfig(names, s), queue.ResultStreamConfig(names, s)} {
		cfg.MaxMsgsPerSubject = 1
		if _, err := js.CreateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	h, err := queue.Provision(ctx, js, names, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []jetstream.Stream{h.Jobs, h.Results} {
		if c := st.CachedInfo().Config; c.MaxMsgsPerSubject > 0 {
			t.Errorf("stream %s keeps max_msgs_per_subject %d", c.Name, c.MaxMsgsPerSubject)
		}
	}
	for _, id := range []string{"a", "b"} {
		if _, err := js.Publish(ctx, names.JobSubject("b1"), []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	info, err := h.Jobs.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("jobs stream holds %d of 2 jobs published on one subject", info.State.Msgs)
	}
}

// A bucket whose stream discards old messages (KV buckets made by old nats.go versions, or edited by
// hand) silently drops the oldest ledger entries or reservations once a limit is reached. Provision
// switches it to Discard: New, so a full bucket refuses writes instead.
func TestProvisionBucketDiscardsNew(t *testing.T) {
	t.Parallel()
	_, _, js := queuetest.Start(t)
	ctx := context.Background()
	names := queue.DefaultNames()
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: names.LedgerBucket, History: 5, MaxBytes: 4096}); err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, "KV_"+names.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.CachedInfo().Config
	cfg.Discard = jetstream.DiscardOld
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	h, err := queue.Provision(ctx, js, names, queue.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Ledger.Put(ctx, "first", []byte("paid")); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := h.Ledger.Put(ctx, fmt.Sprintf("k%d", i), make([]byte, 256)); err != nil {
			break // full: refused, as it must be
		}
		if i > 100 {
			t.Fatal("a 4 KiB bucket accepted 100 entries of 256 bytes")
		}
	}
	if _, err := h.Ledger.Get(ctx, "first"); err != nil {
		t.Errorf("the oldest ledger entry is gone once the bucket filled up: %v", err)
	}
}

// enqueue provisions with ConsumerCreateOnly: the workers own their consumer's settings, and an
// enqueue run with another config (say the default ack_wait) must not rewrite them under running
// workers. It still refuses a consumer whose filter would hand it the commit markers.
func TestProvisionConsumerCreateOnly(t *testing.T) {
	t.Parallel()
	_, _, js := queuetest.Start(t)
	ctx := context.Background()
	names := queue.DefaultNames()
	worker := queue.DefaultSettings()
	worker.AckWait = 2 * time.Minute
	if _, err := queue.Provision(ctx, js, names, worker); err != nil {
		t.Fatal(err)
	}
	enq := queue.DefaultSettings()
	enq.ConsumerCreateOnly = true
	h, err := queue.Provision(ctx, js, names, enq)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Consumer.CachedInfo().Config.AckWait; got != 2*time.Minute {
		t.Errorf("enqueue's provision changed the workers' ack wait to %s", got)
	}
	// A consumer that would also receive the markers (no filter) is refused, not used.
	cfg := queue.ConsumerConfig(names, worker)
	cfg.FilterSubject = ""
	if _, err := js.UpdateConsumer(ctx, names.JobStream, cfg); err != nil {
		t.Fatal(err)
	}
	_, err = queue.Provision(ctx, js, names, enq)
	var me *queue.MismatchError
	if !errors.As(err, &me) || me.Setting != "filter_subject" || me.Name != names.Consumer {
		t.Errorf("Provision with an unfiltered consumer = %v, want a filter_subject mismatch", err)
	}
	// Without the option (the workers' own start-up) the consumer is brought to the settings,
	// keeping the higher ack wait running workers rely on.
	h, err = queue.Provision(ctx, js, names, queue.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	if c := h.Consumer.CachedInfo().Config; c.AckWait != 2*time.Minute || c.FilterSubject != names.JobSubjects() {
		t.Errorf("worker provision left consumer %+v", c)
	}
	// On a fresh server create-only creates it.
	_, _, js2 := queuetest.Start(t)
	h, err = queue.Provision(ctx, js2, names, enq)
	if err != nil || h.Consumer.CachedInfo().Config.FilterSubject != names.JobSubjects() {
		t.Fatalf("create-only on a fresh server = %v", err)
	}
}

// TestProvisionNeverLowersConsumerLimits protects I4 (a consumer setting written by another
// worker never decides a row's fate) and I3 (ack_wait keeps covering every running worker's
// call timeout, so no redelivery races a request in flight): a worker started with a lower ack_wait, max_deliver or max_ack_pending leaves
// the shared consumer's higher values alone; higher values are applied.
func TestProvisionNeverLowersConsumerLimits(t *testing.T) {
	t.Parallel()
	_, _, js := queuetest.Start(t)
	ctx := context.Background()
	names := queue.DefaultNames()
	high := queue.DefaultSettings()
	high.AckWait, high.MaxDeliver, high.MaxAckPending = time.Minute, -1, 2000
	if _, err := queue.Provision(ctx, js, names, high); err != nil {
		t.Fatal(err)
	}
	low := queue.DefaultSettings()
	low.AckWait, low.MaxDeliver, low.MaxAckPending = 10*time.Second, 20, 100
	h, err := queue.Provision(ctx, js, names, low)
	if err != nil {
		t.Fatal(err)
	}
	got := h.Consumer.CachedInfo().Config
	if got.AckWait != time.Minute || got.MaxDeliver != -1 || got.MaxAckPending != 2000 {
		t.Fatalf("after a worker with lower limits: ack_wait %s max_deliver %d max_ack_pending %d; want 1m, -1, 2000 kept",
			got.AckWait, got.MaxDeliver, got.MaxAckPending)
	}
	higher := low
	higher.AckWait, higher.MaxAckPending = 2*time.Minute, 3000
	if h, err = queue.Provision(ctx, js, names, higher); err != nil {
		t.Fatal(err)
	}
	got = h.Consumer.CachedInfo().Config
	if got.AckWait != 2*time.Minute || got.MaxDeliver != -1 || got.MaxAckPending != 3000 {
		t.Fatalf("raised: ack_wait %s max_deliver %d max_ack_pending %d; want 2m, -1, 3000", got.AckWait, got.MaxDeliver, got.MaxAckPending)
	}
}
