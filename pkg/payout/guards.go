package payout

import "time"

// The guards: the named conditions every decision of the classifier reads (docs/worker.md,
// "The state machine", lists which hold in each generated transition). Each one says what a
// decision may conclude from the ledger entry; none of them writes anything.

// lookupFirst is THE guard of invariants I1 and I3 (docs/worker.md): it reports whether a payout
// request sent now could be a second one for the row, so that the order must first be looked
// up by client_orderid, and only a definite, configured "no such order" may license the send.
// That is the case for a request whose outcome is unknown (submitting), for an entry that was
// lost (a delete or purge marker, or a missing entry found on an earlier delivery), and for any
// delivery after the first that finds no entry at all (the entry written before a request may
// have been lost with the broker's data). pending_retry needs no lookup: its last request was
// definitely not sent, and every earlier one was resolved before it. Only the crash test's
// negative control switches it off (lookupSkipped: the payrun_unsafe_testhook build tag and
// its environment variable).
func lookupFirst(e *Entry, d deliveryMeta) bool {
	if lookupSkipped() {
		return false
	}
	if e == nil {
		return d.NumDelivered > 1
	}
	return e.State == StateSubmitting || e.State == StateLost
}

// lastRequestUnsent reports that the ledger proves the entry's last payout request never left
// (pending_retry: no connection, or a 429/401/403 that says "not processed"), and every earlier
// one was resolved before it: the row may be sent without a lookup.
func lastRequestUnsent(e *Entry) bool { return e != nil && e.State == StatePendingRetry }

// settled reports whether e's last request can no longer be in flight and has had time to
// become visible to a status lookup (lookupAt): before that, no lookup and no send (I3).
func (c *classifier) settled(e *Entry, now time.Time) bool { return !c.lookupAt(e).After(now) }

// lookupAt is when e's last request can no longer be in flight and has had time to become
// visible: the later of the request's start plus this worker's settle_delay and the deadline
// the writer recorded plus this worker's settle margin (settle_delay - call_timeout). A reader
// with a shorter call timeout than the writer's thus still waits for the writer's request.
func (c *classifier) lookupAt(e *Entry) time.Time {
	o := c.opts
	at := e.SubmittedAt.Add(o.SettleDelay)
	if d := e.Deadline.Add(o.SettleDelay - o.CallTimeout); !e.Deadline.IsZero() && d.After(at) {
		at = d
	}
	return at
}

// settleLeft is how long to wait before looking up e's attempt (at least a millisecond).
func (c *classifier) settleLeft(e *Entry, now time.Time) time.Duration {
	return max(c.lookupAt(e).Sub(now), time.Millisecond)
}

// pastHorizon reports whether an order's status has not changed for poll.horizon since
// changed. Only ever asked on a lookup that answered (I5).
func (c *classifier) pastHorizon(changed, now time.Time) bool {
	return now.Sub(changed) >= c.opts.Poll.Horizon
}

// atMaxAttempts reports whether e has used every payout request max_attempts allows: no
// further send, the row ends unresolved.
func (c *classifier) atMaxAttempts(e *Entry) bool { return e.Attempts >= c.opts.MaxAttempts }

// atMaxFailures reports whether failures (not-sent answers, failed lookups) reach max_failures:
// the row is dead-lettered.
func (c *classifier) atMaxFailures(failures int) bool { return failures >= c.opts.MaxFailures }

// tombstone reports whether e stands for a delete or purge marker on the ledger key: whatever
// the entry held is lost, so the row is never paid again (I1).
func tombstone(e *Entry) bool { return e.State == StateLost && e.Lost == lostDeletedEntry }

// mayHavePaid reports whether a payout may exist for the entry.
func mayHavePaid(e *Entry) bool {
	if e == nil {
		return false
	}
	return e.OrderID != "" || e.State == StateSubmitting || e.State == StateAccepted || e.State == StateLost
}

// foreignOrder reports whether a status answer names another order than the one the ledger
// already knows for the row.
func foreignOrder(e *Entry, g GatewayInfo) bool {
	return e != nil && e.OrderID != "" && g.OrderID != "" && g.OrderID != e.OrderID
}
