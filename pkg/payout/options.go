package payout

import (
	"errors"
	"fmt"
	"time"

	"github.com/payrun/payrun/pkg/queue"
)

// ErrInvalidOptions is wrapped by every Options.Validate error; the message names the key.
var ErrInvalidOptions = errors.New("payout: invalid options")

// OptionError is an Options.Validate error: Key is the option's name as documented
// (docs/worker.md, e.g. "poll.horizon"). It matches ErrInvalidOptions.
type OptionError struct {
	Key    string
	Reason string
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrInvalidOptions, e.Key, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidOptions) true.
func (e *OptionError) Unwrap() error { return ErrInvalidOptions }

// Options configures the state machine and the pool. Zero values take the defaults from
// DefaultOptions when passed through WithDefaults; Validate rejects what is unsafe.
type Options struct {
	// Names are the streams, subjects, consumer and buckets (queue.DefaultNames when zero).
	Names queue.Names

	// Concurrency is the number of jobs one pool works on at once.
	Concurrency int
	// ShutdownTimeout bounds how long in-flight jobs may run after Run's context is cancelled;
	// what cannot finish is handed back (Nak).
	ShutdownTimeout time.Duration

	// CallTimeout bounds one gateway call, the client's own retries of unsent requests included
	// (a context deadline on every call). It must be at least the client's HTTP timeout; AckWait
	// must exceed it (InProgress is sent before each call) and SettleDelay must exceed it.
	CallTimeout time.Duration
	// AckWait is the consumer's ack deadline (read from the consumer when the pool starts); a job
	// whose worker died is redelivered after it.
	AckWait time.Duration
	// MaxDeliver is the consumer's delivery limit (read from the consumer; -1 = unlimited, what
	// the worker provisions). With a finite limit a job is dead-lettered on its delivery
	// MaxDeliver-3, before the server would drop it silently, leaving deliveries to retry the
	// dead letter's report: a backstop only, since waiting spends deliveries too.
	MaxDeliver int

	// SettleDelay is how long after a payout request whose outcome is unknown the machine waits
	// before it looks the order up by client_orderid. It bounds the double-payout risk: it must
	// exceed the gateway's commit latency (see docs/worker.md).
	SettleDelay time.Duration
	// MaxAttempts bounds payout submissions per row (a re-submission only follows a definite
	// "no such order"); past it the row ends "unresolved".
	MaxAttempts int
	// MaxFailures bounds failed deliveries (not-sent retries, failed lookups) per row; past it
	// the job is dead-lettered.
	MaxFailures int
	// BackoffInitial and BackoffMax shape the redelivery delay after a failure:
	// BackoffInitial * 2^(failures-1), at most BackoffMax.
	BackoffInitial time.Duration
	BackoffMax     time.Duration

	// Poll is the status cadence after an accepted payout (connpay-gateway-notes §4).
	Poll PollOptions

	// CallbackRate and CallbackBurst bound the lookups that verified server callbacks cause,
	// per pool (callbacks/s, default 5, and burst, default 20). Callbacks beyond them are
	// answered 503 (the gateway retries), so replays cannot spend the gateway budget that
	// payouts and their lookups need.
	CallbackRate  float64
	CallbackBurst int
}

// PollOptions is the status polling cadence.
type PollOptions struct {
	FastInterval time.Duration // first interval (PAYRUN_POLL_INTERVAL), default 3s
	FastPhase    time.Duration // how long the fast interval applies after acceptance, default 5m
	SlowInterval time.Duration // interval after the fast phase, default 5m
	Horizon      time.Duration // no final status this long after acceptance: "unresolved", default 1h
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{
		Names:           queue.DefaultNames(),
		Concurrency:     16,
		ShutdownTimeout: 20 * time.Second,
		CallTimeout:     20 * time.Second,
		AckWait:         30 * time.Second,
		MaxDeliver:      -1,
		SettleDelay:     30 * time.Second,
		MaxAttempts:     5,
		MaxFailures:     10,
		BackoffInitial:  time.Second,
		BackoffMax:      time.Minute,
		CallbackRate:    5,
		CallbackBurst:   20,
		Poll: PollOptions{
			FastInterval: 3 * time.Second,
			FastPhase:    5 * time.Minute,
			SlowInterval: 5 * time.Minute,
			Horizon:      time.Hour,
		},
	}
}

