package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/config"
)

// TestYAMLErrorsNameKeyAndLine: a value of the wrong type in the file is reported in our words
// with the file, the line and the key (not as yaml's "cannot unmarshal !!str"), each bad key on
// its own, all at once; unknown keys and keys set twice name their line too.
func TestYAMLErrorsNameKeyAndLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string // the messages of all errors, in order
	}{
		{"int", "worker:\n  concurrency: lots\n",
			[]string{`config: configs/x.yaml:2: worker.concurrency: want a whole number, got "lots"`}},
		{"fraction for an int", "worker:\n  concurrency: 1.5\n",
			[]string{`config: configs/x.yaml:2: worker.concurrency: want a whole number, got "1.5"`}},
		{"int32 overflow", "streams:\n  max_msg_size: 99999999999\n",
			[]string{`config: configs/x.yaml:2: streams.max_msg_size: want a whole number that fits 32 bits, got "99999999999"`}},
		{"int64 as a list", "enqueue:\n  max_file_bytes: [1]\n",
			[]string{`config: configs/x.yaml:2: enqueue.max_file_bytes: want a whole number, got a list`}},
		{"duration", "worker:\n  ack_wait: soon\n",
			[]string{`config: configs/x.yaml:2: worker.ack_wait: want a duration such as 30s, 5m, 1h, got "soon"`}},
		{"duration without unit", "worker:\n  poll:\n    horizon: 60\n",
			[]string{`config: configs/x.yaml:3: worker.poll.horizon: want a duration such as 30s, 5m, 1h, got "60"`}},
		{"bool", "worker:\n  embedded: maybe\n",
			[]string{`config: configs/x.yaml:2: worker.embedded: want true or false, got "maybe"`}},
		{"float", "ratelimit:\n  rate: fast\n",
			[]string{`config: configs/x.yaml:2: ratelimit.rate: want a number, got "fast"`}},
		{"nested float", "ratelimit:\n  pressure:\n    decrease: {a: 1}\n",
			[]string{`config: configs/x.yaml:3: ratelimit.pressure.decrease: want a number, got a mapping`}},
		{"list as a scalar", "gateway:\n  not_found_codes: ORDER_NOT_FOUND\n",
			[]string{`config: configs/x.yaml:2: gateway.not_found_codes: want a list of values, got "ORDER_NOT_FOUND"`}},
		{"list as a mapping", "gateway:\n  not_found_codes: {a: 1}\n",
			[]string{`config: configs/x.yaml:2: gateway.not_found_codes: want a list of values, got a mapping`}},
		{"string as a list", "log:\n  level: [debug]\n",
			[]string{`config: configs/x.yaml:2: log.level: want a single value, got a list`}},
		{"secret never shown", "nats:\n  token: [s3cret]\n",
			[]string{`config: configs/x.yaml:2: nats.token: want a single value, got a list`}},
		{"section as a list", "worker: [1]\n",
			[]string{`config: configs/x.yaml:1: worker: want a mapping of keys, got a list`}},
		{"section as a scalar", "worker:\n  poll: 3\n",
			[]string{`config: configs/x.yaml:2: worker.poll: want a mapping of keys, got "3"`}},
		{"key set twice", "worker:\n  concurrency: 1\n  concurrency: 2\n",
			[]string{`config: configs/x.yaml:3: "worker.concurrency" is set twice (first on line 2)`}},
		{"all at once, unknown keys too", "worker:\n  concurrency: lots\n  ack_wiat: 3s\n  ack_wait: soon\nlog:\n  format: 1\n  level: [a]\n",
			[]string{
				`config: configs/x.yaml:2: worker.concurrency: want a whole number, got "lots"`,
				`config: configs/x.yaml:3: unknown key "worker.ack_wiat" (did you mean "worker.ack_wait"?)`,
				`config: configs/x.yaml:4: worker.ack_wait: want a duration such as 30s, 5m, 1h, got "soon"`,
				`config: configs/x.yaml:7: log.level: want a single value, got a list`,
			}},
		{"through an alias", "x: &x lots\nworker:\n  concurrency: *x\n",
			[]string{
				`config: configs/x.yaml:1: unknown key "x"`,
				`config: configs/x.yaml:3: worker.concurrency: want a whole number, got "lots"`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(tt.yaml), "configs/x.yaml", nil)
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("Parse = %v, want ErrInvalid", err)
			}
			var got []string
			for _, e := range leaves(err) {
				got = append(got, e.Error())
				var fe *config.FieldError
				var le *config.LineError
				switch {
				case errors.As(e, &fe):
					if fe.Line == 0 || fe.Source != "configs/x.yaml" || fe.Env != config.EnvName(fe.Key) {
						t.Errorf("%q: FieldError %+v lacks its line, file or variable", e, *fe)
					}
				case errors.As(e, &le):
					if le.Line == 0 {
						t.Errorf("%q: LineError without a line", e)
					}
				default:
					t.Errorf("%q is neither a *FieldError nor a *LineError", e)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("a secret is shown: %q", err)
			}
		})
	}
}

// TestYAMLNullKeepsDefaults: an empty key or section keeps its default, as yaml itself does.
func TestYAMLNullKeepsDefaults(t *testing.T) {
	t.Parallel()
	got, err := config.Parse([]byte("worker:\n  concurrency:\n  poll: ~\nlog:\n"), "x.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := config.Default(); got.Worker.Concurrency != want.Worker.Concurrency || got.Worker.Poll != want.Worker.Poll || got.Log != want.Log {
		t.Errorf("got %+v, want the defaults", got)
	}
}
