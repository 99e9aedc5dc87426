package queuetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/queue"
)

// ClusterOptions configure StartCluster.
type ClusterOptions struct {
	// Size is the number of nodes; default 3.
	Size int
	// Binary is a nats-server executable (see BuildServer). With it every node runs as a
	// subprocess and Node.Kill is a SIGKILL: no leader steps down first, the others must notice
	// and elect. Without it the nodes run in this process and Kill is Server.Shutdown, which
	// steps down the node's leaders before it stops (a gentler failover than a crash).
	Binary string
}

// Cluster is a JetStream cluster on loopback: every node with `sync_interval: always`, its own
// store directory and fixed ports, so a node can be killed and restarted where it was.
type Cluster struct {
	t     testing.TB
	Nodes []*Node
}

// Node is one server of a Cluster.
type Node struct {
	Name      string // server_name, as stream and consumer info report leaders
	ClientURL string
	healthURL string // the server's /healthz: 200 once JetStream is current
	conf      string
	logFile   string
	binary    string

	srv  *server.Server // in-process node while it runs
	cmd  *exec.Cmd      // subprocess node while it runs
	done chan struct{}  // closed when the subprocess has exited
}

// StartCluster writes a configuration file per node (server_name n1..nN, cluster "payrun-test",
// routes to every node, JetStream with sync_interval: always), starts the nodes and waits until
// JetStream answers (a meta leader is elected). Cleanup stops every node.
func StartCluster(t testing.TB, o ClusterOptions) *Cluster {
	t.Helper()
	if o.Size == 0 {
		o.Size = 3
	}
	dir := t.TempDir()
	clientPorts, routePorts, httpPorts := freePorts(t, o.Size), freePorts(t, o.Size), freePorts(t, o.Size)
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	c := &Cluster{t: t}
	for i := range o.Size {
		n := &Node{
			Name:      fmt.Sprintf("n%d", i+1),
			ClientURL: fmt.Sprintf("nats://127.0.0.1:%d", clientPorts[i]),
			healthURL: fmt.Sprintf("http://127.0.0.1:%d/healthz", httpPorts[i]),
			binary:    o.Binary,
		}
		n.conf = filepath.Join(dir, n.Name+".conf")
		n.logFile = filepath.Join(dir, n.Name+".log")
		conf := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
http: 127.0.0.1:%d
jetstream {
  store_dir: %q
  sync_interval: always
}
cluster {
  name: payrun-test
  listen: 127.0.0.1:%d
  routes: [%s]
}
`, n.Name, clientPorts[i], httpPorts[i], filepath.Join(dir, n.Name), routePorts[i], strings.Join(routes, ", "))
		if err := os.WriteFile(n.conf, []byte(conf), 0o600); err != nil {
			t.Fatalf("queuetest: cluster: %v", err)
		}
		c.Nodes = append(c.Nodes, n)
	}
	t.Cleanup(func() {
		for _, n := range c.Nodes {
			n.stop()
		}
	})
	for _, n := range c.Nodes {
		n.Restart(t)
	}
	_, js := c.Connect(t)
	WaitJetStream(t, js, 30*time.Second)
	return c
}

// URLs is every node's client URL, comma-separated (nats.url).
func (c *Cluster) URLs() string {
	urls := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		urls[i] = n.ClientURL
	}
	return strings.Join(urls, ",")
}

// Node returns the node called name (a leader's name from stream or consumer info).
func (c *Cluster) Node(name string) *Node {
	c.t.Helper()
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	c.t.Fatalf("queuetest: cluster has no node %q", name)
	return nil
}

// Connect opens a client to every node (it reconnects forever), closed at cleanup.
func (c *Cluster) Connect(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	return ConnectURL(t, c.URLs())
}

// Kill stops the node: SIGKILL for a subprocess node, Shutdown for an in-process one (see
// ClusterOptions.Binary). It returns once the node is gone.
func (n *Node) Kill() { n.stop() }

// Restart starts the node again with its configuration and store, and waits until it accepts
// clients (it may still be catching up: see WaitCurrent).
func (n *Node) Restart(t testing.TB) {
	t.Helper()
	// A subprocess node can exit at once when its port is briefly held by another socket after
	// a SIGKILL; it is started again, a few times.
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if err = n.start(); err == nil {
			return
		}
	}
	t.Fatalf("queuetest: cluster node %s: %v", n.Name, err)
}

func (n *Node) start() error {
	if n.binary == "" {
		opts, err := server.ProcessConfigFile(n.conf)
		if err != nil {
			return err
		}
		opts.NoSigs, opts.NoLog = true, true
		srv, err := server.NewServer(opts)
		if err != nil {
			return err
		}
		srv.Start()
		if !srv.ReadyForConnections(10 * time.Second) {
			srv.Shutdown()
			return errors.New("not ready within 10s")
		}
		n.srv = srv
		return nil
	}
	logf, err := os.OpenFile(n.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(n.binary, "-c", n.conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	n.cmd, n.done = cmd, make(chan struct{})
	go func(done chan struct{}) {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}(n.done)
	addr := strings.TrimPrefix(n.ClientURL, "nats://")
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-n.done:
			n.cmd = nil
			return fmt.Errorf("exited before listening on %s (log: %s)", addr, n.logFile)
		default:
		}
		if time.Now().After(deadline) {
			n.stop()
			return fmt.Errorf("not listening on %s within 10s (log: %s)", addr, n.logFile)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *Node) stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
	if n.cmd != nil {
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		<-n.done
		n.cmd = nil
	}
}

// BuildServer builds the nats-server of this module's dependency into t.TempDir() and returns
// its path (for ClusterOptions.Binary). It needs the go command; the server's packages are
// usually in the build cache already, so this takes seconds.
func BuildServer(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nats-server")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput()
	if err != nil {
		t.Fatalf("queuetest: build nats-server: %v\n%s", err, out)
	}
	return bin
}

// WaitJetStream polls until the JetStream API answers through js (in a cluster: a meta leader
// is elected), failing the test after timeout.
func WaitJetStream(t testing.TB, js jetstream.JetStream, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queuetest: JetStream not available within %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StreamLeader is the name of the server leading stream ("" while none is elected).
func StreamLeader(ctx context.Context, js jetstream.JetStream, stream string) (string, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	info := s.CachedInfo()
	if info.Cluster == nil {
		return "", nil
	}
	return info.Cluster.Leader, nil
}

// ConsumerLeader is the name of the server leading the consumer ("" while none is elected).
func ConsumerLeader(ctx context.Context, js jetstream.JetStream, stream, consumer string) (string, error) {
	c, err := js.Consumer(ctx, stream, consumer)
	if err != nil {
		return "", err
	}
	info := c.CachedInfo()
	if info.Cluster == nil {
		return "", nil
	}
	return info.Cluster.Leader, nil
}

// WaitLeader polls leader (StreamLeader or ConsumerLeader bound to its names) until it names a
// server other than not, and returns it; it fails the test after timeout.
func WaitLeader(t testing.TB, timeout time.Duration, not string, leader func(context.Context) (string, error)) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		name, err := leader(ctx)
		cancel()
		if err == nil && name != "" && name != not {
			return name
		}
		if time.Now().After(deadline) {
			t.Fatalf("queuetest: no leader other than %q within %s (last: %q, %v)", not, timeout, name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StopAllButLeader waits (up to timeout) for stream's leader and stops every other node: with
// three nodes the cluster has then lost its majority. It returns the node left, which still
// leads stream until nats-server's lost-quorum interval (about 10 s) ends.
func (c *Cluster) StopAllButLeader(t testing.TB, js jetstream.JetStream, stream string, timeout time.Duration) *Node {
	t.Helper()
	left := c.Node(WaitLeader(t, timeout, "", func(ctx context.Context) (string, error) { return StreamLeader(ctx, js, stream) }))
	for _, n := range c.Nodes {
		if n != left {
			n.Kill()
		}
	}
	return left
}

// WaitHealthy polls every running node's /healthz until it answers 200 (JetStream enabled, the
// meta leader known, every stream and consumer on the node current), failing the test after
// timeout. A restarted node accepts clients before it has caught up; wait for this before
// relying on it.
func (c *Cluster) WaitHealthy(t testing.TB, timeout time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for _, n := range c.Nodes {
		if n.srv == nil && n.cmd == nil {
			continue // stopped
		}
		for {
			resp, err := client.Get(n.healthURL)
			status := 0
			if err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			if status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("queuetest: node %s not healthy within %s: status %d, %v", n.Name, timeout, status, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// WaitCurrent polls until every replica of each stream is current (a restarted node has caught
// up), failing the test after timeout. KV buckets are streams named "KV_" + bucket.
func WaitCurrent(t testing.TB, js jetstream.JetStream, timeout time.Duration, streams ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, name := range streams {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			lag, err := streamLag(ctx, js, name)
			cancel()
			if err == nil && lag == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("queuetest: stream %s not current within %s: %s %v", name, timeout, lag, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// streamLag describes what is not current about stream's replicas ("" when all are).
func streamLag(ctx context.Context, js jetstream.JetStream, stream string) (string, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	info := s.CachedInfo()
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return "no leader", nil
	}
	if len(info.Cluster.Replicas)+1 < info.Config.Replicas {
		return fmt.Sprintf("%d of %d peers known", len(info.Cluster.Replicas)+1, info.Config.Replicas), nil
	}
	for _, r := range info.Cluster.Replicas {
		if !r.Current || r.Offline {
			return fmt.Sprintf("replica %s current %t offline %t lag %d", r.Name, r.Current, r.Offline, r.Lag), nil
		}
	}
	return "", nil
}

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("queuetest: free port: %v", err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		defer l.Close() // held until all are picked, so no port is picked twice
	}
	return ports
}

// ConnectURL opens a client to url (comma-separated URLs; it reconnects forever), closed at cleanup.
func ConnectURL(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := queue.Connect(ctx, queue.ConnectOptions{URL: url, Name: t.Name(), ReconnectWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("queuetest: connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("queuetest: jetstream: %v", err)
	}
	return nc, js
}
