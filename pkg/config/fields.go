package config

import (
	"reflect"
	"strings"
	"time"
)

// Field describes one configuration key.
type Field struct {
	Key    string // YAML path, e.g. "worker.ack_wait"
	Env    string // its environment variable, e.g. "PAYRUN_WORKER_ACK_WAIT"
	Secret bool   // never printed
	index  []int
	typ    reflect.Type
}

// Alias is a documented short environment variable for a key.
type Alias struct {
	Env string // e.g. "PAYRUN_CONCURRENCY"
	Key string // e.g. "worker.concurrency"
}

// Aliases returns the documented short environment variables. The full variable of a key and
// its alias may both be set only to the same value.
func Aliases() []Alias {
	return []Alias{
		{"PAYRUN_ENDPOINT_ID", "gateway.endpoint_id"},
		{"PAYRUN_ENDPOINT_GROUP_ID", "gateway.endpoint_group_id"},
		{"PAYRUN_LOGIN", "gateway.login"},
		{"PAYRUN_PRIVATE_KEY_FILE", "gateway.private_key_file"},
		{"PAYRUN_CONTROL_KEY", "gateway.control_key"},
		{"PAYRUN_HTTP_TIMEOUT", "gateway.http_timeout"},
		{"PAYRUN_CONCURRENCY", "worker.concurrency"},
		{"PAYRUN_SETTLE_DELAY", "worker.settle_delay"},
		{"PAYRUN_POLL_INTERVAL", "worker.poll.first_interval"},
		{"PAYRUN_RATE_LIMIT", "ratelimit.rate"},
		{"PAYRUN_DATA_KEY_FILE", "security.data_key_file"},
	}
}

var durationType = reflect.TypeFor[time.Duration]()

// Fields lists every configuration key in declaration order.
func Fields() []Field {
	var out []Field
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Tag.Get("yaml")
			key := prefix + name
			idx := append(append([]int(nil), index...), i)
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				walk(f.Type, key+".", idx)
				continue
			}
			out = append(out, Field{Key: key, Env: EnvName(key), Secret: f.Tag.Get("secret") == "true", index: idx, typ: f.Type})
		}
	}
	walk(reflect.TypeFor[Config](), "", nil)
	return out
}

// EnvName is the environment variable of a key: PAYRUN_ + the path in upper case, "." → "_".
func EnvName(key string) string {
	return "PAYRUN_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// fieldByKey finds a key's Field.
func fieldByKey(key string) (Field, bool) {
	for _, f := range Fields() {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}
