package ratelimit

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The configured-rate metric says 0 for "no limit", not the internal stand-in rate.
func TestConfiguredRateZeroMeansNoLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ rate, want float64 }{{UnlimitedRate, 0}, {50, 50}} {
		m, err := newMetrics(Options{Rate: tc.rate})
		if err != nil {
			t.Fatal(err)
		}
		if got := testutil.ToFloat64(m.configuredRate.WithLabelValues("total")); got != tc.want {
			t.Errorf("rate %v: metric %v, want %v", tc.rate, got, tc.want)
		}
	}
}
