package config

import (
	"errors"
	"maps"
)

// origin is where a key's value came from: the environment variable the user set (its full
// name or its short alias), or a line of the YAML file. A key without one has its default.
type origin struct {
	env    string
	source string
	line   int
}

// origins maps keys to where Parse found their values; later sources overwrite earlier ones.
type origins map[string]origin

// name makes every *FieldError in err (an errors.Join tree) name where its key was set: the
// variable as the user wrote it, or the file and line. A rule between keys is blamed on the
// first of its keys that was set. Errors about keys nobody set keep the key's own variable, the
// one to set to fix it.
func (o origins) name(err error) error {
	var walk func(error)
	walk = func(err error) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
			return
		}
		var fe *FieldError
		if !errors.As(err, &fe) {
			return
		}
		if _, set := o[fe.Key]; !set {
			for _, b := range fe.others {
				if _, set := o[b.key]; set {
					fe.Key, fe.Env, fe.Reason = b.key, EnvName(b.key), b.reason
					break
				}
			}
		}
		if from, ok := o[fe.Key]; ok {
			if from.env != "" {
				fe.Env = from.env
			} else {
				fe.Source, fe.Line = from.source, from.line
			}
		}
	}
	walk(err)
	return err
}

// KeyError is a *FieldError about key that names where its value was set, as Validate's errors
// do: the variable as the user wrote it (the short alias included), or the YAML file and line;
// the key's own variable when it has its default. For rules that only the binary checks
// (internal/stack's CheckConfig).
func (c Config) KeyError(key, format string, args ...any) *FieldError {
	fe := fieldErr(key, format, args...)
	c.from.name(fe)
	return fe
}

// SetByFlag records that a command-line flag (e.g. "--store-dir") set key, after Parse: errors
// about key then name the flag. The record is copied, so other copies of c keep theirs.
func (c *Config) SetByFlag(key, flag string) {
	from := make(origins, len(c.from)+1)
	maps.Copy(from, c.from)
	from[key] = origin{env: flag}
	c.from = from
}
