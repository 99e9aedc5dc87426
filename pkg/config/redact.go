package config

import (
	"reflect"
	"time"

	"github.com/rs/zerolog"
)

// Redacted returns a copy fit for logs: every secret key that is set reads "***".
func (c Config) Redacted() Config {
	v := reflect.ValueOf(&c).Elem()
	for _, f := range Fields() {
		if f.Secret {
			if fv := v.FieldByIndex(f.index); fv.String() != "" {
				fv.SetString("***")
			}
		}
	}
	c.NATS.URL = redactURLs(c.NATS.URL)
	return c
}

// MarshalZerologObject logs the redacted configuration as key: value pairs, durations as Go
// duration strings ("30s", "1h0m0s") rather than nanoseconds.
func (c Config) MarshalZerologObject(e *zerolog.Event) {
	r := reflect.ValueOf(c.Redacted())
	for _, f := range Fields() {
		v := r.FieldByIndex(f.index)
		if f.typ == durationType {
			e.Str(f.Key, time.Duration(v.Int()).String())
			continue
		}
		e.Interface(f.Key, v.Interface())
	}
}

func redactURLs(s string) string {
	out := []byte{}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, redactURL(s[start:i])...)
			if i < len(s) {
				out = append(out, ',')
			}
			start = i + 1
		}
	}
	return string(out)
}
