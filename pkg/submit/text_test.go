package submit_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/submit"
)

// The gateway's error text reaches the caller whole up to job.MaxErrorText (8 KiB), and
// bounded beyond it, for payout and status answers alike.
//
// Protects I2 (the row's result carries the gateway's answer and always fits a message).
func TestGatewayErrorTextBound(t *testing.T) {
	t.Parallel()
	for _, n := range []int{6 << 10, 100 << 10} {
		msg := strings.Repeat("abcdefghi ", n/10) + "end"
		_, url := canned(t, http.StatusOK, nil, "type=validation-error&error-code=X&error-message="+msg)
		c, _ := newClient(t, url, nil)
		_, perr := c.Payout(context.Background(), payoutParams("t-1", "1234567890"))
		_, serr := c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "t-1", OrderID: "5"})
		for _, err := range []error{perr, serr} {
			got := asError(t, err).Message
			if want := job.BoundErrorText(msg); got != want {
				t.Fatalf("%d-byte message: got %d bytes, want %d", len(msg), len(got), len(want))
			}
			if n < job.MaxErrorText && got != msg {
				t.Fatalf("a %d-byte message was not kept whole (%d bytes)", len(msg), len(got))
			}
		}
	}
}
