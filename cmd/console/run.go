package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/console"
	"github.com/payrun/payrun/pkg/seal"
)

const usage = `usage: console [--config FILE] [--addr HOST:PORT]
       console hash-password < file-with-the-password

Serves the finance web console against the NATS system of the configuration (docs/console.md).
Users are console.users lines "name roles bcrypt-hash"; hash-password prints the hash of the
first line of stdin.

`

// run parses, dispatches and serves; it writes only to the given streams.
func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "hash-password" {
		return hashPassword(stdin, stdout)
	}
	fs := cli.NewFlagSet("console", usage, stderr)
	configFile := fs.String("config", "", "YAML configuration `file` (env PAYRUN_* override it)")
	addr := fs.String("addr", "", "listen address (console.addr)")
	if help, err := cli.ParseFlags(fs, "", args, false); help || err != nil {
		return err
	}
	cfg, err := config.Load(*configFile, environ)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Console.Addr = *addr
	}
	if err := cfg.ValidateConsole(); err != nil {
		return err
	}
	base := zerolog.New(stderr).With().Timestamp().Str("cmd", "console").Logger()
	if cfg.Log.Format == "console" {
		base = base.Output(zerolog.ConsoleWriter{Out: stderr})
	}
	log := base
	if lvl, err := zerolog.ParseLevel(cfg.Log.Level); err == nil {
		log = log.Level(lvl)
	}
	// The audit log is written whatever log.level says.
	audit := base.With().Str("component", "console-audit").Logger()
	// The data key is read before connecting: a bad key file fails at start.
	var keys *seal.Keyring
	if cfg.Security.DataKeyFile != "" {
		if keys, err = seal.LoadFile(cfg.Security.DataKeyFile); err != nil {
			return &config.FieldError{Key: "security.data_key_file", Env: config.EnvName("security.data_key_file"), Reason: err.Error()}
		}
	} else if !cfg.Security.AllowCleartextJobs {
		log.Warn().Msg("no data key (security.data_key_file): files waiting for approval and the jobs hold card and account numbers in clear (docs/security.md)")
	}
	nc, js, handles, err := cfg.ConnectClient(ctx, "payrun-console", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	opts, err := cfg.ConsoleOptions(audit)
	if err != nil {
		return err
	}
	if keys != nil {
		opts.Keys = keys
	}
	srv, err := console.New(ctx, js, handles, opts)
	if err != nil {
		return err
	}
	return console.Serve(ctx, cfg.Console.Addr, srv, func(url string) {
		fmt.Fprintf(stdout, "console listening on %s\n", url)
		log.Info().Str("url", url).Bool("approvals", cfg.Console.Approvals).Msg("console listening")
	})
}

// hashPassword prints the bcrypt hash of stdin's first line (the password, never an argument:
// arguments show in process lists and shell history).
func hashPassword(stdin io.Reader, stdout io.Writer) error {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("hash-password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if len(pw) < 8 {
		return fmt.Errorf("%w: hash-password: the password on stdin must be at least 8 characters", cli.ErrUsage)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash-password: %w", err)
	}
	fmt.Fprintln(stdout, string(h))
	return nil
}
