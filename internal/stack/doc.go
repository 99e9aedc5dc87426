// Package stack assembles the payout worker from its configuration: the one place where
// config.Config becomes the packages' options and the parts are started, wired and stopped in
// order. cmd/worker (the binary), its demo and the tests all run this assembly, so what the
// tests check is what production runs.
//
//   - CheckConfig validates a configuration for the worker (pkg/config's rules and the rules
//     between keys that come from the packages wired together); every error names a key.
//   - Build starts the embedded JetStream server (worker.embedded), the built-in sandbox gateway
//     (worker.sandbox), the NATS connection with provisioning (retried while NATS is
//     unreachable), the pool-wide limiter, the gateway client and the payout pool; Run runs the
//     pool until its context ends; Close releases everything in reverse order.
//   - Serve is the worker process: the ops HTTP server (/metrics, /healthz, /readyz, /callback)
//     from the start, Build, Run, and the ordered shutdown.
//   - StartDemo runs the same assembly on an embedded server with the example batch (`worker
//     -demo`), and Demo.ServeConsole serves the web console over it.
//
// The derived timings (the gateway call timeout between gateway.http_timeout and
// worker.ack_wait/settle_delay, the limiter hold, the consumer's max_deliver) are computed in
// wire.go; the one-token-per-request protocol is pkg/ratelimit's (HoldLimiter, RequestLimiter).
package stack
