package ratelimit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/ratelimit"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	reg := prometheus.NewRegistry()
	o := testOptions(50, 5)
	o.Registerer = reg
	l := newLimiter(t, connect(t, srv), o)
	testwait.Eventually(t, 5*time.Second, "admitted", func() bool { return l.Stats().Active })
	for range 3 {
		if err := l.WaitFor(context.Background(), "", "b1"); err != nil {
			t.Fatal(err)
		}
	}
	l.Pressure(time.Hour) // capped at MaxRetryAfter (15m); the limiter is closed at cleanup
	l.Answered()

	want := map[string]float64{
		"payrun_ratelimit_configured_rate":                         50,
		"payrun_ratelimit_share_rate":                              50, // one 429 is no congestion: the factor stays 1
		"payrun_ratelimit_rate_factor":                             1,
		"payrun_ratelimit_pool_rate_per_second":                    0, // stopped by the Retry-After
		`payrun_ratelimit_rate_reason{reason="retry-after"}`:       1,
		`payrun_ratelimit_rate_reason{reason="configured"}`:        0,
		`payrun_ratelimit_gateway_answers_total{class="pressure"}`: 1,
		`payrun_ratelimit_gateway_answers_total{class="other"}`:    1,
		"payrun_ratelimit_members":                                 1,
		"payrun_ratelimit_active":                                  1,
		"payrun_ratelimit_pressure_active":                         1,
		"payrun_ratelimit_pressure_reports_total":                  1,
		"payrun_ratelimit_paused":                                  0,
	}
	got := gather(t, reg)
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}
	if got["payrun_ratelimit_wait_seconds_count"] != 3 {
		t.Errorf("wait histogram count = %v, want 3", got["payrun_ratelimit_wait_seconds_count"])
	}
	if got["payrun_ratelimit_throttled_total"] < 1 { // the first token had to be waited for
		t.Errorf("throttled = %v, want >= 1", got["payrun_ratelimit_throttled_total"])
	}

	// A second limiter cannot register the same metrics; Close unregisters them.
	if _, err := ratelimit.New(context.Background(), connect(t, srv), o); err == nil {
		t.Error("second limiter on the same registry: want a registration error")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if mf, _ := reg.Gather(); len(mf) != 0 {
		t.Errorf("%d metric families left after Close", len(mf))
	}
}

// gather flattens a registry: the first sample of each family (histograms as _count).
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if lp := m.GetLabel(); len(lp) == 1 && mf.GetType() != dto.MetricType_HISTOGRAM {
				key := fmt.Sprintf("%s{%s=%q}", mf.GetName(), lp[0].GetName(), lp[0].GetValue())
				out[key] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
		m := mf.GetMetric()[0]
		switch mf.GetType() {
		case dto.MetricType_GAUGE:
			out[mf.GetName()] = m.GetGauge().GetValue()
		case dto.MetricType_COUNTER:
			out[mf.GetName()] = m.GetCounter().GetValue()
		case dto.MetricType_HISTOGRAM:
			out[mf.GetName()+"_count"] = float64(m.GetHistogram().GetSampleCount())
		}
	}
	return out
}
