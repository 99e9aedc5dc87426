// Command enqueue validates a payout batch file (CSV, or stdin as "-") and publishes one job per
// row to JetStream, exactly once, however often it is run. With --wait it follows the batch's
// results to the end; --report writes them as CSV. See docs/enqueue.md.
//
// Exit codes: 0 success, 1 infrastructure, 2 usage, 3 input rejected, 4-6 see exitCodes (exit.go),
// which --help prints and docs/enqueue.md's table is generated from.
package main

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/payrun/payrun/internal/cli"
)

// memoryLimit is the soft heap limit enqueue runs with unless GOMEMLIMIT says otherwise: the GC
// works harder near it instead of letting the heap double, which keeps peak memory flat for large
// files (docs/enqueue.md has the measurements).
const memoryLimit = 40 << 20

// main runs under cli.Main: the first SIGINT/SIGTERM ends run's context, a second one ends the
// process at once; the exit code is exitCode's.
func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	cli.Main("enqueue", exitCode, func(ctx context.Context) error {
		return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	})
}
