package config

import (
	"errors"
	"time"

	"github.com/payrun/payrun/pkg/payout"
)

// CallTimeout bounds one gateway call including the client's own retries of unsent requests:
// at least gateway.http_timeout, and below both worker.ack_wait and worker.settle_delay
// (pkg/payout's rules), halfway between.
func (c Config) CallTimeout() time.Duration {
	ceiling := min(c.Worker.AckWait, c.Worker.SettleDelay)
	return c.Gateway.HTTPTimeout + (ceiling-c.Gateway.HTTPTimeout)/2
}

// PayoutOptions maps the worker section to pkg/payout. The pool reads AckWait and MaxDeliver
// from the consumer; they are set here as the worker provisions them: a finite
// worker.max_deliver is raised to what one row may need (DeliveriesNeeded: computed, never
// demanded).
func (c Config) PayoutOptions() payout.Options {
	w := c.Worker
	o := payout.DefaultOptions()
	o.Names = c.QueueNames()
	o.Concurrency = w.Concurrency
	o.ShutdownTimeout = w.ShutdownTimeout
	o.CallTimeout = c.CallTimeout()
	o.AckWait = w.AckWait
	o.SettleDelay = w.SettleDelay
	o.MaxFailures = w.MaxFailures
	o.MaxAttempts = w.MaxAttempts
	o.BackoffInitial, o.BackoffMax = w.BackoffInitial, w.BackoffMax
	o.CallbackRate, o.CallbackBurst = w.CallbackRate, w.CallbackBurst
	o.Poll = payout.PollOptions{
		FastInterval: w.Poll.FirstInterval,
		FastPhase:    w.Poll.FastPhase,
		SlowInterval: w.Poll.SlowInterval,
		Horizon:      w.Poll.Horizon,
	}
	o.MaxDeliver = w.MaxDeliver
	if o.MaxDeliver != -1 && o.Poll.FastInterval > 0 && o.Poll.SlowInterval > 0 {
		o.MaxDeliver = max(o.MaxDeliver, o.DeliveriesNeeded())
	}
	return o
}

// payoutProblems checks the worker keys that become pkg/payout's options with pkg/payout's own
// rules (payout.Options.Validate), so that a configuration pkg/config accepts is one the worker
// runs unchanged. Each problem is reported as the error of the keys its option comes from, in
// the configuration's words; a rule between keys names the first of them the user set.
func (c Config) payoutProblems() problems {
	err := c.PayoutOptions().Validate()
	if err == nil {
		return nil
	}
	all := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		all = joined.Unwrap()
	}
	w, httpTimeout := c.Worker, c.Gateway.HTTPTimeout
	var p problems
	for _, e := range all {
		var oe *payout.OptionError
		if !errors.As(e, &oe) {
			p = append(p, e)
			continue
		}
		switch oe.Key {
		case "names":
			// Names.validate's rules are stricter than pkg/queue's and have reported it.
		case "max_deliver":
			// Raised by PayoutOptions unless a poll interval is invalid, which is reported.
		case "concurrency":
			p.add("worker.concurrency", "must be 1-10000, got %d", w.Concurrency)
		case "shutdown_timeout":
			p.positive("worker.shutdown_timeout", w.ShutdownTimeout)
		case "call_timeout":
			// Derived (CallTimeout): it is not positive only when gateway.http_timeout is not
			// (Gateway.validate reports it) or when ack_wait or settle_delay is below it
			// (reported next, as "ack_wait" or "settle_delay").
		case "ack_wait":
			const why = "a job must not be redelivered while its HTTP call may still be running"
			p.rule(because("worker.ack_wait", "must exceed gateway.http_timeout (%s): %s", httpTimeout, why),
				because("gateway.http_timeout", "must be below worker.ack_wait (%s): %s", w.AckWait, why))
		case "settle_delay":
			const why = "a status lookup must not race a payout request still in flight"
			p.rule(because("worker.settle_delay", "must exceed gateway.http_timeout (%s): %s", httpTimeout, why),
				because("gateway.http_timeout", "must be below worker.settle_delay (%s): %s", w.SettleDelay, why))
		case "max_attempts":
			p.add("worker.max_attempts", "must be >= 1, got %d", w.MaxAttempts)
		case "max_failures":
			p.add("worker.max_failures", "must be >= 1, got %d", w.MaxFailures)
		case "backoff_initial":
			p.positive("worker.backoff_initial", w.BackoffInitial)
		case "backoff_max":
			p.rule(because("worker.backoff_max", "must be at least worker.backoff_initial (%s)", w.BackoffInitial),
				because("worker.backoff_initial", "must not exceed worker.backoff_max (%s)", w.BackoffMax))
		case "callback_rate":
			p.add("worker.callback_rate", "must be above 0 (status lookups per second caused by callbacks), got %v", w.CallbackRate)
		case "callback_burst":
			p.add("worker.callback_burst", "must be >= 1, got %d", w.CallbackBurst)
		case "poll.fast_interval":
			p.positive("worker.poll.first_interval", w.Poll.FirstInterval)
		case "poll.fast_phase":
			p.add("worker.poll.fast_phase", "must not be negative, got %s", w.Poll.FastPhase)
		case "poll.slow_interval":
			p.positive("worker.poll.slow_interval", w.Poll.SlowInterval)
		case "poll.horizon":
			const why = "an order is looked up before it is written off as unresolved"
			p.rule(because("worker.poll.horizon", "must exceed worker.poll.first_interval (%s): %s", w.Poll.FirstInterval, why),
				because("worker.poll.first_interval", "must be below worker.poll.horizon (%s): %s", w.Poll.Horizon, why))
		default:
			// A rule this mapping does not know yet; TestPayoutProblemsSpeakConfig keeps the
			// list complete.
			p.add("worker."+oe.Key, "%s", oe.Reason)
		}
	}
	return p
}
