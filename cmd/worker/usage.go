package main

// The usage texts of the worker's commands. Every one ends with the environment and exit codes
// (commonFooter); `worker help [command]` prints them.

const commonFooter = `
Environment: every configuration key can be set as PAYRUN_<KEY PATH> (e.g. PAYRUN_NATS_URL,
PAYRUN_WORKER_ACK_WAIT, PAYRUN_LOG_LEVEL, PAYRUN_LOG_FORMAT; docs/config.md); flags override both.
Exit codes: 0 success (also a clean shutdown after SIGINT/SIGTERM), 1 runtime or infrastructure
failure (NATS unreachable, ...), 2 usage or configuration error (the message names the flag, key
or variable).
`

const workerUsage = `usage: worker [--config FILE] [--embedded] [--store-dir DIR] [--sandbox] [--demo [--console HOST:PORT]]
       worker pause [--config FILE] [--reason TEXT]
       worker resume [--config FILE]
       worker status [--config FILE] [--json]
       worker sign [flags] name=value ...
       worker help [COMMAND]
       worker version | --version

Runs the payout worker pool until SIGINT/SIGTERM (a second signal ends it at once).
Configuration: --config FILE (YAML, see configs/payrun.yaml), overridden by PAYRUN_* environment
variables, overridden by these flags. --demo runs the example batch end to end on this machine
(embedded JetStream, built-in sandbox, a generated key) and exits; with --console it then serves
the finance web console on that loopback address with demo users until interrupted
(docs/console.md). See docs/operations.md.
` + commonFooter + `
Flags:
`

const statusUsage = `usage: worker status [--config FILE] [--json]

Prints the pool's state as NATS holds it: paused or not and why, the registered workers, the
configured rate and whether the pool may send now (pause, gateway pressure), the workers'
consumer backlog (pending, unacknowledged, redelivered jobs) and the batches in progress with
their results and pending jobs, and the replicas of every stream, bucket and the consumer and
whether each is current. --json prints the same as one JSON object. docs/operations.md.
Each part is read on its own (5 s at most each): one NATS cannot answer (a cluster without a
majority) is printed as "not read: <reason>" (JSON: pool_error, consumer_error, batches_error,
a group's error) and the rest is still printed; then the command exits 3 and names on stderr
the parts it could not read (pool, consumer, batches; a replicas row not read is shown in its
row only).
` + commonFooter + `
Flags:
`

const pauseUsage = `usage: worker pause [--config FILE] [--reason TEXT]

Pauses every worker sharing the NATS system: none sends a gateway request until
` + "`worker resume`" + `; jobs wait (a long pause uses up deliveries: docs/operations.md).
` + commonFooter + `
Flags:
`

const signFooter = `
Environment: none is read (the key is --key).
Exit codes: 0 printed, 1 the key cannot be read or used, 2 usage (missing flag, bad parameter).
`

const resumeUsage = `usage: worker resume [--config FILE]

Ends a pause: every worker continues within a moment.
` + commonFooter + `
Flags:
`
