// Package batch is the enqueue logic: validate a whole CSV file, keep the batch's manifest in KV,
// reserve every client_orderid across batches, publish the jobs in atomic chunks, resume an
// interrupted run without duplicates, and follow a batch's results (wait, CSV report).
//
// Exactly-once publishing does not depend on the stream's duplicate window: each chunk of jobs is
// published as one atomic batch together with a commit marker on payouts.chunks.<batch>.<chunk>
// that must not exist yet (Nats-Expected-Last-Subject-Sequence: 0). A chunk is therefore stored
// completely and once, or not at all, whenever and however often it is re-sent. See
// docs/enqueue.md.
package batch
