package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/sandbox"
)

var (
	clusterRows  = flag.Int("cluster.rows", 0, "rows of the cluster failover test (0: 500, 200 with -short)")
	clusterKills = flag.Int("cluster.kills", 3, "leader kills of the cluster failover test (job stream, ledger bucket, consumer in turn)")
	clusterLogs  = flag.String("cluster.logs", "", "directory that keeps the cluster test's worker logs (at info level), to trace a stall")
)

// TestClusterLeaderKills is issue 15's cluster test: a three-node JetStream cluster of real
// nats-server processes, every stream and bucket R3 (streams.replicas: 3), three worker
// processes given all three URLs, the sandbox with faults (5xx before and after commit, dropped
// answers). During the batch the node leading the job stream, then the ledger bucket, then the
// workers' consumer is SIGKILLed (no step-down: the others must notice and elect) and restarted
// once a new leader is elected; the next kill waits until every replica is current again. Then
// every row must have exactly one result with the scenario's status, the sandbox exactly one
// payout per row, the batch one summary, and every worker must still run and exit 0 on SIGTERM.
// The gap between each kill and the next result is logged (docs/operations.md).
func TestClusterLeaderKills(t *testing.T) {
	rows := *clusterRows
	if rows == 0 {
		rows = 500
		if testing.Short() {
			rows = 200
		}
	}
	kills := *clusterKills
	// The pool's rate makes the batch last about 12 s per kill (three requests per row): long
	// enough for each election, restart and catch-up to happen while rows are in flight.
	rate := max(10, rows*3/(12*max(kills, 1)))
	logLevel := "warn"
	if *clusterLogs != "" {
		logLevel = "info"
	}
	cl := queuetest.StartCluster(t, queuetest.ClusterOptions{Binary: queuetest.BuildServer(t)})
	e := newTestEnv(t, envOptions{
		cluster: cl,
		sandbox: sandbox.Options{ProcessingPolls: 1, Faults: sandbox.Faults{
			Error5xxBefore: 0.02, DropAfter: 0.03, Error5xxAfter: 0.02, Seed: 15,
		}},
		yaml:    "streams:\n  replicas: 3\n",
		environ: []string{"PAYRUN_CONCURRENCY=8", "PAYRUN_LOG_LEVEL=" + logLevel, fmt.Sprintf("PAYRUN_RATE_LIMIT=%d", rate)},
	})
	names := e.cfg.QueueNames()
	ledger := "KV_" + names.LedgerBucket
	targets := []struct {
		what   string
		leader func(context.Context) (string, error)
	}{
		{"job stream " + names.JobStream, func(ctx context.Context) (string, error) {
			return queuetest.StreamLeader(ctx, e.js, names.JobStream)
		}},
		{"ledger bucket " + names.LedgerBucket, func(ctx context.Context) (string, error) {
			return queuetest.StreamLeader(ctx, e.js, ledger)
		}},
		{"consumer " + names.Consumer, func(ctx context.Context) (string, error) {
			return queuetest.ConsumerLeader(ctx, e.js, names.JobStream, names.Consumer)
		}},
	}
	allStreams := []string{names.JobStream, names.ResultStream, ledger, "KV_" + names.OrdersBucket,
		"KV_" + names.BatchesBucket, "KV_" + names.RateLimitBucket}

	csv, want := batchCSV("cluster", rows)
	workers := make([]*proc, 3)
	for i := range workers {
		workers[i] = e.startWorker(fmt.Sprintf("w%d", i))
	}
	if *clusterLogs != "" {
		t.Cleanup(func() { keepLogs(t, *clusterLogs, workers) })
	}
	e.enqueue("cluster", csv)

	// One kill at a time: kill the target's leader, restart that node once another leader is
	// elected and wait until every replica is current before the next kill. Kills are spread over
	// the first 80% of the results.
	resultSubj := names.ResultSubject("cluster")
	var (
		killTimes []time.Time
		killed    *queuetest.Node // while a kill is in progress
		target    int             // what the kill in progress was aimed at
	)
	timeout := max(4*time.Minute, time.Duration(kills)*40*time.Second)
	e.waitResults("cluster", rows, timeout, func() {
		for _, w := range workers {
			if !w.running() {
				t.Fatalf("%s exited on its own with code %d during a failover", w.name, w.state.ExitCode())
			}
		}
		kill := len(killTimes)
		if killed != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			leader, err := targets[target].leader(ctx)
			cancel()
			if err == nil && leader != "" && leader != killed.Name {
				t.Logf("kill %d: new leader of the %s: %s, %s after the kill", kill, targets[target].what, leader,
					time.Since(killTimes[kill-1]).Round(10*time.Millisecond))
				killed.Restart(t)
				queuetest.WaitCurrent(t, e.js, time.Minute, allStreams...)
				cl.WaitHealthy(t, time.Minute)
				killed = nil
			}
			return
		}
		done := e.subjectCount(resultSubj)
		if kill >= kills || done < uint64(rows*4/5*(kill+1)/(kills+1)) {
			return
		}
		target = kill % len(targets)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		leader, err := targets[target].leader(ctx)
		cancel()
		if err != nil || leader == "" {
			return // asked during an election: try again on the next tick
		}
		killed = cl.Node(leader)
		killed.Kill()
		killTimes = append(killTimes, time.Now())
		t.Logf("kill %d: SIGKILLed %s, leader of the %s, at %d results (%s)", kill+1, leader, targets[target].what, done,
			killTimes[kill].UTC().Format(time.TimeOnly+".000"))
	})
	if len(killTimes) < kills || killed != nil {
		t.Errorf("the batch finished after %d of %d leader kills (last one recovered: %t)", len(killTimes), kills, killed == nil)
	}
	for _, w := range workers {
		w.signal(syscall.SIGTERM)
	}
	for _, w := range workers {
		if code, ok := w.wait(e.cfg.Worker.ShutdownTimeout + 10*time.Second); !ok || code != 0 {
			t.Errorf("%s after SIGTERM: exited %t, code %d", w.name, ok, code)
		}
	}
	// The last restarted node may still be catching up, and the test's own client may be
	// reconnecting: read the results once the cluster is whole again.
	cl.WaitHealthy(t, time.Minute)
	queuetest.WaitCurrent(t, e.js, time.Minute, allStreams...)
	st := e.sb.Stats()
	t.Logf("sandbox: %d requests, %d orders, faults %v", st.Requests, st.Orders, st.Faults)
	logStalls(t, killTimes, e.resultTimes(resultSubj))
	e.checkBatch("cluster", want)
	checkReplicas(t, e.js, allStreams)
}

