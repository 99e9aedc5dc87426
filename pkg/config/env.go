package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// applyEnv sets every key whose variable (or alias) appears in environ ("NAME=value" entries, as
// os.Environ returns), recording in from the variable that set each key. Unknown PAYRUN_*
// variables are errors too: a typo must not be ignored.
func applyEnv(cfg *Config, environ []string, from origins) error {
	env := make(map[string]string)
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(name, "PAYRUN_") {
			env[name] = value
		}
	}
	if len(env) == 0 {
		return nil
	}
	known := make(map[string]bool)
	var errs []error
	root := reflect.ValueOf(cfg).Elem()
	set := func(f Field, envName, value string) {
		from[f.Key] = origin{env: envName}
		if err := setValue(root.FieldByIndex(f.index), value); err != nil {
			shown := fmt.Sprintf("%q", value)
			if f.Secret {
				shown = "(secret)"
			}
			errs = append(errs, &FieldError{Key: f.Key, Env: envName, Reason: fmt.Sprintf("invalid value %s: %v", shown, err)})
		}
	}
	byKey := make(map[string]Field)
	for _, f := range Fields() {
		byKey[f.Key] = f
		known[f.Env] = true
		if v, ok := env[f.Env]; ok {
			set(f, f.Env, v)
		}
	}
	for _, a := range Aliases() {
		known[a.Env] = true
		v, ok := env[a.Env]
		if !ok {
			continue
		}
		f := byKey[a.Key]
		if full, ok := env[f.Env]; ok {
			if full != v {
				errs = append(errs, &FieldError{Key: f.Key, Env: a.Env, Reason: fmt.Sprintf("both %s and %s are set, to different values", f.Env, a.Env)})
			}
			continue
		}
		set(f, a.Env, v)
	}
	for name := range env {
		if !known[name] {
			errs = append(errs, fmt.Errorf("%w: config: unknown environment variable %s", ErrInvalid, name))
		}
	}
	return errors.Join(errs...)
}

// errWant says what v's key takes, in the words the YAML file's errors use.
func errWant(v reflect.Value) error { return errors.New("want " + wanted(v.Type())) }

// setValue parses s into v according to v's type.
func setValue(v reflect.Value, s string) error {
	if v.Type() == durationType {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return errWant(v)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return errWant(v)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return errWant(v)
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return errWant(v)
		}
		v.SetFloat(f)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported type %s", v.Type())
		}
		var items []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}
