package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"
)

// Membership protocol (docs/ratelimit.md has the argument):
//
//   - Every member writes members.<id> each Heartbeat with compare-and-set on its own last
//     revision. The record carries an incarnation (new each time the member creates its
//     record) and the member's view: the id and incarnation of every member it counts.
//   - Each admitted member's rate is R/N and its burst max(1, B/N), N its view's size. A
//     member changes its limits before it advertises the view they belong to.
//   - A member that is not admitted becomes admitted only when every other member it counts
//     advertises its current incarnation, so nobody still runs at a share computed without it.
//   - A member stops granting (fences itself) once its last accepted heartbeat was sent
//     DeadAfter-Heartbeat ago, or when a heartbeat's compare-and-set fails (its record was
//     deleted as dead); it then creates a new incarnation and must be admitted again.
//   - A member silent for DeadAfter (local receipt time, so host clocks do not matter) is
//     deleted with compare-and-set on the revision last seen. Silence counts only from the
//     moment this member's own heartbeats are accepted again after one failed: while the
//     bucket accepts no writes (its leader lost, an election) nobody can write, and counting
//     that silence deleted every member that was a moment slower to write again afterwards. Only a successful delete, or
//     a delete seen in the bucket, drops it from a view: success proves it has written
//     nothing since, so it has already fenced itself, however late the deleter's view is.

const (
	memberPrefix = "members."
	pauseKey     = "pause"
	pressureKey  = "pressure"
	adaptiveKey  = "adaptive"
	markerAge    = time.Hour // delete markers older than this are purged when a member starts
)

func memberKey(id string) string { return memberPrefix + id }

type memberRecord struct {
	ID   string           `json:"id"`
	Inc  int64            `json:"inc"`
	View map[string]int64 `json:"view"` // id -> incarnation counted
	At   time.Time        `json:"at"`
}

type member struct {
	lastSeen time.Time
	rev      uint64
	inc      int64
	view     map[string]int64
}

// memberRecord encodes this member's heartbeat. Called with l.mu held.
func (l *Limiter) memberRecord() []byte {
	view := make(map[string]int64, len(l.members))
	for id, m := range l.members {
		view[id] = m.inc
	}
	view[l.opts.ID] = l.inc
	b, _ := json.Marshal(memberRecord{ID: l.opts.ID, Inc: l.inc, View: view, At: time.Now().UTC()}) // plain struct: cannot fail
	return b
}

// putSelf writes this member's record. Heartbeats use compare-and-set on the member's own
// last revision, so none can succeed after another member deleted the record as dead; then
// the member fences itself and creates a new incarnation.
func (l *Limiter) putSelf(ctx context.Context) error {
	key := memberKey(l.opts.ID)
	l.mu.Lock()
	rev, data := l.rev, l.memberRecord()
	l.mu.Unlock()
	sent := time.Now()
	if rev != 0 {
		newRev, err := l.kv.Update(ctx, key, data, rev)
		if err == nil {
			l.beatAccepted(sent, newRev)
			return nil
		}
		if !errCAS(err) {
			return fmt.Errorf("ratelimit: heartbeat: %w", err)
		}
		l.log.Warn().Msg("own record deleted as dead; fenced, rejoining")
	}
	l.mu.Lock()
	l.active = false
	l.inc = time.Now().UnixNano()
	l.rev = 0
	data = l.memberRecord()
	l.reconcileLocked(time.Now())
	l.mu.Unlock()
	sent = time.Now()
	newRev, err := l.kv.Create(ctx, key, data)
	if errCAS(err) { // a record under our id outlived an earlier process with this id
		var e jetstream.KeyValueEntry
		if e, err = l.kv.Get(ctx, key); err == nil {
			newRev, err = l.kv.Update(ctx, key, data, e.Revision())
		}
	}
	if err != nil {
		return fmt.Errorf("ratelimit: register member: %w", err)
	}
	l.beatAccepted(sent, newRev)
	return nil
}

func (l *Limiter) beatAccepted(sent time.Time, rev uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rev = rev
	if l.beatFail { // silence counted so far fell in the failure: count afresh
		l.beatFail, l.hearing = false, time.Now()
		clear(l.suspects)
	}
	if sent.After(l.lastBeat) {
		l.lastBeat = sent
	}
	l.reconcileLocked(time.Now())
}

// handle applies one watched bucket entry.
func (l *Limiter) handle(e jetstream.KeyValueEntry) {
	now := time.Now()
	removed := e.Operation() != jetstream.KeyValuePut
	key := e.Key()
	l.mu.Lock()
	defer l.mu.Unlock()
	viewChanged := false
	switch {
	case strings.HasPrefix(key, memberPrefix):
		id := key[len(memberPrefix):]
		switch {
		case id == l.opts.ID:
			if removed && !l.closed && l.active && e.Revision() > l.rev {
				l.active = false // counted dead: the next heartbeat fails and rejoins
				l.log.Warn().Msg("own record deleted by another member; fenced")
				l.kickBeat()
			}
		case removed:
			if _, ok := l.members[id]; ok {
				delete(l.members, id)
				delete(l.suspects, id)
				viewChanged = true
			}
		default:
			var rec memberRecord
			if err := json.Unmarshal(e.Value(), &rec); err != nil {
				l.log.Warn().Err(err).Str("key", key).Msg("ignoring malformed member record")
				return
			}
			m := l.members[id]
			if m == nil {
				m = &member{}
				l.members[id] = m
			}
			if m.inc != rec.Inc {
				viewChanged = true // a new member or a new incarnation: advertise it now
			}
			m.lastSeen, m.rev, m.inc, m.view = now, e.Revision(), rec.Inc, rec.View
			delete(l.suspects, id)
		}
	case key == pauseKey:
		l.applyPause(e, removed)
	case key == pressureKey && !removed:
		l.applyPressure(e, now)
	case key == adaptiveKey:
		l.applyAdaptive(e, removed)
	}
	l.reconcileLocked(now)
	if viewChanged {
		l.log.Info().Int("members", len(l.members)).Msg("membership changed")
		l.kickBeat()
	}
}

