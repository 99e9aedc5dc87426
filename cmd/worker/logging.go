package main

import (
	"io"
	"os"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
)

// newLogger writes zerolog to w: JSON by default, human-readable when log.format is console or
// when w is a terminal and PAYRUN_LOG_FORMAT does not ask for json.
func newLogger(c config.Log, w io.Writer, environ []string) zerolog.Logger {
	level, err := zerolog.ParseLevel(c.Level)
	if err != nil {
		level = zerolog.InfoLevel // Validate has refused anything else
	}
	if c.Format == "console" || (isTerminal(w) && !slices.Contains(environ, "PAYRUN_LOG_FORMAT=json")) {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: !isTerminal(w)}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Str("service", "payrun-worker").Logger()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// component returns a child logger for one part of the worker.
func component(log zerolog.Logger, name string) zerolog.Logger {
	return log.With().Str("component", name).Logger()
}

// logOf returns a pointer for one-off events on a child logger.
func logOf(l zerolog.Logger) *zerolog.Logger { return &l }
