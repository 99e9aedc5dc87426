package poolstatus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/poolstatus"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// On a three-node cluster every stream, bucket and the consumer shows three current copies;
// once a node is stopped, every group shows that node's copy as offline or behind (a group it
// led elects another leader first) and the text says so.
func TestStatusReplicasOnCluster(t *testing.T) {
	t.Parallel()
	cl := queuetest.StartCluster(t, queuetest.ClusterOptions{})
	_, js := queuetest.ConnectURL(t, cl.Nodes[0].ClientURL)
	h := queuetest.Provision(t, js)
	if h.Replicas != 3 {
		t.Fatalf("provisioned with %d replicas, want 3", h.Replicas)
	}
	names := queue.DefaultNames()
	queuetest.WaitCurrent(t, js, 20*time.Second, names.JobStream, names.ResultStream, "KV_"+names.BatchesBucket,
		"KV_"+names.OrdersBucket, "KV_"+names.LedgerBucket, "KV_"+names.RateLimitBucket)

	read := func() (poolstatus.Status, string, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := poolstatus.Read(ctx, js, poolstatus.Options{})
		if err != nil {
			return st, err.Error(), false
		}
		var text bytes.Buffer
		if err := st.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		return st, text.String(), true
	}
	var st poolstatus.Status
	var text string
	testwait.Eventually(t, 20*time.Second, "every group current", func() bool {
		var ok bool
		st, text, ok = read()
		if !ok || len(st.Replication.Groups) != 7 {
			return false
		}
		for _, g := range st.Replication.Groups {
			if !g.Current {
				return false
			}
		}
		return true
	})
	if st.Replication.Cluster != "payrun-test" || !strings.Contains(text, "replicas:  cluster payrun-test: every copy of the 7 streams, buckets and consumer is current") {
		t.Errorf("cluster %q:\n%s", st.Replication.Cluster, text)
	}
	for _, g := range st.Replication.Groups {
		if g.Replicas != 3 || g.Leader == "" || len(g.Peers) != 2 || g.Error != "" {
			t.Errorf("%s %s: %+v, want 3 replicas, a leader and 2 current peers", g.Kind, g.Name, g)
		}
	}

	stopped := cl.Nodes[2]
	stopped.Kill()
	testwait.Eventually(t, 30*time.Second, "every group showing "+stopped.Name+" not current", func() bool {
		var ok bool
		st, text, ok = read()
		if !ok {
			return false
		}
		for _, g := range st.Replication.Groups {
			if g.Current || g.Leader == "" || g.Leader == stopped.Name {
				return false
			}
			down := false
			for _, p := range g.Peers {
				down = down || p.Name == stopped.Name && (p.Offline || !p.Current)
			}
			if !down {
				return false
			}
		}
		return true
	})
	if !strings.Contains(text, "replicas:  cluster payrun-test: 7 of 7 streams, buckets and consumer NOT current") ||
		!strings.Contains(text, "NO: "+stopped.Name+" ") {
		t.Errorf("after stopping %s:\n%s", stopped.Name, text)
	}
	t.Logf("after stopping %s:\n%s", stopped.Name, text)
}

