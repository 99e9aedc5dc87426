package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Control pauses, resumes and inspects a pool without joining it: what `worker pause`,
// `worker resume` and `worker status` need, given only a NATS connection:
//
//	js, _ := jetstream.New(nc)
//	c, err := ratelimit.OpenControl(ctx, js, "") // "" = DefaultBucket
//	err = c.Pause(ctx, "gateway maintenance")
type Control struct {
	kv jetstream.KeyValue
	by string
}

// OpenControl opens (or creates) the pool's bucket.
func OpenControl(ctx context.Context, js jetstream.JetStream, bucket string) (*Control, error) {
	if bucket == "" {
		bucket = DefaultBucket
	}
	kv, err := openBucket(ctx, js, bucket)
	if err != nil {
		return nil, err
	}
	return &Control{kv: kv, by: "control"}, nil
}

// Pause kinds: who stopped the pool.
const (
	PauseKindOperator = "operator" // `worker pause` (or Limiter.Pause)
	PauseKindAuth     = "auth"     // the gateway refused the pool's credentials (AuthRefused)
)

type pauseRecord struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	// Kind is PauseKindAuth for an auth stop; empty (an operator's pause) otherwise.
	Kind string `json:"kind,omitempty"`
	// Credential names the refused credentials of an auth stop: login and key fingerprint.
	Credential string `json:"credential,omitempty"`
}

// kind is the record's pause kind (records without one are an operator's).
func (r *pauseRecord) kind() string {
	if r.Kind == "" {
		return PauseKindOperator
	}
	return r.Kind
}

// Pause makes every member's Wait block until Resume. Work is not lost: waiting jobs keep
// waiting (or are handed back by the worker) and nothing is sent to the gateway.
func (c *Control) Pause(ctx context.Context, reason string) error {
	data, _ := json.Marshal(pauseRecord{Reason: reason, At: time.Now().UTC(), By: c.by}) // cannot fail
	if _, err := c.kv.Put(ctx, pauseKey, data); err != nil {
		return fmt.Errorf("ratelimit: pause: %w", err)
	}
	return nil
}

// Resume ends a pause; resuming a pool that is not paused is not an error.
func (c *Control) Resume(ctx context.Context) error {
	if err := c.kv.Delete(ctx, pauseKey); err != nil {
		return fmt.Errorf("ratelimit: resume: %w", err)
	}
	return nil
}

// PoolStatus is the pool's state as stored in the bucket.
type PoolStatus struct {
	Paused         bool
	PauseKind      string // PauseKindOperator or PauseKindAuth, when Paused
	PauseReason    string
	PausedAt       time.Time
	PressureUntil  time.Time // zero when there never was a pressure stop
	PressureAt     time.Time // when the last stop was decided
	PressureLevel  int       // storm level (0: no storm in the current episode)
	PressureReason string    // ReasonRetryAfter or ReasonStorm
	Factor         float64   // the pool's adaptive factor (1: full configured rate)
	Members        []string  // member ids with a record (dead ones linger until DeadAfter)
}

// Status reads the pool's pause, pressure and membership records.
func (c *Control) Status(ctx context.Context) (PoolStatus, error) {
	var st PoolStatus
	e, err := c.kv.Get(ctx, pauseKey)
	switch {
	case err == nil:
		var rec pauseRecord
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			return st, fmt.Errorf("ratelimit: status: pause record: %w", err)
		}
		st.Paused, st.PauseKind, st.PauseReason, st.PausedAt = true, rec.kind(), rec.Reason, rec.At
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return st, fmt.Errorf("ratelimit: status: %w", err)
	}
	e, err = c.kv.Get(ctx, pressureKey)
	switch {
	case err == nil:
		var rec pressureRecord
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			return st, fmt.Errorf("ratelimit: status: pressure record: %w", err)
		}
		st.PressureUntil, st.PressureAt, st.PressureLevel, st.PressureReason = rec.Until, rec.At, rec.Level, rec.Reason
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return st, fmt.Errorf("ratelimit: status: %w", err)
	}
	st.Factor = 1
	e, err = c.kv.Get(ctx, adaptiveKey)
	switch {
	case err == nil:
		var rec adaptiveRecord
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			return st, fmt.Errorf("ratelimit: status: adaptive record: %w", err)
		}
		st.Factor = rec.Factor
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return st, fmt.Errorf("ratelimit: status: %w", err)
	}
	keys, err := c.kv.ListKeysFiltered(ctx, memberPrefix+">")
	if err != nil {
		return st, fmt.Errorf("ratelimit: status: %w", err)
	}
	for k := range keys.Keys() {
		st.Members = append(st.Members, strings.TrimPrefix(k, memberPrefix))
	}
	return st, nil
}

// applyPause takes a watched pause record. Called with l.mu held.
func (l *Limiter) applyPause(e jetstream.KeyValueEntry, removed bool) {
	if removed {
		if l.pause != nil {
			l.log.Info().Msg("pool resumed")
		}
		l.pause = nil
		return
	}
	var rec pauseRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		rec.Reason = "(malformed pause record)" // fail safe: a pause key means paused
	}
	l.pause = &rec
	l.log.Warn().Str("kind", rec.kind()).Str("reason", rec.Reason).Str("by", rec.By).Msg("pool paused")
}

// openBucket opens the bucket, creating it with file storage when missing.
func openBucket(ctx context.Context, js jetstream.JetStream, bucket string) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, bucket)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("ratelimit: open bucket %s: %w", bucket, err)
	}
	kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "payrun pool-wide rate limit: members, pressure, pause",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if errors.Is(err, jetstream.ErrBucketExists) { // another member won the race
		kv, err = js.KeyValue(ctx, bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("ratelimit: create bucket %s: %w", bucket, err)
	}
	return kv, nil
}
