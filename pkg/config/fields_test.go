package config

import (
	"reflect"
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
		case f.typ.Kind() == reflect.Bool:
			sample = "true"
		case f.typ.Kind() == reflect.Float64:
			sample = "7.5"
		default:
			sample = "7"
		}
		c := Default()
		if err := applyEnv(&c, []string{f.Env + "=" + sample}); err != nil {
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
