// Command testnats runs a JetStream server in a process of its own for cmd/worker's crash
// test, which must be able to SIGKILL the server, not only stop it. It is pkg/queue's embedded
// server (sync_interval: always: every acknowledged write is on disk) on 127.0.0.1.
//
//	testnats --store-dir DIR [--port N]
//
// --port -1 (the default) picks a free port; a restart passes the port it printed. It writes
// "testnats: ready nats://127.0.0.1:PORT" to stderr once clients can connect, and stops on
// SIGINT or SIGTERM, keeping the store directory. It is not part of any release.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/payrun/payrun/pkg/queue"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testnats:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, _ io.Reader, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("testnats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	storeDir := fs.String("store-dir", "", "JetStream store `directory` (kept across restarts)")
	port := fs.Int("port", -1, "loopback `port` to listen on (-1: a free one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *storeDir == "" {
		return errors.New("--store-dir is required")
	}
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: *storeDir, Port: *port})
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "testnats: ready", srv.ClientURL())
	<-ctx.Done()
	srv.Shutdown() // a store directory that was given is kept
	return nil
}