// keepLogs copies the workers' logs into dir (created if needed), which outlives the test.
func keepLogs(t *testing.T, dir string, workers []*proc) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range workers {
		data, err := os.ReadFile(w.log)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, w.name+".log"), data, 0o644)
		}
		if err != nil {
			t.Errorf("keep the log of %s: %v", w.name, err)
		}
	}
	t.Logf("worker logs kept in %s", dir)
}

// resultTimes are the times the results on subj were stored in the stream, in order: when a
// consumer could see each (a result decided while the results stream had no leader is
// published later, with its earlier finished_at).
func (e *testEnv) resultTimes(subj string) []time.Time {
	e.t.Helper()
	var times []time.Time
	for _, m := range e.storedMessages(subj) {
		meta, err := m.Metadata()
		if err != nil {
			e.t.Fatal(err)
		}
		times = append(times, meta.Timestamp)
	}
	slices.SortFunc(times, time.Time.Compare)
	return times
}

// logStalls logs, for each kill, the stall it caused: the time from the kill to the next
// result, and the longest time without a new result from the kill until stallWindow after it
// or until the next kill, whichever comes first (the first gap starts at the kill itself; a
// window cut by the next kill also counts the gap up to it). Windows never overlap: a kill's
// window reaching into the next kill's stall would count that stall twice. Then the median
// and maximum of both over all kills. A measurement for docs/operations.md, not an assertion.
func logStalls(t *testing.T, kills, results []time.Time) {
	t.Helper()
	const stallWindow = 30 * time.Second
	var firsts, stalls []time.Duration
	for i, k := range kills {
		end, cut, until := k.Add(stallWindow), false, stallWindow.String()+" after it"
		if i+1 < len(kills) && kills[i+1].Before(end) {
			end, cut, until = kills[i+1], true, "the next kill"
		}
		first, longest, prev := time.Duration(-1), time.Duration(0), k
		for _, r := range results {
			if r.Before(k) {
				continue
			}
			if r.After(end) {
				break
			}
			if first < 0 {
				first = r.Sub(k)
			}
			longest, prev = max(longest, r.Sub(prev)), r
		}
		if cut {
			longest = max(longest, end.Sub(prev))
		}
		if first < 0 {
			first = end.Sub(k)
		}
		firsts, stalls = append(firsts, first), append(stalls, longest)
		t.Logf("kill %d: next result %s after it; longest time without a result until %s: %s", i+1,
			first.Round(10*time.Millisecond), until, longest.Round(10*time.Millisecond))
	}
	if len(stalls) == 0 {
		return
	}
	slices.Sort(firsts)
	slices.Sort(stalls)
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	t.Logf("over %d leader kills: kill to next result median %s, max %s; longest time without a result median %s, max %s",
		len(stalls), r(firsts[len(firsts)/2]), r(firsts[len(firsts)-1]), r(stalls[len(stalls)/2]), r(stalls[len(stalls)-1]))
}

// checkReplicas asserts that every stream and bucket was provisioned with 3 replicas.
func checkReplicas(t *testing.T, js jetstream.JetStream, streams []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, name := range streams {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Errorf("stream %s: %v", name, err)
			continue
		}
		if r := s.CachedInfo().Config.Replicas; r != 3 {
			t.Errorf("stream %s: %d replicas, want 3", name, r)
		}
	}
}
