package submit_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/payrun/payrun/pkg/submit"
)

// A status answer about another order than the one asked for (its merchant-order-id or its
// paynet-order-id differs from the query) is a failed lookup (ErrAmbiguous wrapping
// ErrForeignAnswer), never a status and never "no such order"; neither is a payout answer
// naming another merchant-order-id an accepted payout of this row.
//
// Protects I1 (an answer about another order is no answer: it can neither license a second
// send nor end the row) and I2.
func TestAnswerAboutAnotherOrderIsNoAnswer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		q    submit.StatusQuery
	}{
		{"final status of another client_orderid",
			"type=status-response&status=approved&merchant-order-id=other-7&paynet-order-id=555\n",
			submit.StatusQuery{ClientOrderID: "mine-1"}},
		{"final status of another paynet order",
			"type=status-response&status=declined&merchant-order-id=mine-1&paynet-order-id=556\n",
			submit.StatusQuery{ClientOrderID: "mine-1", OrderID: "555"}},
		{"not found for another client_orderid",
			"type=validation-error&merchant-order-id=other-7&error-code=404&error-message=no+such+order\n",
			submit.StatusQuery{ClientOrderID: "mine-1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, url := canned(t, http.StatusOK, nil, tc.body)
			c, _ := newClient(t, url, func(o *submit.Options) { o.Backoff.MaxAttempts = 2 })
			st, err := c.Status(context.Background(), tc.q)
			if err == nil {
				t.Fatalf("answer about another order taken as the status of %+v: %+v", tc.q, st)
			}
			if !errors.Is(err, submit.ErrAmbiguous) || !errors.Is(err, submit.ErrForeignAnswer) || errors.Is(err, submit.ErrNotFound) {
				t.Fatalf("error %v: want ErrAmbiguous wrapping ErrForeignAnswer", err)
			}
		})
	}
	t.Run("payout accepted for another client_orderid", func(t *testing.T) {
		t.Parallel()
		_, url := canned(t, http.StatusOK, nil, "type=async-response&merchant-order-id=other-7&paynet-order-id=555\n")
		c, _ := newClient(t, url, nil)
		res, err := c.Payout(context.Background(), payoutParams("mine-1", "1234567890"))
		if !errors.Is(err, submit.ErrAmbiguous) || !errors.Is(err, submit.ErrForeignAnswer) {
			t.Fatalf("payout %+v, %v: want ErrAmbiguous wrapping ErrForeignAnswer", res, err)
		}
	})
}
