package config

import "errors"

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
// variable as the user wrote it, or the file and line. Errors about keys nobody set keep the
// key's own variable, the one to set to fix it.
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