// WithDefaults returns o with every zero field set from DefaultOptions.
func (o Options) WithDefaults() Options {
	d := DefaultOptions()
	if o.Names == (queue.Names{}) {
		o.Names = d.Names
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setI := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setI(&o.Concurrency, d.Concurrency)
	setD(&o.ShutdownTimeout, d.ShutdownTimeout)
	setD(&o.CallTimeout, d.CallTimeout)
	setD(&o.AckWait, d.AckWait)
	setI(&o.MaxDeliver, d.MaxDeliver)
	setD(&o.SettleDelay, d.SettleDelay)
	setI(&o.MaxAttempts, d.MaxAttempts)
	setI(&o.MaxFailures, d.MaxFailures)
	setD(&o.BackoffInitial, d.BackoffInitial)
	setD(&o.BackoffMax, d.BackoffMax)
	if o.CallbackRate == 0 {
		o.CallbackRate = d.CallbackRate
	}
	setI(&o.CallbackBurst, d.CallbackBurst)
	setD(&o.Poll.FastInterval, d.Poll.FastInterval)
	setD(&o.Poll.FastPhase, d.Poll.FastPhase)
	setD(&o.Poll.SlowInterval, d.Poll.SlowInterval)
	setD(&o.Poll.Horizon, d.Poll.Horizon)
	return o
}

// Validate checks the options. Every problem is an *OptionError naming its key; all of them
// are joined (errors.Join), in the order of the fields. CallbackRate must be above 0 here: zero
// means "the default" only to WithDefaults.
func (o Options) Validate() error {
	var errs []error
	bad := func(broken bool, key, format string, args ...any) {
		if broken {
			errs = append(errs, &OptionError{Key: key, Reason: fmt.Sprintf(format, args...)})
		}
	}
	if err := o.Names.Validate(); err != nil {
		bad(true, "names", "%v", err)
	}
	bad(o.Concurrency < 1, "concurrency", "must be at least 1, got %d", o.Concurrency)
	bad(o.ShutdownTimeout <= 0, "shutdown_timeout", "must be positive")
	bad(o.CallTimeout <= 0, "call_timeout", "must be positive")
	bad(o.AckWait <= o.CallTimeout, "ack_wait", "%s must exceed call_timeout %s (a job would be redelivered while its request runs)", o.AckWait, o.CallTimeout)
	bad(o.MaxDeliver != -1 && o.MaxDeliver < 3, "max_deliver", "must be -1 (unlimited) or at least 3, got %d", o.MaxDeliver)
	bad(o.SettleDelay <= o.CallTimeout, "settle_delay", "%s must exceed call_timeout %s (a lookup must not race a request still in flight)", o.SettleDelay, o.CallTimeout)
	bad(o.MaxAttempts < 1, "max_attempts", "must be at least 1, got %d", o.MaxAttempts)
	bad(o.MaxFailures < 1, "max_failures", "must be at least 1, got %d", o.MaxFailures)
	bad(o.BackoffInitial <= 0, "backoff_initial", "must be positive")
	bad(o.BackoffMax < o.BackoffInitial, "backoff_max", "must be at least backoff_initial")
	bad(!(o.CallbackRate > 0), "callback_rate", "must be positive, got %v", o.CallbackRate)
	bad(o.CallbackBurst < 1, "callback_burst", "must be at least 1, got %d", o.CallbackBurst)
	bad(o.Poll.FastInterval <= 0, "poll.fast_interval", "must be positive")
	bad(o.Poll.FastPhase < 0, "poll.fast_phase", "must not be negative")
	bad(o.Poll.SlowInterval <= 0, "poll.slow_interval", "must be positive")
	bad(o.Poll.Horizon <= o.Poll.FastInterval, "poll.horizon", "must exceed poll.fast_interval")
	return errors.Join(errs...)
}

// DeliveriesNeeded is how many deliveries one row may need without waiting: every poll until
// the horizon, every allowed failure and attempt, the settles, plus the deliveries kept for the
// dead letter. A consumer with a finite MaxDeliver should allow at least this many (the worker
// raises it; it is never demanded: the ledger, not the delivery count, bounds a row).
func (o Options) DeliveriesNeeded() int {
	polls := int(min(o.Poll.FastPhase, o.Poll.Horizon) / o.Poll.FastInterval)
	if o.Poll.Horizon > o.Poll.FastPhase {
		polls += int((o.Poll.Horizon - o.Poll.FastPhase) / o.Poll.SlowInterval)
	}
	return polls + o.MaxFailures + 2*o.MaxAttempts + 2 + reportDeliveries
}

// backoff is the redelivery delay after the n-th failure (n >= 1).
func (o Options) backoff(n int) time.Duration {
	d := o.BackoffInitial
	for i := 1; i < n && d < o.BackoffMax; i++ {
		d *= 2
	}
	return min(d, o.BackoffMax)
}

// pollInterval is the delay before the next status poll of an order accepted sinceAccepted ago
// whose status last changed sinceChange ago: the fast interval during the fast phase, then the
// slow one, never past the horizon by more than needed to notice it.
func (o Options) pollInterval(sinceAccepted, sinceChange time.Duration) time.Duration {
	d := o.Poll.SlowInterval
	if sinceAccepted < o.Poll.FastPhase {
		d = o.Poll.FastInterval
	}
	if left := o.Poll.Horizon - sinceChange; left > 0 && left < d {
		d = left
	}
	return d
}

// capped bounds a per-row delay by BackoffMax: a longer wait (a Retry-After of a day) is the
// pool-wide pressure's to carry, never one row's.
func (o Options) capped(d time.Duration) time.Duration { return min(d, o.BackoffMax) }
