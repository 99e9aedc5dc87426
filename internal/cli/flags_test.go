package cli_test

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/config"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		prefix    string
		args      []string
		takesArgs bool
		help      bool
		wantErr   string // "" = no error
	}{
		{"flags only", "status", []string{"--json"}, false, false, ""},
		{"help", "status", []string{"--help"}, false, true, ""},
		{"unknown flag", "status", []string{"--bogus"}, false, false, "status: usage: flag provided but not defined: -bogus"},
		{"unknown flag, no prefix", "", []string{"--bogus"}, false, false, "usage: flag provided but not defined: -bogus"},
		{"stray argument", "pause", []string{"extra"}, false, false, `pause: usage: unexpected arguments ["extra"]`},
		{"arguments taken", "sign", []string{"--json", "a=1"}, true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet(tt.prefix, flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.Bool("json", false, "")
			help, err := cli.ParseFlags(fs, tt.prefix, tt.args, tt.takesArgs)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if help != tt.help || gotErr != tt.wantErr {
				t.Fatalf("help %t, err %v; want help %t, err %q", help, err, tt.help, tt.wantErr)
			}
			if err != nil && cli.ExitCode(err) != 2 {
				t.Errorf("exit code %d, want 2", cli.ExitCode(err))
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	base := errors.New("disk on fire")
	for err, want := range map[error]int{
		nil:                                  0,
		base:                                 1,
		cli.Usage(base):                      2,
		fmt.Errorf("x: %w", cli.Usage(base)): 2,
		&config.FieldError{Key: "worker.concurrency", Reason: "must be positive"}: 2,
		&cli.ExitError{Code: 3, Err: base}:                                        3,
		fmt.Errorf("x: %w", &cli.ExitError{Code: 3, Err: base}):                   3,
	} {
		if got := cli.ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
	if err := cli.Usage(base); err.Error() != base.Error() || !errors.Is(err, base) {
		t.Errorf("Usage changed the message or lost the cause: %v", err)
	}
}

func TestHelpArgs(t *testing.T) {
	t.Parallel()
	commands, general := []string{"pause", "status"}, []string{"help", "version"}
	tests := []struct {
		args    []string
		want    []string
		wantErr string
	}{
		{nil, []string{"--help"}, ""},
		{[]string{"status"}, []string{"status", "--help"}, ""},
		{[]string{"version"}, []string{"--help"}, ""},
		{[]string{"help"}, []string{"--help"}, ""},
		{[]string{"bogus"}, nil, `help: usage: unknown command "bogus" (commands: pause, status, help, version)`},
		{[]string{"status", "pause"}, nil, `help: usage: unknown command "status pause" (commands: pause, status, help, version)`},
	}
	for _, tt := range tests {
		got, err := cli.HelpArgs(tt.args, commands, general)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
			if cli.ExitCode(err) != 2 {
				t.Errorf("%q: exit code %d, want 2", tt.args, cli.ExitCode(err))
			}
		}
		if !slices.Equal(got, tt.want) || gotErr != tt.wantErr {
			t.Errorf("HelpArgs(%q) = %q, %v; want %q, %q", tt.args, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestGiven(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Bool("json", false, "")
	fs.String("nonce", "default", "")
	fs.String("login", "", "")
	if err := fs.Parse([]string{"--json=false", "--nonce", ""}); err != nil {
		t.Fatal(err)
	}
	if got := cli.Given(fs); len(got) != 2 || !got["json"] || !got["nonce"] {
		t.Errorf("Given = %v, want json and nonce (set to their zero values), not login", got)
	}
}

func TestRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--key", "k", "--url", "u"}, ""},
		{[]string{"--key", "k"}, "usage: missing --url"},
		{[]string{"--key", "", "--login", "l"}, "usage: missing --key, --url"},
		{nil, "usage: missing --key, --url"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.String("key", "", "")
		fs.String("url", "", "")
		fs.String("login", "", "")
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		err := cli.Required(fs, "key", "url")
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
			if !errors.Is(err, cli.ErrUsage) {
				t.Errorf("%q: %v does not match ErrUsage", tt.args, err)
			}
		}
		if gotErr != tt.wantErr {
			t.Errorf("Required after %q: %v, want %q", tt.args, err, tt.wantErr)
		}
	}
}

func TestNewFlagSet(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	fs := cli.NewFlagSet("worker status", "usage: worker status [--json]\n\nFlags:\n", &out)
	fs.Bool("json", false, "print JSON")

	help, err := cli.ParseFlags(fs, "status", []string{"--help"}, false)
	if !help || err != nil {
		t.Fatalf("--help: help %t, err %v; want true, nil", help, err)
	}
	const wantHelp = "usage: worker status [--json]\n\nFlags:\n  -json\n    \tprint JSON\n"
	if out.String() != wantHelp {
		t.Errorf("--help printed %q, want the usage then the flags: %q", out.String(), wantHelp)
	}

	out.Reset()
	_, err = cli.ParseFlags(fs, "status", []string{"--bogus"}, false)
	if !errors.Is(err, cli.ErrUsage) {
		t.Errorf("--bogus: %v, want an error matching cli.ErrUsage", err)
	}
	if !strings.HasPrefix(out.String(), "flag provided but not defined: -bogus\nusage: worker status") {
		t.Errorf("--bogus printed %q, want the mistake then the usage on the given writer", out.String())
	}
}
