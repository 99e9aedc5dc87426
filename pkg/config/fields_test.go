package config

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every key can be set from its systematically derived variable.
func TestEveryKeyHasAnEnvVar(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, f := range Fields() {
		if seen[f.Env] {
			t.Errorf("two keys share %s", f.Env)
		}
		seen[f.Env] = true
		var sample string
		switch {
		case f.typ == durationType:
			sample = "1234ms"
		case f.typ.Kind() == reflect.String:
			sample = "sample-value"
		case f.typ.Kind() == reflect.Bool: // the opposite of the default, so that it changes something
			sample = strconv.FormatBool(!reflect.ValueOf(Default()).FieldByIndex(f.index).Bool())
		case f.typ.Kind() == reflect.Float64:
			sample = "7.5"
		case f.typ.Kind() == reflect.Slice:
			sample = "A, B"
		default:
			sample = "7"
		}
		c := Default()
		if err := applyEnv(&c, []string{f.Env + "=" + sample}, origins{}); err != nil {
			t.Errorf("%s: %v", f.Env, err)
			continue
		}
		if reflect.DeepEqual(c, Default()) {
			t.Errorf("%s=%s changed nothing", f.Env, sample)
		}
		if got := reflect.ValueOf(c).FieldByIndex(f.index).Interface(); f.typ == durationType && got != 1234*time.Millisecond {
			t.Errorf("%s: got %v", f.Env, got)
		}
	}
	for _, a := range Aliases() {
		if _, ok := fieldByKey(a.Key); !ok {
			t.Errorf("alias %s names unknown key %s", a.Env, a.Key)
		}
	}
	if len(seen) < 60 {
		t.Errorf("only %d keys found", len(seen))
	}
}

// TestNotFoundCodesFromEnv protects I3 (only positive evidence of absence licenses a second
// send): gateway.not_found_codes is a comma-separated list in its variable, empty by default (a
// real gateway's not-found answer must be confirmed, docs/gateway.md), and a code with a space
// is refused with the key's name.
func TestNotFoundCodesFromEnv(t *testing.T) {
	t.Parallel()
	if c := Default(); len(c.Gateway.NotFoundCodes) != 0 {
		t.Fatalf("default not_found_codes %q, want none", c.Gateway.NotFoundCodes)
	}
	c := Default()
	if err := applyEnv(&c, []string{"PAYRUN_GATEWAY_NOT_FOUND_CODES= ORDER_NOT_FOUND, 404 ,"}, origins{}); err != nil {
		t.Fatal(err)
	}
	if got := c.Gateway.NotFoundCodes; len(got) != 2 || got[0] != "ORDER_NOT_FOUND" || got[1] != "404" {
		t.Fatalf("not_found_codes %q", got)
	}
	c.Gateway.NotFoundCodes = []string{"NOT FOUND"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "gateway.not_found_codes") {
		t.Fatalf("Validate: %v; want an error naming gateway.not_found_codes", err)
	}
}
