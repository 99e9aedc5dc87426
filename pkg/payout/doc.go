// Package payout is the heart of payrun: the payout state machine, its ledger and the worker pool.
//
// Every payout job (one CSV row, one message on the jobs stream) has one ledger entry in a
// JetStream KV bucket. The entry is written with compare-and-set BEFORE the payout request is sent,
// and it, not the message's delivery count, decides what a delivery may do:
//
//	(none) ──create──> submitting ──accepted──> accepted ──final status──> final ──result published──> reported
//	                       │  ▲                                                ▲
//	                       │  └──── pending_retry (definitely not sent)        │
//	                       └── ambiguous: settle, look the order up ───────────┘
//
// A second payout request for a row is only ever sent after a status lookup by client_orderid
// answered a definite, configured "no such order" (or the first request was definitely not
// sent). A delivery after the first that finds no entry, or a delete/purge marker, is a lost
// entry (StateLost): it is looked up before anything is sent, and a deleted one is never paid
// again. One guard in the classifier, lookupFirst, decides when a send could be a second one.
// The invariants I1-I5 it all serves are listed in docs/worker.md. A status
// that is not final is followed through delayed redelivery (NakWithDelay), so a slow order costs
// no goroutine and survives restarts.
//
// Inside, one classifier turns (ledger state, gateway outcome, delivery metadata) into a
// decision, and one machine carries decisions out (ledger CAS writes, gateway calls, result and
// dead-letter publishing, the message's ack/nak/term); docs/worker.md describes both. The public
// surface is the [Pool] (built by [NewPool] from [Options] and [Deps]), which pulls jobs from the
// shared durable consumer with bounded concurrency and shuts down in order; the ledger [Entry]
// that `enqueue --retry` and `worker status` read; and the [DeadLetter] message.
//
// Collaborators are small interfaces defined here ([Gateway], [Limiter], [Clock]) so that the
// gateway client (pkg/submit, through [SubmitGateway] and [ClassifySubmitError]), the
// cluster-wide rate limit (pkg/ratelimit) and test fakes plug in the same way. See
// docs/worker.md.
package payout
