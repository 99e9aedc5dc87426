package poolstatus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/queue"
)

// Replication is where the copies of payrun's streams, buckets and consumer are and whether each
// copy is current, from the stream and consumer info of the servers.
type Replication struct {
	// Cluster is the JetStream cluster's name; "" on a single server that is not part of a
	// cluster (every group then has one copy and nothing to fail over to).
	Cluster string  `json:"cluster"`
	Groups  []Group `json:"groups"`
}

// Group is one stream, bucket or the workers' consumer: a replicated group of servers.
type Group struct {
	Kind string `json:"kind"` // stream, consumer or bucket
	// Name is the stream's, bucket's or consumer's name (a bucket's stream is KV_<name>).
	Name string `json:"name"`
	Role string `json:"role"` // jobs, results, consumer, batches, orders, ledger, ratelimit
	// Replicas is the configured number of copies; 0 when the group does not exist (not yet
	// provisioned) or could not be read (Error).
	Replicas int    `json:"replicas"`
	Leader   string `json:"leader"` // server name; "" while no leader is elected
	// Peers are the copies other than the leader's, by name, as the leader sees them.
	Peers []Peer `json:"peers"`
	// Current: a leader is elected and every other copy is known, online and current.
	Current bool   `json:"current"`
	Error   string `json:"error,omitempty"` // the info could not be read (e.g. no leader answered)
}

// Peer is one copy of a group other than the leader's.
type Peer struct {
	Name    string `json:"name"`
	Current bool   `json:"current"` // has every entry the leader has
	Offline bool   `json:"offline"` // the server is known to be down
	Lag     uint64 `json:"lag"`     // entries behind the leader
	// ActiveMS is how long ago the leader last heard from the copy, in milliseconds.
	ActiveMS int64 `json:"active_ms"`
}

// readReplication reads the cluster info of every stream and bucket and of the consumer, each
// group at the same time and bounded by timeout: a group without a leader may not answer, and
// must not take the time of the others. A group that cannot be read is reported with its error
// instead of failing the whole status: a group without a leader is what an operator asks this for.
func readReplication(ctx context.Context, js jetstream.JetStream, names queue.Names, timeout time.Duration) Replication {
	streams := []struct{ kind, name, role, stream string }{
		{"stream", names.JobStream, "jobs", names.JobStream},
		{"consumer", names.Consumer, "consumer", ""},
		{"stream", names.ResultStream, "results", names.ResultStream},
		{"bucket", names.BatchesBucket, "batches", "KV_" + names.BatchesBucket},
		{"bucket", names.OrdersBucket, "orders", "KV_" + names.OrdersBucket},
		{"bucket", names.LedgerBucket, "ledger", "KV_" + names.LedgerBucket},
		{"bucket", names.RateLimitBucket, "ratelimit", "KV_" + names.RateLimitBucket},
	}
	groups := make([]Group, len(streams))
	clusters := make([]string, len(streams))
	var wg sync.WaitGroup
	for i, s := range streams {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if s.kind == "consumer" {
				groups[i], clusters[i] = readConsumerGroup(ctx, js, names)
				return
			}
			g := Group{Kind: s.kind, Name: s.name, Role: s.role, Peers: []Peer{}}
			st, err := js.Stream(ctx, s.stream)
			if err == nil {
				info := st.CachedInfo()
				g.Replicas = info.Config.Replicas
				clusters[i] = fillCluster(&g, info.Cluster)
			} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
				g.Error = err.Error()
			}
			groups[i] = g
		})
	}
	wg.Wait()
	r := Replication{Groups: groups}
	for _, c := range clusters {
		if c != "" {
			r.Cluster = c
		}
	}
	return r
}

func readConsumerGroup(ctx context.Context, js jetstream.JetStream, names queue.Names) (Group, string) {
	g := Group{Kind: "consumer", Name: names.Consumer, Role: "consumer", Peers: []Peer{}}
	c, err := js.Consumer(ctx, names.JobStream, names.Consumer)
	switch {
	case err == nil:
		info := c.CachedInfo()
		g.Replicas = info.Config.Replicas
		if g.Replicas == 0 { // a consumer's 0 means: as many as its stream
			if s, err := js.Stream(ctx, names.JobStream); err == nil {
				g.Replicas = s.CachedInfo().Config.Replicas
			}
		}
		return g, fillCluster(&g, info.Cluster)
	case errors.Is(err, jetstream.ErrConsumerNotFound), errors.Is(err, jetstream.ErrStreamNotFound):
	default:
		g.Error = err.Error()
	}
	return g, ""
}

// fillCluster copies ci into g and returns the cluster's name ("" when ci is nil: a single
// server tells no more about a consumer, whose one copy is then current).
func fillCluster(g *Group, ci *jetstream.ClusterInfo) string {
	if ci == nil {
		g.Current = g.Replicas <= 1
		return ""
	}
	g.Leader = ci.Leader
	for _, p := range ci.Replicas {
		g.Peers = append(g.Peers, Peer{Name: p.Name, Current: p.Current, Offline: p.Offline, Lag: p.Lag, ActiveMS: p.Active.Milliseconds()})
	}
	slices.SortFunc(g.Peers, func(a, b Peer) int { return strings.Compare(a.Name, b.Name) })
	g.Current = g.Leader != "" && len(g.Peers)+1 >= g.Replicas
	for _, p := range g.Peers {
		g.Current = g.Current && p.Current && !p.Offline
	}
	return ci.Name
}

// health describes what is not current about g, for the text form ("" when all is).
func (g Group) health() string {
	switch {
	case g.Error != "":
		return "not read: " + g.Error
	case g.Replicas == 0:
		return "not provisioned"
	case g.Leader == "":
		return "no leader"
	}
	var out []string
	if unknown := g.Replicas - 1 - len(g.Peers); unknown > 0 {
		out = append(out, fmt.Sprintf("%d of %d copies unknown", unknown, g.Replicas))
	}
	for _, p := range g.Peers {
		if p.Current && !p.Offline {
			continue
		}
		desc := p.Name + " behind"
		if p.Offline {
			desc = p.Name + " offline"
		}
		if p.Lag > 0 {
			desc += fmt.Sprintf(", lag %d", p.Lag)
		}
		if p.ActiveMS > 0 {
			desc += fmt.Sprintf(", last seen %s ago", (time.Duration(p.ActiveMS) * time.Millisecond).Round(100*time.Millisecond))
		}
		out = append(out, desc)
	}
	return strings.Join(out, "; ")
}
