// Package logging builds the zerolog loggers of payrun's binaries, so that every binary writes
// the same line shape: JSON objects with unique keys, a UTC timestamp with milliseconds in
// "time", the binary in "service", a "component" per part of the process (added once, by the
// part that owns it), and durations in fields whose names carry the unit ("_ms").
package logging

import (
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/term"
)

// TimeFormat is the "time" field's format: RFC 3339 in UTC with milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Formats a logger can write.
const (
	FormatJSON    = "json"
	FormatConsole = "console"
)

// Options configure New.
type Options struct {
	Level   string // zerolog level name; anything unparsable means info
	Format  string // FormatJSON or FormatConsole; "" = console on a terminal, else JSON
	Service string // the binary, written as "service"
}

// New returns a logger writing to w and the format it uses (say it in the start line). JSON is
// chosen when Format asks for it or w is not a terminal.
func New(w io.Writer, o Options) (zerolog.Logger, string) {
	level, err := zerolog.ParseLevel(o.Level)
	if err != nil || o.Level == "" {
		level = zerolog.InfoLevel
	}
	format := o.Format
	if format == "" {
		format = FormatJSON
		if IsTerminal(w) {
			format = FormatConsole
		}
	}
	if format == FormatConsole {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: !IsTerminal(w)}
	}
	// The timestamp is written by a hook rather than zerolog.TimeFieldFormat, a package global.
	return zerolog.New(w).Level(level).Hook(timestamp{}).With().Str("service", o.Service).Logger(), format
}

// timestamp adds "time" to every event.
type timestamp struct{}

func (timestamp) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	e.Str(zerolog.TimestampFieldName, time.Now().UTC().Format(TimeFormat))
}

// IsTerminal reports whether w is a terminal (golang.org/x/term: a character device such as
// /dev/null is not one). Every payrun binary decides by it: console logs, progress bars.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
