package config

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every configuration error: *FieldError, *LineError and
// YAML syntax errors.
var ErrInvalid = errors.New("invalid configuration")

// FieldError is one problem with one key. Key is the YAML path ("worker.ack_wait") and Env its
// environment variable, or the short alias the value was set through (PAYRUN_CONCURRENCY). When
// the value came from the YAML file, Source and Line say where, and the message names them
// instead of the variable. Several are joined with errors.Join; errors.As finds each.
type FieldError struct {
	Key    string
	Env    string
	Source string // the YAML file that set the value ("" when it did not come from one)
	Line   int    // its line in Source (0 when it did not come from one)
	Reason string

	// others are the other keys of a rule between keys, each with the reason as seen from it:
	// when the user set one of them and not Key, the error is about the key the user set.
	others []blame
}

// blame is one key of a rule between keys and the rule's reason as seen from that key.
type blame struct{ key, reason string }

func because(key, format string, args ...any) blame {
	return blame{key, fmt.Sprintf(format, args...)}
}

func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config: %s:%d: %s: %s", e.Source, e.Line, e.Key, e.Reason)
	}
	env := e.Env
	if env == "" {
		env = EnvName(e.Key)
	}
	return fmt.Sprintf("config: %s (%s): %s", e.Key, env, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldErr(key, format string, args ...any) *FieldError {
	return &FieldError{Key: key, Env: EnvName(key), Reason: fmt.Sprintf(format, args...)}
}

// ruleErr is the error of a rule between keys: about the first key, unless the user set
// another one and not it (origins.name).
func ruleErr(first blame, others ...blame) *FieldError {
	return &FieldError{Key: first.key, Env: EnvName(first.key), Reason: first.reason, others: others}
}
