package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// claimKeepAlive is how often a check waiting for another publisher's claim renews its job's ack
// deadline.
const claimKeepAlive = 5 * time.Second

// claim makes this process the one that publishes batch's summary: it writes
// summary_claimed_until (now + lease) into the manifest with compare-and-set. Every other check
// that finds all rows in waits until the manifest is marked published (done) or the claim lapses
// (its holder died: the claim is taken over). The summary subject thus gets one publish per
// batch, which core subscribers see once (the stream's msg-id dedup hides repeats from stream
// readers only). claimed and done are both false when the caller should try again.
func (s *summarizer) claim(ctx context.Context, batch string, lease time.Duration, keepAlive func()) (claimed, done bool, v manifestView, err error) {
	m, rev, err := s.manifest(ctx, batch)
	if err != nil {
		return false, false, v, err
	}
	if m == nil {
		return false, false, v, fmt.Errorf("payout: summary: manifest %s vanished", batch)
	}
	v = viewManifest(m)
	if _, due := v.expect(); !due {
		s.markDone(batch)
		return false, true, v, nil
	}
	now := s.now()
	if v.claimed.After(now) {
		return false, false, v, s.awaitManifest(ctx, batch, rev, v.claimed.Sub(now), keepAlive)
	}
	m[manifestClaimField], _ = json.Marshal(now.Add(lease).UTC())
	b, err := json.Marshal(m)
	if err != nil {
		return false, false, v, fmt.Errorf("payout: summary: encode manifest: %w", err)
	}
	_, err = s.batches.Update(ctx, s.names.BatchKey(batch), b, rev)
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return false, false, v, nil // someone else wrote the manifest: look again
	}
	if err != nil {
		return false, false, v, fmt.Errorf("payout: summary: claim %s: %w", batch, err)
	}
	return true, false, v, nil
}

// release drops this process's claim (best effort: a claim that stays lapses by itself), so that
// the next check need not wait for the lease.
func (s *summarizer) release(ctx context.Context, batch string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ioTimeout)
	defer cancel()
	m, rev, err := s.manifest(ctx, batch)
	if err != nil || m == nil || viewManifest(m).done {
		return
	}
	delete(m, manifestClaimField)
	if b, err := json.Marshal(m); err == nil {
		_, _ = s.batches.Update(ctx, s.names.BatchKey(batch), b, rev)
	}
}

// awaitManifest waits until the batch's manifest changes from revision rev, for at most d
// (keeping the job alive meanwhile).
func (s *summarizer) awaitManifest(ctx context.Context, batch string, rev uint64, d time.Duration, keepAlive func()) error {
	w, err := s.batches.Watch(ctx, s.names.BatchKey(batch))
	if err != nil {
		return fmt.Errorf("payout: summary: watch manifest %s: %w", batch, err)
	}
	defer func() { _ = w.Stop() }()
	lapse := time.NewTimer(d)
	defer lapse.Stop()
	tick := time.NewTicker(claimKeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("payout: summary: waiting for the summary of %s: %w", batch, ctx.Err())
		case <-lapse.C:
			return nil
		case <-tick.C:
			if keepAlive != nil {
				keepAlive()
			}
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("payout: summary: watch manifest %s ended", batch)
			}
			if e != nil && e.Revision() != rev {
				return nil
			}
		}
	}
}
