// Command worker pays payout jobs from JetStream through the ConnPay gateway.
//
//	worker [--config FILE] [--embedded] [--store-dir DIR] [--sandbox] [--demo]
//	                              run the worker pool (docs/operations.md)
//	worker pause [--reason R]     pause every worker sharing the NATS system
//	worker resume                 end a pause
//	worker status [--json]        the pool's state: pause, workers, rate, backlog, batches
//	worker sign [flags]           print what the signer signs for one request (docs/signing.md)
//	worker help [COMMAND]         the usage of the worker or of one command
//	worker version | --version    the build (module version, VCS revision, Go version)
//
// Exit codes: docs/operations.md, "Exit codes" (the one place they are described; cli.ExitCode
// maps errors to them).
//
// Signals: the first SIGINT or SIGTERM starts a graceful shutdown (stop pulling, finish or hand
// back in-flight jobs within worker.shutdown_timeout, then close everything in order); a second
// one kills the process at once (cli.Main: Go's default handler is restored after the first).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/internal/stack"
	"github.com/payrun/payrun/pkg/buildinfo"
)

func main() {
	cli.Main("worker", cli.ExitCode, func(ctx context.Context) error {
		return run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	})
}

// run dispatches to a subcommand; everything below it writes only to the given streams and
// reads the environment only from environ (os.Environ form).
func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "sign":
			return runSign(ctx, args[1:], stdin, stdout, stderr)
		case "pause", "resume":
			return runControl(ctx, args[0], args[1:], environ, stdout, stderr)
		case "status":
			return runStatus(ctx, args[1:], environ, stdout, stderr)
		case "help": // the command's --help, on stdout
			helpArgs, err := cli.HelpArgs(args[1:], []string{"pause", "resume", "status", "sign"}, []string{"help", "version"})
			if err != nil {
				return err
			}
			return run(ctx, helpArgs, environ, stdin, stdout, stdout)
		case "version", "--version", "-version":
			fmt.Fprintln(stdout, buildinfo.Read().String(serviceName))
			return nil
		}
	}
	return runWorker(ctx, args, environ, stdout, stderr)
}

// serviceName is the worker's "service" in its logs.
const serviceName = "payrun-worker"

// runWorker runs the worker pool until ctx ends (or the demo, with --demo): the assembly is
// internal/stack's, the same the tests and the demo run.
func runWorker(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	f, err := parseWorkerFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg, err := loadConfig(f, environ)
	if err != nil {
		return err
	}
	log, format := cli.NewLogger(cfg.Log, stderr, environ, serviceName)
	if f.demo {
		return runDemo(ctx, f, cfg, log, stdout)
	}
	return stack.Serve(ctx, cfg, log, format)
}
