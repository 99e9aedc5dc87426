package config_test

import (
	"errors"
	"testing"

	"github.com/payrun/payrun/pkg/config"
)

// TestErrorsNameTheVariableUsed: a rule broken by a value set through a short alias names the
// alias the user wrote, not the key's long variable; a value from the file names the file and
// line; a key nobody set names its own variable (the one to set to fix it); a rule between
// keys is reported against the key the user set, in its own terms.
func TestErrorsNameTheVariableUsed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		env     []string
		key     string
		wantEnv string
		want    string // the whole message of the error about key
	}{
		{"alias, rule", "", []string{"PAYRUN_CONCURRENCY=0"}, "worker.concurrency", "PAYRUN_CONCURRENCY",
			"config: worker.concurrency (PAYRUN_CONCURRENCY): must be 1-10000, got 0"},
		{"alias, parse", "", []string{"PAYRUN_CONCURRENCY=abc"}, "worker.concurrency", "PAYRUN_CONCURRENCY",
			`config: worker.concurrency (PAYRUN_CONCURRENCY): invalid value "abc": want a whole number`},
		{"alias of a float", "", []string{"PAYRUN_RATE_LIMIT=-1"}, "ratelimit.rate", "PAYRUN_RATE_LIMIT",
			"config: ratelimit.rate (PAYRUN_RATE_LIMIT): must be >= 0 (0 turns the limit off)"},
		{"alias of a nested key", "", []string{"PAYRUN_POLL_INTERVAL=0s"}, "worker.poll.first_interval", "PAYRUN_POLL_INTERVAL",
			"config: worker.poll.first_interval (PAYRUN_POLL_INTERVAL): must be a positive duration, got 0s"},
		{"full variable", "", []string{"PAYRUN_WORKER_CONCURRENCY=0"}, "worker.concurrency", "PAYRUN_WORKER_CONCURRENCY",
			"config: worker.concurrency (PAYRUN_WORKER_CONCURRENCY): must be 1-10000, got 0"},
		{"file", "worker:\n  concurrency: 0\n", nil, "worker.concurrency", "PAYRUN_WORKER_CONCURRENCY",
			"config: x.yaml:2: worker.concurrency: must be 1-10000, got 0"},
		{"alias over the file", "worker:\n  concurrency: 4\n", []string{"PAYRUN_CONCURRENCY=0"}, "worker.concurrency", "PAYRUN_CONCURRENCY",
			"config: worker.concurrency (PAYRUN_CONCURRENCY): must be 1-10000, got 0"},
		{"key nobody set", "", []string{"PAYRUN_NATS_PASSWORD=secret"}, "nats.user", "PAYRUN_NATS_USER",
			"config: nats.user (PAYRUN_NATS_USER): must be set with nats.password"},
		{"rule between keys, one set", "", []string{"PAYRUN_HTTP_TIMEOUT=40s"}, "gateway.http_timeout", "PAYRUN_HTTP_TIMEOUT",
			"config: gateway.http_timeout (PAYRUN_HTTP_TIMEOUT): must be below worker.ack_wait (30s): a job must not be redelivered while its HTTP call may still be running"},
		{"rule between keys, other one set", "", []string{"PAYRUN_POLL_INTERVAL=1h"}, "worker.poll.first_interval", "PAYRUN_POLL_INTERVAL",
			"config: worker.poll.first_interval (PAYRUN_POLL_INTERVAL): must be below worker.poll.horizon (1h0m0s): an order is looked up before it is written off as unresolved"},
		{"rule between keys, both set", "worker:\n  poll:\n    horizon: 1m\n", []string{"PAYRUN_POLL_INTERVAL=1m"}, "worker.poll.horizon", "PAYRUN_WORKER_POLL_HORIZON",
			"config: x.yaml:3: worker.poll.horizon: must exceed worker.poll.first_interval (1m0s): an order is looked up before it is written off as unresolved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(tt.yaml), "x.yaml", tt.env)
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("Parse = %v, want ErrInvalid", err)
			}
			var found *config.FieldError
			for _, e := range leaves(err) {
				var fe *config.FieldError
				if errors.As(e, &fe) && fe.Key == tt.key && found == nil {
					found = fe
				}
			}
			if found == nil {
				t.Fatalf("no error about %s in %q", tt.key, err)
			}
			if found.Env != tt.wantEnv || found.Error() != tt.want {
				t.Errorf("error about %s: Env %q, message\n %q\nwant Env %q, message\n %q", tt.key, found.Env, found.Error(), tt.wantEnv, tt.want)
			}
		})
	}
}

// leaves flattens an errors.Join tree.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
