package stack

import "github.com/rs/zerolog"

// component returns a child logger for one part of the worker. Packages that add their own
// component (pkg/submit, pkg/ratelimit) get the plain logger instead: a key must not repeat.
func component(log zerolog.Logger, name string) zerolog.Logger {
	return log.With().Str("component", name).Logger()
}
