package payout

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// lagCollector reports the workers' consumer backlog, read from the server at scrape time
// (nothing while the pool is not bound, or the server does not answer within 2s).
type lagCollector struct {
	p                             *Pool
	pending, ackPending, redelivd *prometheus.Desc
}

func newLagCollector(p *Pool) *lagCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName("payrun", "payout", name), help, nil, nil)
	}
	return &lagCollector{
		p:          p,
		pending:    desc("consumer_pending_messages", "Jobs in the stream not yet delivered to any worker (the consumer's lag)."),
		ackPending: desc("consumer_ack_pending_messages", "Jobs delivered and not yet acknowledged (being worked or waiting for a redelivery)."),
		redelivd:   desc("consumer_redelivered_messages", "Jobs delivered more than once and not yet acknowledged."),
	}
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.ackPending
	ch <- c.redelivd
}

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	c.p.mu.Lock()
	cons := c.p.cons
	c.p.mu.Unlock()
	if cons == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := cons.Info(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(info.NumPending))
	ch <- prometheus.MustNewConstMetric(c.ackPending, prometheus.GaugeValue, float64(info.NumAckPending))
	ch <- prometheus.MustNewConstMetric(c.redelivd, prometheus.GaugeValue, float64(info.NumRedelivered))
}
