package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/internal/stack"
	"github.com/payrun/payrun/pkg/config"
)

// workerFlags are the worker's command-line flags.
type workerFlags struct {
	configFile string
	storeDir   string
	demo       bool
	console    string          // --demo: serve the web console on this loopback address afterwards
	overrides  stack.Overrides // the flags given that override the configuration
}

// parseWorkerFlags parses the worker's flags; mistakes wrap cli.ErrUsage. flag.ErrHelp is returned
// as is after the usage was printed.
func parseWorkerFlags(args []string, stderr io.Writer) (workerFlags, error) {
	var (
		f                 workerFlags
		embedded, sandbox bool
		storeDir          string
	)
	fs := cli.NewFlagSet("worker", workerUsage, stderr)
	fs.StringVar(&f.configFile, "config", "", "YAML configuration `file` (default: built-in defaults + PAYRUN_* environment)")
	fs.BoolVar(&embedded, "embedded", false, "run an in-process JetStream server on nats.url's host:port (worker.embedded)")
	fs.StringVar(&storeDir, "store-dir", "", "store `directory` of the embedded server (worker.store_dir; default a temporary one)")
	fs.BoolVar(&sandbox, "sandbox", false, "pay through the built-in sandbox gateway with a generated key (worker.sandbox)")
	fs.BoolVar(&f.demo, "demo", false, "run the example batch end to end and exit")
	fs.StringVar(&f.console, "console", "", "with --demo: then serve the web console on this loopback `address` (e.g. 127.0.0.1:8080) with demo users until interrupted")
	help, err := cli.ParseFlags(fs, "", args, true)
	if help {
		return f, flag.ErrHelp // after the usage was printed
	} else if err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("%w: unexpected arguments %q (commands: pause, resume, status, sign, help, version)", cli.ErrUsage, fs.Args())
	}
	f.storeDir = storeDir
	given := cli.Given(fs)
	if given["embedded"] {
		f.overrides.Embedded = &embedded
	}
	if given["store-dir"] {
		f.overrides.StoreDir = &storeDir
	}
	if given["sandbox"] {
		f.overrides.Sandbox = &sandbox
	}
	if f.console != "" {
		if !f.demo {
			return f, fmt.Errorf("%w: --console goes with --demo (the console itself is cmd/console)", cli.ErrUsage)
		}
		if err := stack.CheckConsoleAddr(f.console); err != nil {
			return f, fmt.Errorf("%w: --console: %w", cli.ErrUsage, err)
		}
	}
	return f, nil
}

// loadConfig reads the file and environment (config.Load), applies the flags (stack.Overrides)
// or, with --demo, turns it into the demo's (stack.DemoConfig), and validates what the worker
// needs. Errors match config.ErrInvalid and name the key (exit code 2).
func loadConfig(f workerFlags, environ []string) (config.Config, error) {
	cfg, err := config.Load(f.configFile, environ)
	if err != nil {
		return cfg, cli.Usage(err)
	}
	if f.demo {
		cfg = stack.DemoConfig(cfg, environ)
	} else {
		cfg = f.overrides.Apply(cfg)
	}
	return cfg, stack.CheckConfig(cfg)
}