// reconcileLocked marks silent members for deletion, fences or admits this member and
// applies the resulting limits.
func (l *Limiter) reconcileLocked(now time.Time) {
	for id, m := range l.members {
		if id != l.opts.ID && now.Sub(later(m.lastSeen, l.hearing)) > l.opts.DeadAfter {
			l.suspects[id] = m.rev
		}
	}
	fresh := !l.closed && l.rev != 0 && now.Before(l.fenceAt())
	switch {
	case l.active && !fresh:
		l.active = false
		l.log.Warn().Msg("own heartbeats failing; fenced (granting nothing) until re-admitted")
	case !l.active && fresh && l.joined && l.admittedLocked():
		l.active = true
		l.log.Info().Int("members", len(l.members)).Msg("admitted; holding a share")
	}
	l.applyLocked(now)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (l *Limiter) fenceAt() time.Time {
	return l.lastBeat.Add(l.opts.DeadAfter - l.opts.Heartbeat)
}

// admittedLocked reports whether every other member counts this incarnation.
func (l *Limiter) admittedLocked() bool {
	for id, m := range l.members {
		if id != l.opts.ID && m.view[l.opts.ID] != l.inc {
			return false
		}
	}
	return true
}

// applyLocked sets the local buckets to this member's share and publishes the gate.
func (l *Limiter) applyLocked(now time.Time) {
	n := len(l.members)
	factor := l.adaptive.Factor
	share := func(b *rate.Limiter, lim Limit) {
		r, burst := 0.0, 0
		if l.active {
			r = lim.Rate * factor / float64(n)
			burst = max(1, lim.Burst/n)
		}
		if b.Limit() != rate.Limit(r) {
			b.SetLimitAt(now, rate.Limit(r))
		}
		if b.Burst() != burst {
			b.SetBurstAt(now, burst)
		}
	}
	share(l.total, Limit{Rate: l.opts.Rate, Burst: l.opts.Burst})
	share(l.wire, Limit{Rate: l.opts.Rate, Burst: l.opts.Burst})
	for kind, ln := range l.lanes {
		share(ln.kind, l.opts.Kinds[kind])
	}
	g := &gateState{active: l.active, paused: l.pause != nil, fenceAt: l.fenceAt(), pressureUntil: l.pressure.until}
	if old := l.gate.Load(); *old != *g {
		l.gate.Store(g)
		close(l.changed)
		l.changed = make(chan struct{})
	}
	l.metrics.setState(l, now, factor)
	l.reportRateLocked(now)
}

func (l *Limiter) kickBeat() {
	select {
	case l.beatNow <- struct{}{}:
	default:
	}
}

// beatLoop refreshes this member's record every Heartbeat, and at once when the view changes.
func (l *Limiter) beatLoop() {
	defer l.loops.Done()
	// Every member that ever closed leaves a delete marker; drop the old ones so the bucket
	// (and every newcomer's initial read) stays small. Best effort.
	ctx, cancel := context.WithTimeout(l.loopCtx, 10*time.Second)
	_ = l.kv.PurgeDeletes(ctx, jetstream.DeleteMarkersOlderThan(markerAge))
	cancel()
	t := time.NewTicker(l.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
		case <-l.beatNow:
		}
		l.beat()
	}
}

// beat writes this member's heartbeat, then deletes the members silent past DeadAfter. A
// member whose own heartbeat failed deletes nobody: it has no evidence of anyone's silence.
func (l *Limiter) beat() {
	l.mu.Lock()
	l.reconcileLocked(time.Now())
	l.mu.Unlock()
	if l.beatsOff.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(l.loopCtx, l.opts.Heartbeat)
	defer cancel()
	if err := l.putSelf(ctx); err != nil {
		l.mu.Lock()
		l.beatFail = true
		l.mu.Unlock()
		if l.loopCtx.Err() == nil {
			l.log.Warn().Err(err).Msg("heartbeat failed")
		}
		return
	}
	l.mu.Lock()
	suspects := l.suspects
	l.suspects = map[string]uint64{}
	l.mu.Unlock()
	for id, rev := range suspects {
		l.expire(ctx, id, rev)
	}
}

// expire removes a silent member once the bucket proves it dead: the compare-and-set delete
// succeeds only if the member wrote nothing since the revision we saw, and a record already
// gone was deleted by its owner or by another member holding the same proof.
func (l *Limiter) expire(ctx context.Context, id string, rev uint64) {
	err := l.kv.Delete(ctx, memberKey(id), jetstream.LastRevision(rev))
	if err != nil {
		if !errCAS(err) {
			return // server unreachable: try again next heartbeat
		}
		e, gerr := l.kv.Get(ctx, memberKey(id))
		switch {
		case errors.Is(gerr, jetstream.ErrKeyNotFound): // deleted, and our watch missed it
		case gerr == nil: // alive, and our watch lags: take the record from here
			l.handle(e)
			return
		default:
			return
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := l.members[id]; m != nil && m.rev == rev {
		delete(l.members, id)
		l.log.Warn().Str("dead", id).Msg("member silent past DeadAfter; took over its share")
		l.reconcileLocked(time.Now())
		l.kickBeat()
	}
}

// watchLoop applies bucket changes until the watcher stops.
func (l *Limiter) watchLoop() {
	defer close(l.watchEnded)
	for e := range l.watcher.Updates() {
		if e != nil {
			l.handle(e)
		}
	}
}
