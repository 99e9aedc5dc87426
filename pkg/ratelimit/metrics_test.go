package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/payrun/payrun/pkg/ratelimit"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	reg := prometheus.NewRegistry()
	o := testOptions(50, 5)
	o.Registerer = reg
	l := newLimiter(t, connect(t, srv), o)
	eventually(t, 5*time.Second, "admitted", func() bool { return l.Stats().Active })
	for range 3 {
		if err := l.WaitFor(context.Background(), "", "b1"); err != nil {
			t.Fatal(err)
		}
	}
	l.Pressure(time.Hour) // capped at PressureMax (1m); the limiter is closed at cleanup

	want := map[string]float64{
		"payrun_ratelimit_configured_rate":        50,
		"payrun_ratelimit_share_rate":             50 * 0.25, // the ramp's floor while pressure lasts
		"payrun_ratelimit_members":                1,
		"payrun_ratelimit_active":                 1,
		"payrun_ratelimit_pressure_active":        1,
		"payrun_ratelimit_pressure_reports_total": 1,
		"payrun_ratelimit_paused":                 0,
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
