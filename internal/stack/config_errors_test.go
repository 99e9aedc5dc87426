package stack

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/config"
)

// TestEveryConfigErrorNamesItsKeyAndVariable walks every key of config.Config, sets through the
// key's environment variable values the worker must refuse, and validates as the worker does
// (config.Parse, then CheckConfig). Every error must be a *config.FieldError naming a key
// that exists with that key's variable, and one must name exactly the key and the variable
// that was set (a rule between two keys names the partner that is missing). A new key must be
// given an invalid value here, or be listed as free text.
func TestEveryConfigErrorNamesItsKeyAndVariable(t *testing.T) {
	t.Parallel()
	invalidText := map[string]string{
		"nats.url":                     "not a url",
		"nats.tls.cert_file":           "cert.pem", // without key_file
		"gateway.url":                  "ftp://gw.example/paynet",
		"gateway.not_found_codes":      "NOT FOUND",
		"worker.store_dir":             "/var/lib/payrun", // without worker.embedded
		"http_addr":                    "no port",
		"log.level":                    "loud",
		"log.format":                   "xml",
		"names.job_stream":             "bad name",
		"names.job_subject_prefix":     "bad.*",
		"names.chunk_subject_prefix":   "bad.*",
		"names.result_stream":          "bad name",
		"names.result_subject_prefix":  "bad.*",
		"names.summary_subject_prefix": "bad.*",
		"names.dead_subject_prefix":    "bad.*",
		"names.consumer":               "bad name",
		"names.batches_bucket":         "bad name",
		"names.orders_bucket":          "bad name",
		"names.ledger_bucket":          "bad name",
		"names.ratelimit_bucket":       "bad name",
		"nats.password":                "secret",  // without nats.user
		"nats.tls.key_file":            "key.pem", // without cert_file
		"console.addr":                 "no port",
		"console.proxy_user_header":    "X User",
		"console.session_key":          "short",
	}
	// A rule between two keys names the one that is missing.
	partner := map[string]string{
		"nats.password":     "nats.user",
		"nats.tls.key_file": "nats.tls.cert_file",
	}
	// Any string is valid for these keys (names of files, logins, secrets, ids).
	freeText := []string{"nats.name", "nats.creds_file", "nats.nkey_file", "nats.user", "nats.token", "nats.tls.ca_file",
		"gateway.endpoint_id", "gateway.endpoint_group_id", "gateway.login", "gateway.private_key_file", "gateway.control_key",
		"security.data_key_file", // read and checked when the worker starts (docs/security.md)
		"console.users"}          // checked by the console's own ValidateConsole; the worker does not read it

	known := map[string]string{}
	for _, f := range config.Fields() {
		known[f.Key] = f.Env
	}
	def := reflect.ValueOf(config.Default())
	checked := 0
	for _, f := range config.Fields() {
		var values []string
		switch v := fieldValue(def, f.Key); v.Kind() {
		case reflect.String, reflect.Slice:
			if bad, ok := invalidText[f.Key]; ok {
				values = []string{bad}
			} else if !slices.Contains(freeText, f.Key) {
				t.Errorf("%s: give it an invalid value in this test, or list it as free text", f.Key)
			}
		case reflect.Bool:
			values = []string{"maybe"}
		case reflect.Int64:
			if v.Type().String() == "time.Duration" {
				values = []string{"soon", "-5s"}
			} else {
				values = []string{"many", "-5"}
			}
		default:
			values = []string{"many", "-5"}
		}
		for _, value := range values {
			checked++
			cfg, err := config.Parse(nil, "", []string{f.Env + "=" + value})
			if err == nil {
				err = CheckConfig(cfg)
			}
			if err == nil {
				t.Errorf("%s=%s: accepted", f.Env, value)
				continue
			}
			wantKey := f.Key
			if p, ok := partner[f.Key]; ok {
				wantKey = p
			}
			named := false
			for _, e := range leaves(err) {
				var fe *config.FieldError
				if !errors.As(e, &fe) {
					t.Errorf("%s=%s: %q is not a *config.FieldError", f.Env, value, e)
					continue
				}
				if env, ok := known[fe.Key]; !ok || fe.Env != env {
					t.Errorf("%s=%s: %q names key %q variable %q; no such key or not its variable", f.Env, value, e, fe.Key, fe.Env)
				}
				named = named || (fe.Key == wantKey && fe.Env == known[wantKey])
				if f.Secret && strings.Contains(e.Error(), value) {
					t.Errorf("%s: the error echoes a secret: %q", f.Env, e)
				}
			}
			if !named {
				t.Errorf("%s=%s: %q does not name %s (%s)", f.Env, value, err, wantKey, known[wantKey])
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d values checked", checked)
	}
}

// leaves flattens errors.Join trees.
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

// fieldValue is the value of key (a YAML path) in v, a config.Config.
func fieldValue(v reflect.Value, key string) reflect.Value {
	for _, part := range strings.Split(key, ".") {
		for i := range v.NumField() {
			if strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0] == part {
				v = v.Field(i)
				break
			}
		}
	}
	return v
}
