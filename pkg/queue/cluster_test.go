package queue_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// TestProvisionConcurrentOnFreshCluster is issue 15's start-up case: an enqueue with the
// default settings (replicas: auto, consumer create-only) and two workers configured with
// replicas 3 provision a fresh three-node cluster at the same moment, each through a different
// node. Every one must succeed: in a cluster some of these requests are never
// answered (a create racing another process's create of the same stream), and one unanswered
// request used to hold provisioning until the caller's deadline. Every stream and bucket must end
// up R3, whichever process created it.
func TestProvisionConcurrentOnFreshCluster(t *testing.T) {
	t.Parallel()
	cl := queuetest.StartCluster(t, queuetest.ClusterOptions{})
	names := queue.DefaultNames()
	var jss []jetstream.JetStream
	for _, n := range cl.Nodes {
		_, js := queuetest.ConnectURL(t, n.ClientURL)
		jss = append(jss, js)
	}
	handles := make([]*queue.Handles, len(jss))
	errs := make([]error, len(jss))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, js := range jss {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			t0 := time.Now()
			s := queue.DefaultSettings()
			if i == 0 {
				s.ConsumerCreateOnly = true // enqueue
			} else {
				s.Replicas = 3 // a worker with streams.replicas: 3
			}
			handles[i], errs[i] = queue.Provision(ctx, js, names, s)
			t.Logf("provisioner %d: %s", i, time.Since(t0).Round(time.Millisecond))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("provisioner %d: %v", i, err)
		}
		if handles[i].Replicas != queue.ClusterReplicas {
			t.Errorf("provisioner %d: replicas %d, want %d", i, handles[i].Replicas, queue.ClusterReplicas)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, name := range []string{names.JobStream, names.ResultStream, "KV_" + names.BatchesBucket,
		"KV_" + names.OrdersBucket, "KV_" + names.LedgerBucket, "KV_" + names.RateLimitBucket} {
		s, err := jss[0].Stream(ctx, name)
		if err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		if r := s.CachedInfo().Config.Replicas; r != queue.ClusterReplicas {
			t.Errorf("stream %s: %d replicas, want %d", name, r, queue.ClusterReplicas)
		}
	}
}

// TestProvisionAutoReplicasSingleServer: on a server that is not part of a cluster the default
// (auto) is one replica.
func TestProvisionAutoReplicasSingleServer(t *testing.T) {
	t.Parallel()
	_, _, js := queuetest.Start(t)
	h := queuetest.Provision(t, js)
	if h.Replicas != 1 {
		t.Errorf("replicas %d, want 1", h.Replicas)
	}
	if r := h.Jobs.CachedInfo().Config.Replicas; r != 1 {
		t.Errorf("jobs stream: %d replicas, want 1", r)
	}
}

// TestClusterWatchSeesLeaderElection: the node leading the jobs stream stops; a process watching
// the cluster through another node logs and counts the new leader's election, and exports the
// server it is connected to.
func TestClusterWatchSeesLeaderElection(t *testing.T) {
	t.Parallel()
	cl := queuetest.StartCluster(t, queuetest.ClusterOptions{})
	_, js := cl.Connect(t)
	names := queue.DefaultNames()
	queuetest.Provision(t, js)
	leader := queuetest.WaitLeader(t, 10*time.Second, "", func(ctx context.Context) (string, error) {
		return queuetest.StreamLeader(ctx, js, names.JobStream)
	})
	var other *queuetest.Node
	for _, n := range cl.Nodes {
		if n.Name != leader {
			other = n
			break
		}
	}
	nc, _ := queuetest.ConnectURL(t, other.ClientURL)
	reg := prometheus.NewRegistry()
	logs := &syncWriter{}
	w, err := queue.WatchCluster(nc, names, zerolog.New(logs), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if got := metricValue(t, reg, "payrun_nats_server_info", map[string]string{"server": other.Name}); got != 1 {
		t.Errorf("payrun_nats_server_info{server=%q} = %v, want 1", other.Name, got)
	}

	cl.Node(leader).Kill()
	deadline := time.Now().Add(30 * time.Second)
	for metricValue(t, reg, "payrun_nats_leader_elections_total", map[string]string{"name": names.JobStream}) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no leader election of %s counted within 30s; log:\n%s", names.JobStream, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), `"message":"JetStream leader elected"`) {
		t.Errorf("election not logged:\n%s", logs.String())
	}

	// With a second node down no group has a majority: a ledger write through the worker's kind
	// of handle fails and is counted as one of the kinds an outage shows (docs/operations.md).
	cjs, err := queue.NewJetStream(nc, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ledger, err := cjs.KeyValue(ctx, names.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range cl.Nodes {
		if n.Name != leader && n.Name != other.Name {
			n.Kill()
		}
	}
	pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
	defer pcancel()
	if _, err := ledger.Put(pctx, "b.o", []byte("x")); err == nil {
		t.Fatal("a write without a majority succeeded")
	}
	outage := 0.0
	for _, kind := range []string{queue.APIErrTimeout, queue.APIErrNoResponders, queue.APIErrUnavailable} {
		outage += metricValue(t, reg, "payrun_nats_api_errors_total", map[string]string{"op": "kv_put", "kind": kind})
	}
	if outage != 1 {
		t.Errorf("kv_put outage errors counted: %v, want 1", outage)
	}
}

// metricValue is the value (counter or gauge) of the first sample of metric that carries every
// one of labels (0 when there is none).
func metricValue(t *testing.T, reg *prometheus.Registry, metric string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
	sample:
		for _, m := range mf.GetMetric() {
			has := map[string]string{}
			for _, l := range m.GetLabel() {
				has[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if has[k] != v {
					continue sample
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

// syncWriter serialises writes of the watcher's handler goroutine and reads of the test.
type syncWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
