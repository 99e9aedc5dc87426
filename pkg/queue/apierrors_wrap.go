package queue

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// countingJS is js with every call payrun makes counted by errs when it fails (the op label
// in parentheses): publishes (publish), stream, consumer and bucket lookups, creates and updates
// (stream_lookup, stream_create, stream_update, consumer_lookup, consumer_create, consumer_update,
// bucket_lookup, bucket_create, bucket_update, account_info), and through the streams, buckets,
// consumers and messages it hands out: stream_info, stream_get_msg, stream_purge, kv_get, kv_put,
// kv_create, kv_update, kv_delete, kv_purge, kv_watch, kv_list_keys, kv_status, consumer_info,
// consume, fetch (a pull's error included), ack, nak, term and in_progress. Messages of Consume,
// Next and Messages count their replies; those of a Fetch batch do not (payrun fetches only from
// ordered consumers, which are never acknowledged). Calls payrun does not make pass through
// uncounted; PublishAsync's acknowledgements are not counted. Errors are returned unchanged.
type countingJS struct {
	jetstream.JetStream
	errs *apiErrors
}

// answer is what a call returned, until it is counted.
type answer[T any] struct {
	v   T
	err error
}

func answered[T any](v T, err error) answer[T] { return answer[T]{v, err} }

// count runs the answer's error through errs.observe under op.
func (a answer[T]) count(errs *apiErrors, op string) (T, error) { return a.v, errs.observe(op, a.err) }

// then counts the answer's error under op, or hands out wrap(v) so that v's own calls are
// counted too.
func (a answer[T]) then(errs *apiErrors, op string, wrap func(T, *apiErrors) T) (T, error) {
	if a.err != nil {
		var none T
		return none, errs.observe(op, a.err)
	}
	return wrap(a.v, errs), nil
}

func countStream(s jetstream.Stream, errs *apiErrors) jetstream.Stream {
	return countingStream{Stream: s, errs: errs}
}

func countKV(kv jetstream.KeyValue, errs *apiErrors) jetstream.KeyValue {
	return countingKV{KeyValue: kv, errs: errs}
}

func countConsumer(c jetstream.Consumer, errs *apiErrors) jetstream.Consumer {
	return countingConsumer{Consumer: c, errs: errs}
}

func countBatch(b jetstream.MessageBatch, errs *apiErrors) jetstream.MessageBatch {
	return countingBatch{MessageBatch: b, errs: errs}
}

func countMessages(m jetstream.MessagesContext, errs *apiErrors) jetstream.MessagesContext {
	return countingMessages{MessagesContext: m, errs: errs}
}

func countMsg(m jetstream.Msg, errs *apiErrors) jetstream.Msg { return countingMsg{Msg: m, errs: errs} }

func (j countingJS) Publish(ctx context.Context, subj string, data []byte, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	return answered(j.JetStream.Publish(ctx, subj, data, opts...)).count(j.errs, "publish")
}

func (j countingJS) PublishMsg(ctx context.Context, m *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	return answered(j.JetStream.PublishMsg(ctx, m, opts...)).count(j.errs, "publish")
}

func (j countingJS) AccountInfo(ctx context.Context) (*jetstream.AccountInfo, error) {
	return answered(j.JetStream.AccountInfo(ctx)).count(j.errs, "account_info")
}

func (j countingJS) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	return answered(j.JetStream.Stream(ctx, name)).then(j.errs, "stream_lookup", countStream)
}

func (j countingJS) CreateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return answered(j.JetStream.CreateStream(ctx, cfg)).then(j.errs, "stream_create", countStream)
}

func (j countingJS) UpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return answered(j.JetStream.UpdateStream(ctx, cfg)).then(j.errs, "stream_update", countStream)
}

func (j countingJS) CreateOrUpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return answered(j.JetStream.CreateOrUpdateStream(ctx, cfg)).then(j.errs, "stream_update", countStream)
}

func (j countingJS) Consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error) {
	return answered(j.JetStream.Consumer(ctx, stream, name)).then(j.errs, "consumer_lookup", countConsumer)
}

func (j countingJS) CreateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return answered(j.JetStream.CreateConsumer(ctx, stream, cfg)).then(j.errs, "consumer_create", countConsumer)
}

func (j countingJS) UpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return answered(j.JetStream.UpdateConsumer(ctx, stream, cfg)).then(j.errs, "consumer_update", countConsumer)
}

func (j countingJS) CreateOrUpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return answered(j.JetStream.CreateOrUpdateConsumer(ctx, stream, cfg)).then(j.errs, "consumer_update", countConsumer)
}

func (j countingJS) OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	return answered(j.JetStream.OrderedConsumer(ctx, stream, cfg)).then(j.errs, "consumer_create", countConsumer)
}

