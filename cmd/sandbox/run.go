package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/buildinfo"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
)

// parseCodes parses "500,502,503" (empty: none).
func parseCodes(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var codes []int
	for _, f := range strings.Split(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 500 || c > 599 {
			return nil, fmt.Errorf("%q is not a 5xx HTTP status", f)
		}
		codes = append(codes, c)
	}
	return codes, nil
}

const sandboxUsage = `usage: sandbox --public-key FILE --login LOGIN [--addr HOST:PORT] [flags]
       sandbox --generate-key DIR
       sandbox --version

Runs the ConnPay gateway twin (pkg/sandbox) on loopback until SIGINT/SIGTERM: it verifies
signatures, follows the payout page's test scenario, injects the faults asked for and counts
payouts per client_orderid at GET /sandbox/stats. See docs/gateway.md.

Environment: none is read.
Exit codes: 0 stopped by SIGINT/SIGTERM (or --generate-key/--help/--version done), 1 runtime
failure (key unreadable, address in use, requests still in flight after 5 s), 2 usage. A second
SIGINT/SIGTERM during the shutdown kills the process at once (killed by that signal).

Flags:
`

// run parses args, then either generates a key pair or serves the sandbox until ctx ends.
func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("sandbox", sandboxUsage, stderr)
	var (
		addr        = fs.String("addr", "127.0.0.1:8090", "loopback `host:port` to listen on (port 0 picks a free one)")
		pubFile     = fs.String("public-key", "", "merchant public key `file` (PEM, PKIX or PKCS#1) that verifies signatures")
		login       = fs.String("login", "", "merchant `login` (the accepted oauth_consumer_key and status login)")
		controlKey  = fs.String("control-key", "", "merchant control `key` for callbacks (empty: no callbacks)")
		genDir      = fs.String("generate-key", "", "write a fresh 2048-bit key pair into `dir` and exit")
		polls       = fs.Int("processing-polls", 0, "status answers that say processing before the final status")
		defStatus   = fs.String("default-status", "approved", "final status for account numbers outside the scenario")
		verifyBase  = fs.String("verify-base-url", "", "base `URL` signatures are checked against (default: as addressed)")
		window      = fs.Duration("timestamp-window", signer.DefaultWindow, "accepted oauth_timestamp distance")
		latency     = fs.Duration("fault-latency", 0, "latency added to every API request")
		err5Before  = fs.Float64("fault-5xx-before", 0, "share of API requests answered 500 before commit")
		throttle    = fs.Float64("fault-429", 0, "share of API requests answered 429 with Retry-After")
		dropAfter   = fs.Float64("fault-drop-after", 0, "share of API requests whose connection is dropped after commit")
		err5After   = fs.Float64("fault-5xx-after", 0, "share of API requests answered 502 after commit")
		err5Codes   = fs.String("fault-5xx-codes", "", "comma-separated HTTP `statuses` the 5xx faults answer, drawn at random (default: 500 before, 502 after commit)")
		retryAfter  = fs.Duration("fault-retry-after", time.Second, "Retry-After sent with a 429")
		rateLimit   = fs.Int("rate-limit", 0, "answer 429 beyond this many API requests per second (0: off)")
		seed        = fs.Uint64("seed", 1, "seed of the fault RNG")
		underscores = fs.Bool("underscore-errors", false, "spell error fields error_message/error_code")
	)
	version := fs.Bool("version", false, "print the build (module version, VCS revision, Go version) and exit")
	if help, err := cli.ParseFlags(fs, "", args, true); help || err != nil {
		return err
	}
	if *version {
		fmt.Fprintln(stdout, buildinfo.Read().String("payrun-sandbox"))
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", cli.ErrUsage, fs.Args())
	}
	codes, err := parseCodes(*err5Codes)
	if err != nil {
		return fmt.Errorf("%w: --fault-5xx-codes: %w", cli.ErrUsage, err)
	}
	if *genDir != "" {
		return generateKey(*genDir, stdout)
	}
	if err := cli.Required(fs, "public-key", "login"); err != nil {
		return fmt.Errorf("%w (or --generate-key DIR)", err)
	}
	pemBytes, err := os.ReadFile(*pubFile)
	if err != nil {
		return fmt.Errorf("read public key: %w", err)
	}
	pub, err := signer.ParsePublicKey(pemBytes)
	if err != nil {
		return fmt.Errorf("public key %s: %w", *pubFile, err)
	}
	srv, err := sandbox.Start(*addr, sandbox.Options{
		PublicKey:        pub,
		Login:            *login,
		ControlKey:       *controlKey,
		TimestampWindow:  *window,
		VerifyBaseURL:    *verifyBase,
		ProcessingPolls:  *polls,
		DefaultStatus:    *defStatus,
		UnderscoreErrors: *underscores,
		Faults: sandbox.Faults{
			Latency:        *latency,
			Error5xxBefore: *err5Before,
			Throttle:       *throttle,
			DropAfter:      *dropAfter,
			Error5xxAfter:  *err5After,
			Error5xxCodes:  codes,
			RetryAfter:     *retryAfter,
			RateLimit:      *rateLimit,
			Seed:           *seed,
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sandbox: listening on %s (stats: GET %s/sandbox/stats)\n", srv.URL(), strings.TrimSuffix(srv.URL(), sandbox.BasePath))
	<-ctx.Done()
	fmt.Fprintln(stdout, "sandbox: shutting down")
	return srv.Close()
}
