package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// JetStream advisories of leader elections and lost quorums; the stream (and consumer) name
// follow as further tokens.
const (
	advisoryStreamLeader   = "$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED"
	advisoryStreamQuorum   = "$JS.EVENT.ADVISORY.STREAM.QUORUM_LOST"
	advisoryConsumerLeader = "$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED"
	advisoryConsumerQuorum = "$JS.EVENT.ADVISORY.CONSUMER.QUORUM_LOST"
)

// ClusterWatch makes the health of the JetStream system visible from a process that uses it: it
// logs and counts every leader election and lost quorum of payrun's streams, buckets and
// consumer (from the advisories JetStream publishes to the account), and exports which server
// the connection is on. Close it before closing the connection.
type ClusterWatch struct {
	subs      []*nats.Subscription
	reg       prometheus.Registerer
	cols      []prometheus.Collector
	elections *prometheus.CounterVec
	quorum    *prometheus.CounterVec
}

// ErrWatch is wrapped by WatchCluster's errors.
var ErrWatch = errors.New("queue: cluster watch")

// WatchCluster subscribes to the advisories of names' streams, buckets (their KV_ streams) and
// consumer on nc and registers its metrics on reg (nil: none):
//
//	payrun_nats_server_info{server,cluster}         1 for the server the connection is on
//	payrun_nats_leader_elections_total{kind,name}   leader elections seen (kind stream or consumer)
//	payrun_nats_quorum_lost_total{kind,name}        lost quorums seen
//
// Elections are logged at info with the new leader, lost quorums at warn.
func WatchCluster(nc *nats.Conn, names Names, log zerolog.Logger, reg prometheus.Registerer) (*ClusterWatch, error) {
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: "payrun", Subsystem: "nats", Name: name, Help: help}
	}
	w := &ClusterWatch{
		reg: reg,
		elections: prometheus.NewCounterVec(opts("leader_elections_total",
			"JetStream leader elections seen, by kind (stream, consumer) and name (buckets as KV_<bucket>)."), []string{"kind", "name"}),
		quorum: prometheus.NewCounterVec(opts("quorum_lost_total",
			"JetStream lost quorums seen, by kind and name: no leader can be elected until enough nodes are back."), []string{"kind", "name"}),
	}
	w.cols = []prometheus.Collector{w.elections, w.quorum, serverInfo{nc: nc, desc: prometheus.NewDesc("payrun_nats_server_info",
		"1 for the NATS server (server_name) and cluster the connection is on; absent while disconnected.", []string{"server", "cluster"}, nil)}}
	if reg != nil {
		for i, c := range w.cols {
			if err := reg.Register(c); err != nil {
				for _, done := range w.cols[:i] {
					reg.Unregister(done)
				}
				return nil, fmt.Errorf("%w: metrics: %w", ErrWatch, err)
			}
		}
	}
	streams := []string{names.JobStream, names.ResultStream, "KV_" + names.BatchesBucket, "KV_" + names.OrdersBucket,
		"KV_" + names.LedgerBucket, "KV_" + names.RateLimitBucket}
	var subjects []string
	for _, s := range streams {
		subjects = append(subjects, advisoryStreamLeader+"."+s, advisoryStreamQuorum+"."+s)
	}
	consumer := names.JobStream + "." + names.Consumer
	subjects = append(subjects, advisoryConsumerLeader+"."+consumer, advisoryConsumerQuorum+"."+consumer)
	for _, subj := range subjects {
		sub, err := nc.Subscribe(subj, func(m *nats.Msg) { w.advisory(m, log) })
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("%w: subscribe %s: %w", ErrWatch, subj, err)
		}
		w.subs = append(w.subs, sub)
	}
	return w, nil
}

// advisory logs and counts one advisory.
func (w *ClusterWatch) advisory(m *nats.Msg, log zerolog.Logger) {
	var a struct {
		Stream   string `json:"stream"`
		Consumer string `json:"consumer"`
		Leader   string `json:"leader"`
	}
	if err := json.Unmarshal(m.Data, &a); err != nil {
		log.Warn().Err(err).Str("subject", m.Subject).Msg("JetStream advisory not understood")
		return
	}
	kind, name := "stream", a.Stream
	if a.Consumer != "" {
		kind, name = "consumer", a.Consumer
	}
	ev := log.With().Str("kind", kind).Str("name", name).Logger()
	switch {
	case strings.HasPrefix(m.Subject, advisoryStreamLeader+"."), strings.HasPrefix(m.Subject, advisoryConsumerLeader+"."):
		w.elections.WithLabelValues(kind, name).Inc()
		ev.Info().Str("leader", a.Leader).Msg("JetStream leader elected")
	default:
		w.quorum.WithLabelValues(kind, name).Inc()
		ev.Warn().Msg("JetStream quorum lost: no leader until enough nodes are back")
	}
}

// Close unsubscribes and unregisters the metrics.
func (w *ClusterWatch) Close() {
	for _, s := range w.subs {
		_ = s.Unsubscribe()
	}
	if w.reg != nil {
		for _, c := range w.cols {
			w.reg.Unregister(c)
		}
	}
}

// serverInfo exports payrun_nats_server_info for the connection's current server.
type serverInfo struct {
	nc   *nats.Conn
	desc *prometheus.Desc
}

func (s serverInfo) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

func (s serverInfo) Collect(ch chan<- prometheus.Metric) {
	if !s.nc.IsConnected() {
		return
	}
	ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, 1, s.nc.ConnectedServerName(), s.nc.ConnectedClusterName())
}