func (j countingJS) KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	return answered(j.JetStream.KeyValue(ctx, bucket)).then(j.errs, "bucket_lookup", countKV)
}

func (j countingJS) CreateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return answered(j.JetStream.CreateKeyValue(ctx, cfg)).then(j.errs, "bucket_create", countKV)
}

func (j countingJS) UpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return answered(j.JetStream.UpdateKeyValue(ctx, cfg)).then(j.errs, "bucket_update", countKV)
}

func (j countingJS) CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return answered(j.JetStream.CreateOrUpdateKeyValue(ctx, cfg)).then(j.errs, "bucket_update", countKV)
}

type countingStream struct {
	jetstream.Stream
	errs *apiErrors
}

func (s countingStream) Info(ctx context.Context, opts ...jetstream.StreamInfoOpt) (*jetstream.StreamInfo, error) {
	return answered(s.Stream.Info(ctx, opts...)).count(s.errs, "stream_info")
}

func (s countingStream) GetMsg(ctx context.Context, seq uint64, opts ...jetstream.GetMsgOpt) (*jetstream.RawStreamMsg, error) {
	return answered(s.Stream.GetMsg(ctx, seq, opts...)).count(s.errs, "stream_get_msg")
}

func (s countingStream) GetLastMsgForSubject(ctx context.Context, subject string) (*jetstream.RawStreamMsg, error) {
	return answered(s.Stream.GetLastMsgForSubject(ctx, subject)).count(s.errs, "stream_get_msg")
}

func (s countingStream) Purge(ctx context.Context, opts ...jetstream.StreamPurgeOpt) error {
	return s.errs.observe("stream_purge", s.Stream.Purge(ctx, opts...))
}

func (s countingStream) Consumer(ctx context.Context, name string) (jetstream.Consumer, error) {
	return answered(s.Stream.Consumer(ctx, name)).then(s.errs, "consumer_lookup", countConsumer)
}

func (s countingStream) CreateConsumer(ctx context.Context, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return answered(s.Stream.CreateConsumer(ctx, cfg)).then(s.errs, "consumer_create", countConsumer)
}

func (s countingStream) UpdateConsumer(ctx context.Context, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return answered(s.Stream.UpdateConsumer(ctx, cfg)).then(s.errs, "consumer_update", countConsumer)
}

func (s countingStream) CreateOrUpdateConsumer(ctx context.Context, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return answered(s.Stream.CreateOrUpdateConsumer(ctx, cfg)).then(s.errs, "consumer_update", countConsumer)
}

func (s countingStream) OrderedConsumer(ctx context.Context, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	return answered(s.Stream.OrderedConsumer(ctx, cfg)).then(s.errs, "consumer_create", countConsumer)
}

type countingKV struct {
	jetstream.KeyValue
	errs *apiErrors
}

func (k countingKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	return answered(k.KeyValue.Get(ctx, key)).count(k.errs, "kv_get")
}

func (k countingKV) GetRevision(ctx context.Context, key string, rev uint64) (jetstream.KeyValueEntry, error) {
	return answered(k.KeyValue.GetRevision(ctx, key, rev)).count(k.errs, "kv_get")
}

func (k countingKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	return answered(k.KeyValue.Put(ctx, key, value)).count(k.errs, "kv_put")
}

func (k countingKV) PutString(ctx context.Context, key string, value string) (uint64, error) {
	return answered(k.KeyValue.PutString(ctx, key, value)).count(k.errs, "kv_put")
}

func (k countingKV) Create(ctx context.Context, key string, value []byte, opts ...jetstream.KVCreateOpt) (uint64, error) {
	return answered(k.KeyValue.Create(ctx, key, value, opts...)).count(k.errs, "kv_create")
}

func (k countingKV) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	return answered(k.KeyValue.Update(ctx, key, value, rev)).count(k.errs, "kv_update")
}

