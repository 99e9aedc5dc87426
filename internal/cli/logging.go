// Package cli holds the rules payrun's commands share in how they talk to a person: Main (signals,
// the error line and the exit code of every binary), flag parsing (ParseFlags, Given, Required,
// HelpArgs), usage errors and exit codes (ErrUsage, Usage, ExitError, ExitCode, ErrReported),
// --json output (WriteJSON) and one logger setup for every binary (pkg/logging underneath).
// Terminal detection is logging.IsTerminal; currency totals print as job.Totals.String.
package cli

import (
	"io"
	"slices"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/logging"
)

// NewLogger writes zerolog to w for the binary service (pkg/logging) and returns the format it
// chose: JSON by default, human-readable when log.format is console or when w is a terminal and
// the environment (os.Environ form) does not ask for json with PAYRUN_LOG_FORMAT=json.
func NewLogger(c config.Log, w io.Writer, environ []string, service string) (zerolog.Logger, string) {
	format := c.Format
	if format == logging.FormatJSON && !slices.Contains(environ, "PAYRUN_LOG_FORMAT=json") {
		format = "" // the default: readable on a terminal, JSON elsewhere
	}
	return logging.New(w, logging.Options{Level: c.Level, Format: format, Service: service})
}
