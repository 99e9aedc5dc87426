package config

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/payout"
)

// TestPayoutProblemsSpeakConfig: each of pkg/payout's rules, broken through the key its option
// comes from, is reported once by Validate, about that key, in the configuration's words (issue
// 11: one place owns each rule, and the user reads the key they set, not pkg/payout's option).
func TestPayoutProblemsSpeakConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		option string // pkg/payout's option whose rule is broken
		key    string
		spoil  func(w *Worker)
	}{
		{"concurrency", "worker.concurrency", func(w *Worker) { w.Concurrency = 0 }},
		{"shutdown_timeout", "worker.shutdown_timeout", func(w *Worker) { w.ShutdownTimeout = 0 }},
		{"ack_wait", "worker.ack_wait", func(w *Worker) { w.AckWait = 10 * time.Second }},
		{"settle_delay", "worker.settle_delay", func(w *Worker) { w.SettleDelay = 10 * time.Second }},
		{"max_attempts", "worker.max_attempts", func(w *Worker) { w.MaxAttempts = 0 }},
		{"max_failures", "worker.max_failures", func(w *Worker) { w.MaxFailures = 0 }},
		{"backoff_initial", "worker.backoff_initial", func(w *Worker) { w.BackoffInitial = 0 }},
		{"backoff_max", "worker.backoff_max", func(w *Worker) { w.BackoffMax = w.BackoffInitial - 1 }},
		{"callback_rate", "worker.callback_rate", func(w *Worker) { w.CallbackRate = 0 }},
		{"callback_rate", "worker.callback_rate", func(w *Worker) { w.CallbackRate = math.NaN() }},
		{"callback_burst", "worker.callback_burst", func(w *Worker) { w.CallbackBurst = 0 }},
		{"poll.fast_interval", "worker.poll.first_interval", func(w *Worker) { w.Poll.FirstInterval = 0 }},
		{"poll.fast_phase", "worker.poll.fast_phase", func(w *Worker) { w.Poll.FastPhase = -1 }},
		{"poll.slow_interval", "worker.poll.slow_interval", func(w *Worker) { w.Poll.SlowInterval = 0 }},
		{"poll.horizon", "worker.poll.horizon", func(w *Worker) { w.Poll.Horizon = w.Poll.FirstInterval }},
	}
	for _, tt := range tests {
		c := Default()
		tt.spoil(&c.Worker)
		var oe *payout.OptionError
		if err := c.PayoutOptions().Validate(); !errors.As(err, &oe) || oe.Key != tt.option {
			t.Errorf("%s: pkg/payout says %v, want its %s rule broken", tt.key, err, tt.option)
			continue
		}
		err := c.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Key != tt.key || len(errs(err)) != 1 {
			t.Errorf("%s: Validate = %v, want one error about %s", tt.option, err, tt.key)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, payout.ErrInvalidOptions.Error()) || strings.Contains(msg, tt.option+":") {
			t.Errorf("%s: %q is in pkg/payout's words", tt.option, msg)
		}
	}
}

// A finite worker.max_deliver is raised to what a row needs, so pkg/payout's own lower bound
// (3) never refuses what pkg/config's (2) accepts.
func TestPayoutOptionsRaiseMaxDeliver(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Worker.MaxDeliver, c.Worker.MaxFailures = 2, 1
	o := c.PayoutOptions()
	if o.MaxDeliver < o.DeliveriesNeeded() {
		t.Errorf("max_deliver %d, below the %d deliveries a row may need", o.MaxDeliver, o.DeliveriesNeeded())
	}
	if err := c.Validate(); err != nil {
		t.Errorf("max_deliver 2, max_failures 1: %v", err)
	}
}

func errs(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
