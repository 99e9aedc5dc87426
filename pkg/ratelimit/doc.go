// Package ratelimit keeps every worker process sharing a NATS system under one gateway request
// limit, and makes the whole pool back off when the gateway pushes back or an operator pauses
// it. All coordination goes through one JetStream KV bucket (default PAYRUN_RATELIMIT):
//
//   - members.<id>: one record per live [Limiter], refreshed every Heartbeat. Each admitted
//     member grants R/N requests per second (burst max(1, B/N)) from a local token bucket,
//     N being the live members it counts. A newcomer grants nothing until every member it
//     sees counts it, and a member whose heartbeats fail stops granting before the others
//     take over its share, so the shares never sum to more than R (docs/ratelimit.md).
//   - adaptive: the pool's rate factor (AIMD). Every member counts the gateway's answers
//     ([Limiter.Pressure] for 429/503, [Limiter.Answered] for the rest) in tumbling windows
//     and merges each window's verdict with compare-and-set: a congested window (enough
//     429/503) multiplies the pool's rate by Decrease, a healthy one adds Increase back up
//     to the configured rate. Sporadic 5xx never stop the pool.
//   - pressure: "no request before T", written with compare-and-set when an answer carries a
//     Retry-After (obeyed exactly) or a storm of 429/503 in a row (pauses that double per
//     storm, with jitter).
//   - pause: written by [Control.Pause] (or [Limiter.Pause]), deleted by Resume.
//
// Waiting is fair between fairness keys (normally batch ids): waiters of one call kind queue
// FIFO per key and are served one key at a time, round-robin. [Limiter.Wait] satisfies the
// gateway client's Limiter interface; the kind and key travel on the context ([WithKind],
// [WithKey]). A Wait that waited out a pause returns nil: waiting is never a failed delivery.
package ratelimit
