package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/payrun/payrun/configs"
	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/seal"
)

const (
	demoBatchID = "example-payroll"
	demoSource  = "configs/batches/example-payroll.csv"
	// demoTimeout bounds the demo from enqueue to the batch summary.
	demoTimeout = 60 * time.Second
)

// demoConfig turns cfg into the demo's: built-in sandbox, fast timings (the sandbox answers in
// milliseconds), quiet logs unless PAYRUN_LOG_LEVEL asks otherwise.
func demoConfig(cfg config.Config, environ []string) config.Config {
	cfg.Worker.Sandbox = true
	cfg.Worker.Embedded, cfg.Worker.StoreDir = false, "" // the demo starts its own server
	cfg.Gateway.URL, cfg.Gateway.PrivateKeyFile = "", ""
	cfg.Gateway.HTTPTimeout = 2 * time.Second
	cfg.Worker.AckWait = 6 * time.Second
	cfg.Worker.SettleDelay = 4 * time.Second
	cfg.Worker.Concurrency = 8
	cfg.Worker.MaxAckPending = max(cfg.Worker.MaxAckPending, cfg.Worker.Concurrency)
	cfg.Worker.Poll = config.Poll{FirstInterval: 100 * time.Millisecond, FastPhase: time.Minute, SlowInterval: time.Second, Horizon: 30 * time.Second}
	cfg.Worker.ShutdownTimeout = 5 * time.Second
	if !slices.ContainsFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, "PAYRUN_LOG_LEVEL=") }) {
		cfg.Log.Level = "warn"
	}
	return cfg
}

// runDemo runs the example batch end to end on this machine: an embedded JetStream server in
// a temporary directory on a free loopback port, the built-in sandbox with a generated key, the
// batch enqueued through pkg/batch, the pool with fast timings. It prints every row's result and
// the batch summary; it fails (exit 1) if they are not all in within demoTimeout.
func runDemo(ctx context.Context, f workerFlags, environ []string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(f.configFile, environ)
	if err != nil {
		return usage(err)
	}
	cfg = demoConfig(cfg, environ)
	if err := cfg.ValidateWorker(); err != nil {
		return err
	}
	if err := checkWorkerRules(cfg); err != nil {
		return err
	}
	log, _ := newLogger(cfg.Log, stderr, environ)
	emb, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: f.storeDir, Port: -1})
	if err != nil {
		return err
	}
	cfg.NATS.URL = emb.ClientURL()
	keys, err := seal.Ephemeral("demo") // the demo enqueues in this process: the key never leaves it
	if err != nil {
		emb.Shutdown()
		return err
	}
	s, err := buildStack(ctx, cfg, log, stackOptions{embedded: emb, keys: keys, processingPolls: 1})
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintf(stdout, "payrun demo: JetStream %s, sandbox gateway %s\n", emb.ClientURL(), s.cfg.Gateway.URL)

	poolCtx, stopPool := context.WithCancel(ctx)
	poolDone := make(chan error, 1)
	go func() { poolDone <- runPool(poolCtx, s.pool) }()
	defer func() {
		stopPool()
		<-poolDone
	}()

	in := batch.Input{Name: demoSource, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(configs.ExamplePayroll)), nil
	}}
	enq, err := batch.New(s.js, s.handles, batch.Options{Names: cfg.QueueNames(), ChunkSize: cfg.Enqueue.ChunkSize,
		Window: cfg.Enqueue.PublishWindow, Log: component(log, "enqueue"), Seal: keys})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	limit, err := enq.JobLimit(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	plan, err := batch.ValidateInput(in, demoBatchID, cfg.Enqueue.MaxErrors, limit)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	rep, err := enq.Enqueue(ctx, in, plan)
	if err != nil {
		return fmt.Errorf("demo: enqueue: %w", err)
	}
	fmt.Fprintf(stdout, "enqueued batch %s: %d rows from %s\n\n", rep.BatchID, rep.Enqueued, demoSource)

	wctx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()
	out, err := collectOutcome(wctx, s.js, cfg.QueueNames(), rep.BatchID, rep.Enqueued)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := printOutcome(stdout, out); err != nil || f.console == "" {
		return err
	}
	return serveDemoConsole(ctx, s, f.console, stdout)
}
