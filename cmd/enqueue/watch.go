package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/logging"
	"github.com/payrun/payrun/pkg/poolstatus"
	"github.com/payrun/payrun/pkg/queue"
)

// watchWait reports --wait's progress every interval on stderr until the returned stop is
// called: a JSON line per tick (poolstatus.Tick) when stderr is not a terminal, and on a terminal
// (where the progress bar shows the count) a line only when nothing moved, saying why:
// "pool paused: <reason>", "no worker registered", "gateway pressure until <time>".
func watchWait(ctx context.Context, interval time.Duration, js jetstream.JetStream, names queue.Names, batchID string, expected int, results *atomic.Int64, stderr io.Writer) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	jsonLines := !logging.IsTerminal(stderr)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		poolstatus.Watch(ctx, poolstatus.WatchOptions{
			Interval: interval, BatchID: batchID, Expected: expected,
			Results:  func() int { return int(results.Load()) },
			ReadPool: func(ctx context.Context) (poolstatus.Pool, error) { return poolstatus.ReadPool(ctx, js, names) },
			OnTick: func(t poolstatus.Tick) {
				switch {
				case jsonLines:
					b, _ := json.Marshal(t) // cannot fail: plain fields
					fmt.Fprintf(stderr, "%s\n", b)
				case t.Stalled != "":
					fmt.Fprintf(stderr, "\nwaiting: %s (%d of %d rows have a result)\n", t.Stalled, t.Results, t.Expected)
				}
			},
		})
	})
	return func() { cancel(); wg.Wait() }
}
