package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestEachSectionChecksItsOwnKeys: Validate is one check per section. Each check, given a section
// whose every value is wrong (its zero value), reports problems, every one a *FieldError about a
// key of its own section (the worker keys pkg/payout checks included); and Validate of a zero Config reports exactly what the checks report,
// in section order.
func TestEachSectionChecksItsOwnKeys(t *testing.T) {
	t.Parallel()
	var zero Config
	sections := []struct {
		prefix string
		errs   []error
	}{
		{"nats.", zero.NATS.validate()},
		{"names.", zero.Names.validate()},
		{"streams.", zero.Streams.validate()},
		{"enqueue.", zero.Enqueue.validate()},
		{"gateway.", zero.Gateway.validate()},
		{"worker.", slices.Concat(zero.Worker.validate(), zero.payoutProblems())},
		{"ratelimit.", zero.RateLimit.validate()},
		{"log.", zero.Log.validate()},
		{"console.", zero.Console.validate()},
	}
	var want []string
	for _, s := range sections {
		if len(s.errs) == 0 {
			t.Errorf("%s: a zero section passed its check", s.prefix)
		}
		for _, err := range s.errs {
			var fe *FieldError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Key, s.prefix) {
				t.Errorf("%s check reported %q, not about one of its keys", s.prefix, err)
				continue
			}
			if _, ok := fieldByKey(fe.Key); !ok {
				t.Errorf("%s check names %q, no such key", s.prefix, fe.Key)
			}
			want = append(want, err.Error())
		}
	}
	zero.HTTPAddr = "no port"
	var got []string
	for _, err := range zero.Validate().(interface{ Unwrap() []error }).Unwrap() {
		got = append(got, err.Error())
	}
	if i := slices.IndexFunc(got, func(s string) bool { return strings.Contains(s, "http_addr") }); i < 0 {
		t.Errorf("Validate did not check http_addr")
	} else {
		got = slices.Delete(got, i, i+1)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Validate reported\n%s\nthe section checks\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
