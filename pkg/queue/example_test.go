package queue_test

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/payrun/payrun/pkg/queue"
)

func ExampleNames() {
	n := queue.DefaultNames()
	fmt.Println(n.JobSubject("2026-11-payroll"))
	fmt.Println(n.JobMsgID("2026-11-payroll", "ORD-1"))
	fmt.Println(n.LedgerKey("2026-11-payroll", "ORD-1"))
	fmt.Println(n.OrderKey("order with spaces"))
	// Output:
	// payouts.jobs.2026-11-payroll
	// job:2026-11-payroll:ORD-1
	// 2026-11-payroll.ORD-1
	// h2htlu6wr4mn47lp3jpnx4w3rqovt2aymtac3jbfhgol3ovqfji6a
}

func ExampleProvision() {
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{Port: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	ctx := context.Background()
	nc, err := queue.Connect(ctx, queue.ConnectOptions{URL: srv.ClientURL(), Name: "example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	h, err := queue.Provision(ctx, js, queue.DefaultNames(), queue.DefaultSettings())
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := h.Jobs.CachedInfo().Config
	fmt.Println(cfg.Name, cfg.Storage, cfg.Discard, cfg.Retention)
	// Output: PAYOUTS File DiscardNew WorkQueue
}

// A row put back by `enqueue --retry` publishes its messages under its retry generation, so that
// they are never taken for duplicates of the row's earlier ones.
func ExampleNames_GenerationMsgID() {
	n := queue.DefaultNames()
	fmt.Println(n.GenerationMsgID(n.ResultMsgID("2026-11-payroll", "ORD-1"), 0))
	fmt.Println(n.GenerationMsgID(n.ResultMsgID("2026-11-payroll", "ORD-1"), 2))
	// Output:
	// result:2026-11-payroll:ORD-1
	// result:2026-11-payroll:ORD-1:r2
}

// A worker's JetStream handle counts the errors of its calls; a stream that does not exist is a
// not_found of the lookup.
func ExampleNewJetStream() {
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{Port: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	ctx := context.Background()
	nc, err := queue.Connect(ctx, queue.ConnectOptions{URL: srv.ClientURL(), Name: "example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	reg := prometheus.NewRegistry()
	js, err := queue.NewJetStream(nc, reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = js.Stream(ctx, "NO_SUCH_STREAM")
	fmt.Println(queue.APIErrorKind(err))
	n, _ := testutil.GatherAndCount(reg, "payrun_nats_api_errors_total")
	fmt.Println(n, "series")
	// Output:
	// not_found
	// 1 series
}