func (k countingKV) Delete(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error {
	return k.errs.observe("kv_delete", k.KeyValue.Delete(ctx, key, opts...))
}

func (k countingKV) Purge(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error {
	return k.errs.observe("kv_purge", k.KeyValue.Purge(ctx, key, opts...))
}

func (k countingKV) PurgeDeletes(ctx context.Context, opts ...jetstream.KVPurgeOpt) error {
	return k.errs.observe("kv_purge", k.KeyValue.PurgeDeletes(ctx, opts...))
}

func (k countingKV) Watch(ctx context.Context, keys string, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	return answered(k.KeyValue.Watch(ctx, keys, opts...)).count(k.errs, "kv_watch")
}

func (k countingKV) WatchAll(ctx context.Context, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	return answered(k.KeyValue.WatchAll(ctx, opts...)).count(k.errs, "kv_watch")
}

func (k countingKV) WatchFiltered(ctx context.Context, keys []string, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	return answered(k.KeyValue.WatchFiltered(ctx, keys, opts...)).count(k.errs, "kv_watch")
}

func (k countingKV) Keys(ctx context.Context, opts ...jetstream.WatchOpt) ([]string, error) {
	return answered(k.KeyValue.Keys(ctx, opts...)).count(k.errs, "kv_list_keys")
}

func (k countingKV) ListKeys(ctx context.Context, opts ...jetstream.WatchOpt) (jetstream.KeyLister, error) {
	return answered(k.KeyValue.ListKeys(ctx, opts...)).count(k.errs, "kv_list_keys")
}

func (k countingKV) ListKeysFiltered(ctx context.Context, filters ...string) (jetstream.KeyLister, error) {
	return answered(k.KeyValue.ListKeysFiltered(ctx, filters...)).count(k.errs, "kv_list_keys")
}

func (k countingKV) History(ctx context.Context, key string, opts ...jetstream.WatchOpt) ([]jetstream.KeyValueEntry, error) {
	return answered(k.KeyValue.History(ctx, key, opts...)).count(k.errs, "kv_get")
}

func (k countingKV) Status(ctx context.Context) (jetstream.KeyValueStatus, error) {
	return answered(k.KeyValue.Status(ctx)).count(k.errs, "kv_status")
}

type countingConsumer struct {
	jetstream.Consumer
	errs *apiErrors
}

func (c countingConsumer) Info(ctx context.Context) (*jetstream.ConsumerInfo, error) {
	return answered(c.Consumer.Info(ctx)).count(c.errs, "consumer_info")
}

func (c countingConsumer) Consume(h jetstream.MessageHandler, opts ...jetstream.PullConsumeOpt) (jetstream.ConsumeContext, error) {
	return answered(c.Consumer.Consume(func(m jetstream.Msg) { h(countMsg(m, c.errs)) }, opts...)).count(c.errs, "consume")
}

func (c countingConsumer) Messages(opts ...jetstream.PullMessagesOpt) (jetstream.MessagesContext, error) {
	return answered(c.Consumer.Messages(opts...)).then(c.errs, "consume", countMessages)
}

func (c countingConsumer) Next(opts ...jetstream.FetchOpt) (jetstream.Msg, error) {
	return answered(c.Consumer.Next(opts...)).then(c.errs, "fetch", countMsg)
}

func (c countingConsumer) Fetch(n int, opts ...jetstream.FetchOpt) (jetstream.MessageBatch, error) {
	return answered(c.Consumer.Fetch(n, opts...)).then(c.errs, "fetch", countBatch)
}

func (c countingConsumer) FetchBytes(n int, opts ...jetstream.FetchOpt) (jetstream.MessageBatch, error) {
	return answered(c.Consumer.FetchBytes(n, opts...)).then(c.errs, "fetch", countBatch)
}

func (c countingConsumer) FetchNoWait(n int) (jetstream.MessageBatch, error) {
	return answered(c.Consumer.FetchNoWait(n)).then(c.errs, "fetch", countBatch)
}

// countingBatch counts the error that ended a fetch (read once all messages are drained).
type countingBatch struct {
	jetstream.MessageBatch
	errs *apiErrors
}

func (b countingBatch) Error() error { return b.errs.observe("fetch", b.MessageBatch.Error()) }

type countingMessages struct {
	jetstream.MessagesContext
	errs *apiErrors
}

func (m countingMessages) Next(opts ...jetstream.NextOpt) (jetstream.Msg, error) {
	return answered(m.MessagesContext.Next(opts...)).then(m.errs, "fetch", countMsg)
}

type countingMsg struct {
	jetstream.Msg
	errs *apiErrors
}

func (m countingMsg) Ack() error { return m.errs.observe("ack", m.Msg.Ack()) }

func (m countingMsg) DoubleAck(ctx context.Context) error {
	return m.errs.observe("ack", m.Msg.DoubleAck(ctx))
}

func (m countingMsg) Nak() error { return m.errs.observe("nak", m.Msg.Nak()) }

func (m countingMsg) NakWithDelay(d time.Duration) error {
	return m.errs.observe("nak", m.Msg.NakWithDelay(d))
}

func (m countingMsg) InProgress() error { return m.errs.observe("in_progress", m.Msg.InProgress()) }

func (m countingMsg) Term() error { return m.errs.observe("term", m.Msg.Term()) }

func (m countingMsg) TermWithReason(reason string) error {
	return m.errs.observe("term", m.Msg.TermWithReason(reason))
}
