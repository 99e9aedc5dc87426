package payout

import (
	"context"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/submit"
)

// longErrGateway rejects every payout with an error text of n bytes.
type longErrGateway struct {
	*fakeGateway
	n int
}

func (g longErrGateway) Payout(ctx context.Context, params []job.Param) (Reply, error) {
	_, _ = g.fakeGateway.Payout(ctx, params) // counted
	return Reply{}, &fakeErr{submit.ClassRejected, GatewayInfo{ErrorCode: "V", ErrorMessage: strings.Repeat("x", g.n)}}
}

// A gateway error text of any size ends the row with its result: kept whole up to
// job.MaxErrorText, bounded beyond (an unbounded one made the ledger write fail for ever).
//
// Protects I2 (exactly one result per row) and I5 (the row ends on the gateway's answer).
func TestLongGatewayErrorText(t *testing.T) {
	t.Parallel()
	for _, n := range []int{6 << 10, 200 << 10} {
		e := newEnv(t, nil)
		e.gw.payScript["c1"] = []string{payReject}
		e.m.gw = longErrGateway{fakeGateway: e.gw, n: n}
		d, _ := e.deliver("B", "c1", 1)
		rs := e.results("B")
		if d.Action != actionAck || len(rs) != 1 || rs[0].Status != job.StatusRejected {
			t.Fatalf("%d-byte error text: decision %+v, results %d", n, d, len(rs))
		}
		want := job.BoundErrorText(strings.Repeat("x", n))
		if got := e.ledger("B", "c1").ErrorMessage; got != want || rs[0].ErrorMessage != want {
			t.Fatalf("%d-byte error text: ledger %d bytes, result %d bytes, want %d", n, len(got), len(rs[0].ErrorMessage), len(want))
		}
	}
}
