// Package queue is the NATS JetStream plumbing shared by enqueue and worker: connection options
// ([Connect]), provisioning of the streams, the workers' durable consumer and the KV buckets
// ([Provision]), the one naming scheme for subjects, message ids and KV keys ([Names], [Token]),
// atomic batch publishing ([PublishAtomic]) and an in-process nats-server with
// sync_interval: always ([StartEmbedded]).
//
// Settings are chosen for money (see docs/queue.md): file storage, Discard: New, explicit limits,
// a deliberate duplicate window, bounded redelivery, no consumer BackOff list (it silently replaces
// AckWait). Provision never silently weakens an existing stream or bucket: a setting that would
// lose or expire data returns a *MismatchError naming it.
package queue
