package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/ratelimit"
)

// A worker joins the pool's limit, tags each gateway call with its kind and batch, reports
// gateway pushback, and an operator pauses the pool from another process.
func Example() {
	dir, _ := os.MkdirTemp("", "ratelimit-example")
	defer os.RemoveAll(dir)
	srv, _ := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	srv.Start()
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	srv.ReadyForConnections(10 * time.Second)
	nc, _ := nats.Connect(srv.ClientURL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()

	// The worker: 20 requests/s for the whole pool, payouts at most 5/s of them.
	lim, err := ratelimit.New(ctx, js, ratelimit.Options{
		Rate:  20,
		Burst: 4,
		Kinds: map[string]ratelimit.Limit{ratelimit.KindPayout: {Rate: 5, Burst: 1}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lim.Close()

	// Before every gateway request (the gateway client calls Wait(ctx) itself):
	callCtx := ratelimit.WithKey(ratelimit.WithKind(ctx, ratelimit.KindPayout), "batch-42")
	if err := lim.Wait(callCtx); err != nil {
		fmt.Println("not sent:", err)
		return
	}
	fmt.Println("payout may be sent")

	// Every answer that is not 429/503 (200, 4xx, 500, 502, 504) feeds the adaptive rate.
	lim.Answered()
	// The gateway answered 429 with Retry-After: 2s. The whole pool stops until it passed.
	lim.Pressure(2 * time.Second)
	if until, paused := lim.Paused(); paused {
		fmt.Println("pool backing off for about", time.Until(until).Round(time.Second))
	}

	// `worker pause` in another process needs only a NATS connection.
	ctl, _ := ratelimit.OpenControl(ctx, js, "")
	_ = ctl.Pause(ctx, "gateway maintenance")
	st, _ := ctl.Status(ctx)
	fmt.Println("paused:", st.Paused, st.PauseReason)

	// A job that cannot wait that long is handed back, not failed.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := lim.Wait(short); errors.Is(err, ratelimit.ErrPaused) {
		fmt.Println("hand the job back for later")
	}
	_ = ctl.Resume(ctx)
	// Output:
	// payout may be sent
	// pool backing off for about 2s
	// paused: true gateway maintenance
	// hand the job back for later
}
