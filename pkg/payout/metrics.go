package payout

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/payrun/payrun/pkg/job"
)

// callOutcomes are the outcome labels each gateway call can have; they are created at zero so
// that rates and alerts see them before the first one happens.
var callOutcomes = map[string][]outcome{
	"payout": {outcomeAccepted, outcomeRejected, outcomeRetryable, outcomeThrottled, outcomeAuth, outcomeAmbiguous, outcomeGatewayError},
	"status": {outcomeFinal, outcomePending, outcomeNotFound, outcomeLookupFailed},
}

// metrics are the pool's Prometheus collectors (namespace payrun, subsystem payout).
type metrics struct {
	jobs         *prometheus.CounterVec // by action and result status
	gatewayCalls *prometheus.CounterVec // by call and outcome class
	inFlight     prometheus.Gauge
	polls        prometheus.Counter
	deadLetters  prometheus.Counter
	conflicts    prometheus.Counter
	// createRetries counts tries of a row's first ledger write after one failed (ledger_write.go).
	createRetries prometheus.Counter
	results       *prometheus.CounterVec // published results by status
	summaries     prometheus.Counter
	gatewayTime   *prometheus.HistogramVec // gateway call latency by call and outcome
	endToEnd      *prometheus.HistogramVec // job published -> result published, by status
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "payrun", Subsystem: "payout", Name: name, Help: help}
	}
	m := &metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts(opts("jobs_processed_total",
			"Job deliveries processed, by final action and result status (empty while the row is open).")), []string{"action", "status"}),
		gatewayCalls: prometheus.NewCounterVec(prometheus.CounterOpts(opts("gateway_calls_total",
			"Gateway calls by call (payout, status) and outcome class.")), []string{"call", "outcome"}),
		inFlight:    prometheus.NewGauge(prometheus.GaugeOpts(opts("in_flight", "Jobs being processed now."))),
		polls:       prometheus.NewCounter(prometheus.CounterOpts(opts("status_polls_total", "Status lookups of submitted or accepted orders."))),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts(opts("dead_letters_total", "Jobs dead-lettered."))),
		conflicts:   prometheus.NewCounter(prometheus.CounterOpts(opts("ledger_conflicts_total", "Ledger compare-and-set conflicts (another worker touched the entry)."))),
		createRetries: prometheus.NewCounter(prometheus.CounterOpts(opts("ledger_create_retries_total",
			"Retries of a row's first ledger write after a failure other than a conflict (the ledger unavailable for a moment)."))),
		results:   prometheus.NewCounterVec(prometheus.CounterOpts(opts("results_published_total", "Results published, by status.")), []string{"status"}),
		summaries: prometheus.NewCounter(prometheus.CounterOpts(opts("summaries_published_total", "Batch summaries published."))),
		gatewayTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "payrun", Subsystem: "payout",
			Name: "gateway_call_duration_seconds", Help: "Gateway call latency (the client's retries of unsent requests included), by call and outcome class.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30}}, []string{"call", "outcome"}),
		endToEnd: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "payrun", Subsystem: "payout",
			Name: "job_end_to_end_seconds", Help: "From the job's publication (enqueue) to its result's publication, by result status.",
			Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600}}, []string{"status"}),
	}
	for call, outs := range callOutcomes {
		for _, o := range outs {
			m.gatewayCalls.WithLabelValues(call, o.String())
			m.gatewayTime.WithLabelValues(call, o.String())
		}
	}
	for _, s := range job.Statuses {
		m.results.WithLabelValues(string(s))
		m.endToEnd.WithLabelValues(string(s))
	}
	if reg == nil {
		return m, nil
	}
	var err error
	// Several pools in one process share one registry: reuse what is already registered.
	reuse(reg, &m.jobs, &err)
	reuse(reg, &m.gatewayCalls, &err)
	reuse(reg, &m.inFlight, &err)
	reuse(reg, &m.polls, &err)
	reuse(reg, &m.deadLetters, &err)
	reuse(reg, &m.conflicts, &err)
	reuse(reg, &m.createRetries, &err)
	reuse(reg, &m.results, &err)
	reuse(reg, &m.summaries, &err)
	reuse(reg, &m.gatewayTime, &err)
	reuse(reg, &m.endToEnd, &err)
	if err != nil {
		return nil, fmt.Errorf("payout: metrics: %w", err)
	}
	return m, nil
}

// gatewayCall counts one gateway call and its latency.
func (m *metrics) gatewayCall(call string, out outcome, took time.Duration) {
	m.gatewayCalls.WithLabelValues(call, out.String()).Inc()
	m.gatewayTime.WithLabelValues(call, out.String()).Observe(took.Seconds())
}

// reuse registers *c, or replaces it with the collector already registered under its name.
func reuse[C prometheus.Collector](reg prometheus.Registerer, c *C, errp *error) {
	if *errp != nil {
		return
	}
	err := reg.Register(*c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
	case errors.As(err, &are):
		existing, ok := are.ExistingCollector.(C)
		if !ok {
			*errp = err
			return
		}
		*c = existing
	default:
		*errp = err
	}
}
