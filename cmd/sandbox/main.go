// Command sandbox runs the ConnPay gateway twin (pkg/sandbox) on loopback.
//
//	sandbox --addr 127.0.0.1:8090 --public-key merchant.pub.pem --login MERCHANT [flags]
//	sandbox --generate-key DIR     # write a fresh 2048-bit key pair into DIR and exit
//
// It prints the base URL to use as the gateway base URL, serves until SIGINT/SIGTERM and
// exposes its counters on GET /sandbox/stats. See docs/gateway.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