// Each way a group can be unhealthy is said in its row; a healthy group says yes.
func TestReplicationText(t *testing.T) {
	t.Parallel()
	peer := func(name string, current, offline bool, lag uint64, activeMS int64) poolstatus.Peer {
		return poolstatus.Peer{Name: name, Current: current, Offline: offline, Lag: lag, ActiveMS: activeMS}
	}
	groups := []struct {
		g    poolstatus.Group
		want string
	}{
		{poolstatus.Group{Kind: "stream", Name: "S1", Replicas: 3, Leader: "n1", Current: true,
			Peers: []poolstatus.Peer{peer("n2", true, false, 0, 10), peer("n3", true, false, 0, 20)}}, "n1      yes"},
		{poolstatus.Group{Kind: "stream", Name: "S2", Replicas: 3, Peers: []poolstatus.Peer{}}, "-       NO: no leader"},
		{poolstatus.Group{Kind: "bucket", Name: "B1", Peers: []poolstatus.Peer{}}, "NO: not provisioned"},
		{poolstatus.Group{Kind: "bucket", Name: "B2", Error: "context deadline exceeded", Peers: []poolstatus.Peer{}}, "NO: not read: context deadline exceeded"},
		{poolstatus.Group{Kind: "bucket", Name: "B3", Replicas: 3, Leader: "n1", Peers: []poolstatus.Peer{peer("n2", true, false, 0, 0)}}, "NO: 1 of 3 copies unknown"},
		{poolstatus.Group{Kind: "consumer", Name: "C", Replicas: 3, Leader: "n2",
			Peers: []poolstatus.Peer{peer("n1", false, false, 42, 1250), peer("n3", true, false, 0, 0)}}, "NO: n1 behind, lag 42, last seen 1.3s ago"},
	}
	st := poolstatus.Status{Replication: poolstatus.Replication{Cluster: "c1"}}
	for _, g := range groups {
		st.Replication.Groups = append(st.Replication.Groups, g.g)
	}
	var text bytes.Buffer
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "replicas:  cluster c1: 5 of 6 streams, buckets and consumer NOT current\n") {
		t.Errorf("summary line:\n%s", text.String())
	}
	// Nothing says there is a cluster, but a group could not be read: not called a single server.
	unread := poolstatus.Status{Replication: poolstatus.Replication{Groups: []poolstatus.Group{groups[3].g}}}
	var text2 bytes.Buffer
	if err := unread.WriteText(&text2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text2.String(), "replicas:  cluster (not known): 1 of 1 streams, buckets and consumer NOT current\n") {
		t.Errorf("unread group:\n%s", text2.String())
	}
	for _, g := range groups {
		found := false
		for _, line := range strings.Split(text.String(), "\n") {
			found = found || strings.Contains(line, " "+g.g.Name+" ") && strings.HasSuffix(line, g.want)
		}
		if !found {
			t.Errorf("%s: no row ending %q in\n%s", g.g.Name, g.want, text.String())
		}
	}
}

// With two of three nodes stopped (no majority: what an operator runs `worker status` for), Read
// still returns the replicas: the jobs stream, led by the node left, shows both stopped nodes
// offline, and every other group either the same or why it could not be read. The pool and the
// batches (their reads need the meta leader) are not read, each with its reason, and Read says
// so with ErrIncomplete. Each section is bounded by its own short timeout.
func TestStatusWithoutMajority(t *testing.T) {
	t.Parallel()
	cl := queuetest.StartCluster(t, queuetest.ClusterOptions{})
	_, js := queuetest.ConnectURL(t, cl.Nodes[0].ClientURL)
	queuetest.Provision(t, js)
	names := queue.DefaultNames()
	queuetest.WaitCurrent(t, js, 20*time.Second, names.JobStream)

	// The node left leads the jobs stream, so that group is answered for.
	left := cl.StopAllButLeader(t, js, names.JobStream, 10*time.Second)
	_, js = queuetest.ConnectURL(t, left.ClientURL)
	var stopped []string
	for _, n := range cl.Nodes {
		if n != left {
			stopped = append(stopped, n.Name)
		}
	}

	offline := func(g poolstatus.Group) bool {
		down := 0
		for _, p := range g.Peers {
			if slices.Contains(stopped, p.Name) && p.Offline {
				down++
			}
		}
		return down == len(stopped)
	}
	var st poolstatus.Status
	var err error
	testwait.Eventually(t, 10*time.Second, "the jobs stream showing "+strings.Join(stopped, " and ")+" offline", func() bool {
		st, err = poolstatus.Read(context.Background(), js, poolstatus.Options{Timeout: 500 * time.Millisecond})
		return len(st.Replication.Groups) == 7 && st.Replication.Groups[0].Role == "jobs" && offline(st.Replication.Groups[0])
	})
	var text bytes.Buffer
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, g := range st.Replication.Groups {
		if g.Error == "" && !offline(g) {
			t.Errorf("%s %s: read, but not showing %v offline: %+v", g.Kind, g.Name, stopped, g)
		}
	}
	if !errors.Is(err, poolstatus.ErrIncomplete) || st.PoolError == "" || st.BatchesError == "" || st.Sending != poolstatus.SendingUnknown {
		t.Errorf("Read: %v; pool error %q, batches error %q, sending %q: want ErrIncomplete, both errors and sending unknown", err, st.PoolError, st.BatchesError, st.Sending)
	}
	data, jerr := json.Marshal(st)
	if jerr != nil {
		t.Fatal(jerr)
	}
	for _, want := range []string{`"pool_error":"`, `"batches_error":"`, `"sending":"unknown"`, `"workers":[]`, `"batches":[]`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("JSON without %s: %s", want, data)
		}
	}
	for _, want := range []string{"pool:      not read: ", "batches:   not read: ", "replicas:  cluster payrun-test: ", stopped[0] + " offline", stopped[1] + " offline"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text without %q:\n%s", want, text.String())
		}
	}
	t.Logf("Read: %v\n%s", err, text.String())
}
