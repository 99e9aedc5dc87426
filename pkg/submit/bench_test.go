package submit_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"github.com/payrun/payrun/pkg/submit"
)

// BenchmarkRoundTrip measures payout + status round trips against the sandbox on loopback
// (one op = one payout and one status lookup, both signed by the client and verified by the
// sandbox; logs go to io.Discard) and, interleaved with them in the same run, the baseline:
// the bare cost of the two signatures (signer.Sign twice). Interleaving op by op exposes both
// to the same machine load. Metrics: roundtrips/s, signpairs/s and rt_per_signpair (how many
// times the bare signing cost one round trip costs; 1.0 would mean HTTP, parsing and
// verification are free).
func BenchmarkRoundTrip(b *testing.B) {
	srv := startSandbox(b, nil)
	pk, _ := signertest.Key(b)
	sg, err := signer.New(pk, login)
	if err != nil {
		b.Fatal(err)
	}
	c, err := submit.NewClient(submit.Options{BaseURL: srv.URL(), EndpointID: "39915", Login: login}, sg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	u := srv.URL() + "/api/v4/payout/39915"
	signParams := payoutParams("bench-sign", "1234567890")
	var rt, sign time.Duration
	b.ResetTimer()
	for i := range b.N {
		coid := "bench-" + strconv.Itoa(i)
		t0 := time.Now()
		res, err := c.Payout(ctx, payoutParams(coid, "1234567890"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Status(ctx, submit.StatusQuery{ClientOrderID: coid, OrderID: res.OrderID}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		for range 2 {
			if _, err := sg.Sign(http.MethodPost, u, signParams); err != nil {
				b.Fatal(err)
			}
		}
		rt += t1.Sub(t0)
		sign += time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/rt.Seconds(), "roundtrips/s")
	b.ReportMetric(float64(b.N)/sign.Seconds(), "signpairs/s")
	b.ReportMetric(rt.Seconds()/sign.Seconds(), "rt_per_signpair")
	if s := srv.Stats(); s.Duplicates != 0 || s.Orders != int64(b.N) {
		b.Errorf("sandbox: %d orders, %d duplicates, want %d and 0", s.Orders, s.Duplicates, b.N)
	}
}
