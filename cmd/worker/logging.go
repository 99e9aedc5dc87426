package main

import (
	"io"
	"slices"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/logging"
)

// newLogger writes zerolog to w (pkg/logging) and returns the format it chose: JSON by default,
// human-readable when log.format is console or when w is a terminal and PAYRUN_LOG_FORMAT does
// not ask for json.
func newLogger(c config.Log, w io.Writer, environ []string) (zerolog.Logger, string) {
	format := c.Format
	if format == logging.FormatJSON && !slices.Contains(environ, "PAYRUN_LOG_FORMAT=json") {
		format = "" // the default: readable on a terminal, JSON elsewhere
	}
	return logging.New(w, logging.Options{Level: c.Level, Format: format, Service: "payrun-worker"})
}

// component returns a child logger for one part of the worker. Packages that add their own
// component (pkg/submit, pkg/ratelimit) get the plain logger instead: a key must not repeat.
func component(log zerolog.Logger, name string) zerolog.Logger {
	return log.With().Str("component", name).Logger()
}

// logOf returns a pointer for one-off events on a child logger.
func logOf(l zerolog.Logger) *zerolog.Logger { return &l }
