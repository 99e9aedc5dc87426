package ratelimit

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are created even without a Registerer, so the code never checks for nil.
type metrics struct {
	reg             prometheus.Registerer
	configuredRate  *prometheus.GaugeVec
	shareRate       *prometheus.GaugeVec
	members         prometheus.Gauge
	active          prometheus.Gauge
	factor          prometheus.Gauge
	paused          prometheus.Gauge
	authStopped     prometheus.Gauge
	authRefusals    prometheus.Counter
	pressureActive  prometheus.Gauge
	pressureUntil   prometheus.Gauge
	pressureReports prometheus.Counter
	answers         *prometheus.CounterVec
	poolRate        prometheus.Gauge
	reason          *prometheus.GaugeVec
	waitSeconds     *prometheus.HistogramVec
	throttled       *prometheus.CounterVec
}

// UnlimitedRate is the Rate a caller gives for "no limit" (pressure and pause still apply): high
// enough never to hold a request back. The configured-rate metric reports it as 0.
const UnlimitedRate = 1e6

// configuredRate is the metric's value for a configured rate: 0 for no limit.
func configuredRate(r float64) float64 {
	if r >= UnlimitedRate {
		return 0
	}
	return r
}

func newMetrics(o Options) (*metrics, error) {
	m := &metrics{
		reg: o.Registerer,
		configuredRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_configured_rate", Help: "Pool-wide configured limit in requests/s (kind=total or a call kind); 0 means no limit.",
		}, []string{"kind"}),
		shareRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_share_rate", Help: "This member's current rate in requests/s (its share times the recovery factor; 0 when not admitted).",
		}, []string{"kind"}),
		members: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_members", Help: "Live pool members this member counts, itself included.",
		}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_active", Help: "1 when this member holds a share, 0 while joining or fenced.",
		}),
		factor: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_rate_factor", Help: "The pool's adaptive factor: fraction of the configured rate granted (below 1 after congestion).",
		}),
		paused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_paused", Help: "1 while the pool is paused (by an operator, or stopped by a refused authentication).",
		}),
		authStopped: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_auth_stopped", Help: "1 while the pool is stopped because the gateway refused its credentials (401/403).",
		}),
		authRefusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "payrun_ratelimit_auth_refusals_total", Help: "Gateway answers 401/403 seen by this member.",
		}),
		pressureActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_pressure_active", Help: "1 while the pool is stopped by gateway pressure (Retry-After or storm).",
		}),
		pressureUntil: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_pressure_until_timestamp_seconds", Help: "Unix time the latest pressure stop ends.",
		}),
		pressureReports: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "payrun_ratelimit_pressure_reports_total", Help: "Pool-wide stops (Retry-After or storm) reported by this member.",
		}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "payrun_ratelimit_gateway_answers_total", Help: "Gateway answers seen by this member's adaptive rate (class=pressure: 429/503; other: any other answer).",
		}, []string{"class"}),
		poolRate: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_pool_rate_per_second", Help: "The pool's effective rate in requests/s: configured rate times the adaptive factor, 0 while stopped.",
		}),
		reason: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "payrun_ratelimit_rate_reason", Help: "1 for the reason of the pool's current effective rate, 0 for the others.",
		}, []string{"reason"}),
		waitSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "payrun_ratelimit_wait_seconds", Help: "Time Wait spent before granting a token.",
			Buckets: []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "payrun_ratelimit_throttled_total", Help: "Granted requests that had to wait (no token, pause, pressure or other waiters first).",
		}, []string{"kind"}),
	}
	m.configuredRate.WithLabelValues("total").Set(configuredRate(o.Rate))
	m.setRate(o.Rate, ReasonConfigured)
	for kind, lim := range o.Kinds {
		m.configuredRate.WithLabelValues(kind).Set(lim.Rate)
	}
	if m.reg == nil {
		return m, nil
	}
	for i, c := range m.collectors() {
		if err := m.reg.Register(c); err != nil {
			for _, done := range m.collectors()[:i] {
				m.reg.Unregister(done)
			}
			return nil, fmt.Errorf("ratelimit: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.configuredRate, m.shareRate, m.members, m.active, m.factor, m.paused,
		m.authStopped, m.authRefusals, m.pressureActive, m.pressureUntil, m.pressureReports, m.answers, m.poolRate, m.reason,
		m.waitSeconds, m.throttled}
}

func (m *metrics) unregister() {
	if m.reg == nil {
		return
	}
	for _, c := range m.collectors() {
		m.reg.Unregister(c)
	}
}

// setState mirrors the limiter's state. Called with l.mu held.
func (m *metrics) setState(l *Limiter, now time.Time, factor float64) {
	m.shareRate.WithLabelValues("total").Set(float64(l.total.Limit()))
	for kind, ln := range l.lanes {
		m.shareRate.WithLabelValues(kind).Set(float64(ln.kind.Limit()))
	}
	m.members.Set(float64(len(l.members)))
	m.active.Set(b2f(l.active))
	m.factor.Set(factor)
	m.paused.Set(b2f(l.pause != nil))
	m.authStopped.Set(b2f(l.pause != nil && l.pause.kind() == PauseKindAuth))
	g := l.gate.Load()
	m.pressureActive.Set(b2f(g.pressureUntil.After(now)))
	if !g.pressureUntil.IsZero() {
		m.pressureUntil.Set(float64(g.pressureUntil.UnixNano()) / 1e9)
	}
}

// setRate mirrors the pool's effective rate and its reason.
func (m *metrics) setRate(rate float64, reason string) {
	m.poolRate.Set(rate)
	for _, r := range reasons {
		m.reason.WithLabelValues(r).Set(b2f(r == reason))
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
