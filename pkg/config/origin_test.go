package config_test

import (
	"errors"
	"testing"

	"github.com/payrun/payrun/pkg/config"
)

// TestErrorsNameTheVariableUsed: a rule broken by a value set through a short alias names the
// alias the user wrote, not the key's long variable; a value from the file names the file and
// line; a key nobody set names its own variable (the one to set to fix it).
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
		{"key nobody set", "", []string{"PAYRUN_HTTP_TIMEOUT=40s"}, "worker.ack_wait", "PAYRUN_WORKER_ACK_WAIT",
			"config: worker.ack_wait (PAYRUN_WORKER_ACK_WAIT): must exceed gateway.http_timeout (40s): a job must not be redelivered while its HTTP call may still be running"},
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
				if errors.As(e, &fe) && fe.Key == tt.key {
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
