package stack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/payrun/payrun/pkg/health"
	"github.com/payrun/payrun/pkg/ratelimit"
)

type fixedStats ratelimit.Stats

func (f fixedStats) Stats() ratelimit.Stats { return ratelimit.Stats(f) }

// /readyz says "not ready" with the reason (login and key fingerprint) while the pool is
// stopped because the gateway refused its credentials, and with the operator's reason while it
// is paused: either way the pool cannot pay.
//
// Protects I4 (the stop is visible to a person, the jobs wait).
func TestReadyzShowsAuthStop(t *testing.T) {
	t.Parallel()
	ok := func(context.Context) error { return nil }
	cases := []struct {
		name  string
		stats ratelimit.Stats
		code  int
		body  string
	}{
		{"running", ratelimit.Stats{}, http.StatusOK, "ready"},
		{"operator pause", ratelimit.Stats{Paused: true, PauseKind: ratelimit.PauseKindOperator, PauseReason: "maintenance"}, http.StatusServiceUnavailable, "pool paused: maintenance"},
		{"auth stop", ratelimit.Stats{Paused: true, PauseKind: ratelimit.PauseKindAuth,
			PauseReason: `the gateway refused the credentials (HTTP 403) of login "m", key SHA256:abc`}, http.StatusServiceUnavailable, `login "m", key SHA256:abc`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ready := health.New("")
			ready.Add("pool", ok)
			ready.Add("pause", pauseCheck(fixedStats(tc.stats)))
			mux := newOpsMux(prometheus.NewRegistry(), ready, nil)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("/readyz %d %q, want %d containing %q", rec.Code, rec.Body.String(), tc.code, tc.body)
			}
		})
	}
}
