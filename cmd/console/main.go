// Command console serves the finance web console (docs/console.md): upload and check batch
// files, approve them with four eyes, follow them as the pool pays, download reports, pause and
// resume the pool.
//
//	console [--config FILE] [--addr HOST:PORT]   serve until SIGINT/SIGTERM
//	console hash-password < password.txt        print the bcrypt hash of the first line of stdin
//
// Exit codes: 0 ok (also after a clean shutdown), 1 runtime or infrastructure, 2 usage or
// configuration. The first SIGINT/SIGTERM shuts down gracefully; a second one ends the process.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/payrun/payrun/pkg/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		if errors.Is(err, errUsage) || errors.Is(err, config.ErrInvalid) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
