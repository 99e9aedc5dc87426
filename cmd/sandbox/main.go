// Command sandbox runs the ConnPay gateway twin (pkg/sandbox) on loopback.
//
//	sandbox --addr 127.0.0.1:8090 --public-key merchant.pub.pem --login MERCHANT [flags]
//	sandbox --generate-key DIR     # write a fresh 2048-bit key pair into DIR and exit
//
// It prints the base URL to use as the gateway base URL, serves until SIGINT/SIGTERM and
// exposes its counters on GET /sandbox/stats. See docs/gateway.md.
//
// The first SIGINT/SIGTERM shuts down gracefully (in-flight requests get up to 5 s); a second
// one during that shutdown kills the process at once (cli.Main). Exit codes: 0 stopped or done,
// 1 runtime failure, 2 usage (cli.ExitCode).
package main

import (
	"context"
	"os"

	"github.com/payrun/payrun/internal/cli"
)

func main() {
	cli.Main("sandbox", cli.ExitCode, func(ctx context.Context) error {
		return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	})
}
