package payout

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/submit"
)

func TestClassifySubmitError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		want     submit.Class
		wantCode string
	}{
		{"rejected", &submit.Error{Class: submit.ClassRejected, Code: "V1"}, submit.ClassRejected, "V1"},
		{"gateway error", &submit.Error{Class: submit.ClassGatewayError, OrderID: "P1"}, submit.ClassGatewayError, ""},
		{"auth", &submit.Error{Class: submit.ClassAuth, HTTPStatus: 403}, submit.ClassAuth, ""},
		{"not sent", &submit.Error{Class: submit.ClassRetryable}, submit.ClassRetryable, ""},
		{"throttled", &submit.Error{Class: submit.ClassThrottled, RetryAfter: time.Second}, submit.ClassThrottled, ""},
		{"not found", &submit.Error{Class: submit.ClassNotFound}, submit.ClassNotFound, ""},
		{"ambiguous", &submit.Error{Class: submit.ClassAmbiguous}, submit.ClassAmbiguous, ""},
		// A request the client refuses to build can never be sent: retrying it would only
		// dead-letter the row later, so it is rejected at once.
		{"invalid request", &submit.Error{Class: submit.ClassInvalidRequest, Err: errors.New("client_orderid is required")}, submit.ClassRejected, job.CodeInvalidRequest},
		{"wrapped", fmt.Errorf("call: %w", &submit.Error{Class: submit.ClassRetryable}), submit.ClassRetryable, ""},
		{"bare deadline: a payout may exist", context.DeadlineExceeded, submit.ClassAmbiguous, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, info := ClassifySubmitError(tt.err)
			if got != tt.want {
				t.Fatalf("class = %s, want %s", got, tt.want)
			}
			if info.ErrorCode != tt.wantCode {
				t.Fatalf("error code = %q, want %q", info.ErrorCode, tt.wantCode)
			}
		})
	}
}
