package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a command as the process: run's context ends on the first SIGINT or SIGTERM (start
// the ordered shutdown), after which Go's default handler applies again, so a second signal ends
// the process at once. An error is printed as "name: error" on stderr and the process exits
// with ExitCode.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the default handler applies again
	}()
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(ExitCode(err))
	}
}
