package config

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every configuration error: *FieldError and YAML errors.
var ErrInvalid = errors.New("invalid configuration")

// FieldError is one problem with one key. Key is the YAML path ("worker.ack_wait"), Env its
// environment variable (or the variable that set the bad value). Several are joined with
// errors.Join; errors.As finds each.
type FieldError struct {
	Key    string
	Env    string
	Reason string
}

func (e *FieldError) Error() string {
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
