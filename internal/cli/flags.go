package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/payrun/payrun/pkg/config"
)

// ErrUsage marks command-line mistakes: the binaries exit with code 2 (ExitCode).
var ErrUsage = errors.New("usage")

// Usage marks err (an unreadable --config file, a bad key) as a usage mistake: it matches
// ErrUsage and keeps its message.
func Usage(err error) error { return usageError{err} }

type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Unwrap() error        { return e.err }
func (e usageError) Is(target error) bool { return target == ErrUsage }

// ParseFlags parses args into fs (built with flag.ContinueOnError). help is true, with a nil
// error, when -h or --help printed the usage. Any other mistake wraps ErrUsage, after
// "prefix: " unless prefix is empty; a command that takes no arguments refuses any left over.
func ParseFlags(fs *flag.FlagSet, prefix string, args []string, takesArgs bool) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		err = fmt.Errorf("%w: %w", ErrUsage, err)
		if prefix != "" {
			err = fmt.Errorf("%s: %w", prefix, err)
		}
		return false, err
	}
	if !takesArgs && fs.NArg() > 0 {
		err = fmt.Errorf("%w: unexpected arguments %q", ErrUsage, fs.Args())
		if prefix != "" {
			err = fmt.Errorf("%s: %w", prefix, err)
		}
		return false, err
	}
	return false, nil
}

// Required checks that every named flag of fs has a non-empty value; otherwise it wraps ErrUsage
// and lists the missing ones, in the order given: "usage: missing --key, --url".
func Required(fs *flag.FlagSet, names ...string) error {
	var missing []string
	for _, name := range names {
		if fs.Lookup(name).Value.String() == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s", ErrUsage, strings.Join(missing, ", "))
	}
	return nil
}

// Given returns the names of the flags set on the command line (after fs.Parse), for flags whose
// zero value differs from "not given".
func Given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// ExitError gives Err a command's own documented exit code (beyond 1 and 2), e.g. `worker
// status` that printed what it could read but not everything (3).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the exit code of a command's error: 2 for usage and configuration mistakes
// (ErrUsage, config.ErrInvalid), an ExitError's Code, 1 for anything else, 0 for nil.
func ExitCode(err error) int {
	var exit *ExitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage) || errors.Is(err, config.ErrInvalid):
		return 2
	case errors.As(err, &exit):
		return exit.Code
	}
	return 1
}

// HelpArgs turns `NAME help [COMMAND]` (args: what follows "help") into the arguments that print
// the usage asked for: --help for the binary's own usage (no COMMAND, or one of general, the
// commands whose usage is the binary's), COMMAND --help for one of commands. Anything else wraps
// ErrUsage and lists every command.
func HelpArgs(args, commands, general []string) ([]string, error) {
	switch {
	case len(args) == 0 || (len(args) == 1 && slices.Contains(general, args[0])):
		return []string{"--help"}, nil
	case len(args) == 1 && slices.Contains(commands, args[0]):
		return []string{args[0], "--help"}, nil
	}
	return nil, fmt.Errorf("help: %w: unknown command %q (commands: %s)", ErrUsage, strings.Join(args, " "),
		strings.Join(slices.Concat(commands, general), ", "))
}

// NewFlagSet is a flag set named name that reports its mistakes to w (flag.ContinueOnError:
// ParseFlags turns them into ErrUsage) and whose -h/--help prints usage, then the flags.
func NewFlagSet(name, usage string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprint(w, usage)
		fs.PrintDefaults()
	}
	return fs
}
