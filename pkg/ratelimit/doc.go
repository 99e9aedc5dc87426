// Package ratelimit keeps every worker process sharing a NATS system under one gateway request
// limit, and makes the whole pool back off when the gateway pushes back or an operator pauses
// it. All coordination goes through one JetStream KV bucket (default PAYRUN_RATELIMIT):
//
//   - members.<id>: one record per live [Limiter], refreshed every Heartbeat. Each admitted
//     member grants R/N requests per second (burst max(1, B/N)) from a local token bucket,
//     N being the live members it counts. A newcomer grants nothing until every member it
//     sees counts it, and a member whose heartbeats fail stops granting before the others
//     take over its share, so the shares never sum to more than R (docs/ratelimit.md).
//   - pressure: "paused until T", written with compare-and-set by [Limiter.Pressure] after a
//     429/503/Retry-After; successive episodes back off exponentially with jitter, and the
//     rate then ramps back up from RampFrom over RampPeriod.
//   - pause: written by [Control.Pause] (or [Limiter.Pause]), deleted by Resume.
//
// Waiting is fair between fairness keys (normally batch ids): waiters of one call kind queue
// FIFO per key and are served one key at a time, round-robin. [Limiter.Wait] satisfies the
// gateway client's Limiter interface; the kind and key travel on the context ([WithKind],
// [WithKey]). A Wait that waited out a pause returns nil: waiting is never a failed delivery.
package ratelimit
