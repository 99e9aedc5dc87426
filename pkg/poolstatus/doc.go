// Package poolstatus reads what an operator asks first about a payrun pool, from NATS alone
// (any host that reaches the NATS system can ask): is it paused and why, which workers are
// registered, whether it may send and how fast, how far the workers' consumer is behind, and
// which batches are in progress, and where the copies of its streams, buckets and consumer are
// and whether each is current (Replication). `worker status` prints it; `enqueue --wait` uses Pool and Stall
// to say why nothing moves. Each part is read on its own with its own timeout, so a cluster that
// lost its majority still shows its replicas, and the parts it could not read say why.
package poolstatus
