// Package config is payrun's one configuration: a single struct for both binaries (enqueue and
// worker) with sections nats, names, streams, enqueue, gateway, worker, ratelimit, log and
// http_addr.
//
// Sources, later ones win: [Default], then a YAML file (unknown keys are errors that name the key
// and line), then environment variables. Every key has an environment variable derived from its
// YAML path, PAYRUN_ + the path in upper case joined by "_" (worker.ack_wait is
// PAYRUN_WORKER_ACK_WAIT); a few documented short aliases exist too (PAYRUN_CONCURRENCY,
// PAYRUN_RATE_LIMIT, ...; see [Aliases]). Load validates the result; every problem with a key is
// a *FieldError naming the YAML key and where its value was set (the variable as written, or the
// file and line), every other problem of the file a *LineError. Secrets (nats.password, nats.token,
// gateway.control_key) are never printed: log [Config.Redacted].
//
// pkg/* packages never import this package; the mains translate Config into each package's
// options (helpers for pkg/queue are here: [Config.QueueNames], [Config.QueueSettings],
// [Config.ConnectOptions]).
package config
