package stack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/configs"
	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/seal"
)

const (
	demoBatchID = "example-payroll"
	// DemoSource is the example batch the demo pays (embedded in the binary).
	DemoSource = "configs/batches/example-payroll.csv"
	// demoTimeout bounds the demo from enqueue to the batch summary.
	demoTimeout = 60 * time.Second
)

// DemoConfig turns cfg into the demo's: built-in sandbox, fast timings (the sandbox answers in
// milliseconds), quiet logs unless PAYRUN_LOG_LEVEL is in environ (os.Environ form).
func DemoConfig(cfg config.Config, environ []string) config.Config {
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

// Demo is the example batch paid end to end on this machine by the production assembly (Build,
// Run): an embedded JetStream server on a free loopback port, the built-in sandbox with a
// generated key, an ephemeral data key that never leaves the process, the pool running.
type Demo struct {
	s        *Stack
	keys     *seal.Keyring
	stopPool context.CancelFunc
	poolDone chan error
}

// StartDemo starts the embedded server (its store in storeDir, a temporary directory when
// empty), builds the stack on it and runs the pool until Close. cfg is DemoConfig's and has
// passed CheckConfig.
func StartDemo(ctx context.Context, cfg config.Config, log zerolog.Logger, storeDir string) (*Demo, error) {
	emb, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: storeDir, Port: -1})
	if err != nil {
		return nil, err
	}
	cfg.NATS.URL = emb.ClientURL()
	keys, err := seal.Ephemeral("demo") // the demo enqueues in this process: the key never leaves it
	if err != nil {
		emb.Shutdown()
		return nil, err
	}
	s, err := Build(ctx, cfg, log, Options{Embedded: emb, Keys: keys, ProcessingPolls: 1})
	if err != nil {
		return nil, err
	}
	poolCtx, stopPool := context.WithCancel(ctx)
	d := &Demo{s: s, keys: keys, stopPool: stopPool, poolDone: make(chan error, 1)}
	go func() { d.poolDone <- s.Run(poolCtx) }()
	return d, nil
}

// NATSURL is the embedded server's client URL.
func (d *Demo) NATSURL() string { return d.s.cfg.NATS.URL }

// GatewayURL is the built-in sandbox's URL.
func (d *Demo) GatewayURL() string { return d.s.cfg.Gateway.URL }

// Enqueue enqueues the example batch (DemoSource) through pkg/batch, sealed with the demo's key.
func (d *Demo) Enqueue(ctx context.Context) (batch.Report, error) {
	in := batch.Input{Name: DemoSource, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(configs.ExamplePayroll)), nil
	}}
	rep, err := d.s.enqueue(ctx, in, demoBatchID, d.keys)
	if err != nil {
		return rep, fmt.Errorf("demo: %w", err)
	}
	return rep, nil
}

// DemoOutcome is what the results stream holds for the demo's batch.
type DemoOutcome struct {
	Results []job.Result      // one per row (the latest generation), in no particular order
	Summary *job.BatchSummary // the workers' batch summary
}

// Wait waits (at most demoTimeout) until every row of batchID has a result and the batch
// summary is published.
func (d *Demo) Wait(ctx context.Context, batchID string) (DemoOutcome, error) {
	out, err := d.s.waitOutcome(ctx, batchID, demoTimeout)
	if err != nil {
		return out, fmt.Errorf("demo: %w", err)
	}
	return out, nil
}

// enqueue validates and enqueues in as batchID through pkg/batch with the stack's connection,
// sealed with keys (nil: cleartext), as cmd/enqueue does.
func (s *Stack) enqueue(ctx context.Context, in batch.Input, batchID string, keys *seal.Keyring) (batch.Report, error) {
	cfg := s.cfg
	o := batch.Options{Names: cfg.QueueNames(), ChunkSize: cfg.Enqueue.ChunkSize, Window: cfg.Enqueue.PublishWindow,
		Log: component(s.log, "enqueue")}
	if keys != nil {
		o.Seal = keys
	}
	enq, err := batch.New(s.js, s.handles, o)
	if err != nil {
		return batch.Report{}, err
	}
	limit, err := enq.JobLimit(ctx)
	if err != nil {
		return batch.Report{}, err
	}
	plan, err := batch.ValidateInput(in, batchID, cfg.Enqueue.MaxErrors, limit)
	if err != nil {
		return batch.Report{}, err
	}
	rep, err := enq.Enqueue(ctx, in, plan)
	if err != nil {
		return rep, fmt.Errorf("enqueue: %w", err)
	}
	return rep, nil
}

// waitOutcome waits (batch.Wait, at most timeout) until every row of batchID has a result and
// the batch summary is published; on error it returns what it saw.
func (s *Stack) waitOutcome(ctx context.Context, batchID string, timeout time.Duration) (DemoOutcome, error) {
	results := map[string]job.Result{}
	res, err := batch.Wait(ctx, s.js, s.handles.Batches, batchID, batch.WaitOptions{Names: s.cfg.QueueNames(),
		Timeout: timeout, Summary: true, OnResult: func(r job.Result) { results[r.ClientOrderID] = r },
		Log: component(s.log, "results")})
	return DemoOutcome{Results: slices.Collect(maps.Values(results)), Summary: res.Summary}, err
}

// Close stops the pool (in-flight jobs finish or are handed back) and releases the stack.
func (d *Demo) Close() {
	d.stopPool()
	<-d.poolDone
	d.s.Close()
}
