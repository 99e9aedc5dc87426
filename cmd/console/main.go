// Command console serves the finance web console (docs/console.md): upload and check batch
// files, approve them with four eyes, follow them as the pool pays, download reports, pause and
// resume the pool.
//
//	console [--config FILE] [--addr HOST:PORT]   serve until SIGINT/SIGTERM
//	console hash-password < password.txt        print the bcrypt hash of the first line of stdin
//
// Exit codes: 0 ok (also after a clean shutdown), 1 runtime or infrastructure, 2 usage or
// configuration (cli.ExitCode). The first SIGINT/SIGTERM shuts down gracefully; a second one ends
// the process at once (cli.Main).
package main

import (
	"context"
	"os"

	"github.com/payrun/payrun/internal/cli"
)

func main() {
	cli.Main("console", cli.ExitCode, func(ctx context.Context) error {
		return run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	})
}
