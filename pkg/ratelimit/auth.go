package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// authWriteTimeout bounds the write of an auth stop.
const authWriteTimeout = 5 * time.Second

// credential names a login and key fingerprint in an auth stop (no secret: the fingerprint is
// a hash of the public key).
func credential(login, keyFingerprint string) string { return login + " " + keyFingerprint }

// AuthRefused reports that the gateway answered 401/403: the pool's credentials are refused,
// and every request would be refused the same way. This member stops granting at once and the
// whole pool is paused like an operator's pause, with kind PauseKindAuth and a reason naming the
// login and key fingerprint (Status, Stats), until `worker resume` or a worker starting with
// other credentials (ClearAuthStop). An operator's pause in place is left as it is. Waiting jobs
// are handed back, never failed. It implements submit.AuthReporter.
func (l *Limiter) AuthRefused(login, keyFingerprint string, httpStatus int) {
	if l.isClosed() {
		return
	}
	l.metrics.authRefusals.Inc()
	rec := pauseRecord{Kind: PauseKindAuth, Credential: credential(login, keyFingerprint), At: time.Now().UTC(), By: l.opts.ID,
		Reason: fmt.Sprintf("the gateway refused the credentials (HTTP %d) of login %q, key %s: fix gateway.login or gateway.private_key_file and restart, or run `worker resume`",
			httpStatus, login, keyFingerprint)}
	l.mu.Lock()
	if l.pause == nil {
		l.pause = &rec
		l.applyLocked(time.Now())
	}
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(l.loopCtx, authWriteTimeout)
	defer cancel()
	if err := l.storeAuthStop(ctx, rec); err != nil {
		l.log.Warn().Err(err).Msg("could not stop the whole pool after an authentication refusal; this worker is stopped")
	}
}

// storeAuthStop writes rec as the pool's pause unless a pause is in place already (the same
// auth stop, or an operator's pause, which is left as it is).
func (l *Limiter) storeAuthStop(ctx context.Context, rec pauseRecord) error {
	data, _ := json.Marshal(rec) // plain struct: cannot fail
	_, err := l.kv.Create(ctx, pauseKey, data)
	if err == nil || errCAS(err) {
		return nil
	}
	return fmt.Errorf("ratelimit: auth stop: %w", err)
}

// ClearAuthStop ends an auth stop written for other credentials than login and keyFingerprint:
// a worker starting with fixed credentials calls it, so that a restart after the fix resumes the
// pool. It reports whether it ended one. The stop of the same credentials (nothing was fixed)
// and an operator's pause are left in place.
func (l *Limiter) ClearAuthStop(ctx context.Context, login, keyFingerprint string) (bool, error) {
	e, err := l.kv.Get(ctx, pauseKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ratelimit: clear auth stop: %w", err)
	}
	var rec pauseRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil || rec.Kind != PauseKindAuth || rec.Credential == credential(login, keyFingerprint) {
		return false, nil
	}
	if err := l.kv.Delete(ctx, pauseKey, jetstream.LastRevision(e.Revision())); err != nil {
		if errCAS(err) {
			return false, nil // changed meanwhile: whoever changed it decides
		}
		return false, fmt.Errorf("ratelimit: clear auth stop: %w", err)
	}
	l.log.Info().Str("stopped_for", rec.Credential).Msg("auth stop cleared: this worker starts with other credentials")
	return true, nil
}
