package payout_test

import (
	"context"
	"fmt"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/submit"
)

// ClassifySubmitError files pkg/submit's errors under submit's outcome classes; whatever it
// cannot file is ambiguous, because a payout may exist.
func ExampleClassifySubmitError() {
	for _, err := range []error{
		&submit.Error{Class: submit.ClassRejected, Call: submit.CallPayout, Code: "V100", Message: "bad account"},
		&submit.Error{Class: submit.ClassInvalidRequest, Call: submit.CallPayout, Code: "", Message: "client_orderid is required"},
		context.DeadlineExceeded,
	} {
		class, info := payout.ClassifySubmitError(err)
		fmt.Println(class, info.ErrorCode)
	}
	// Output:
	// rejected V100
	// rejected INVALID_REQUEST
	// ambiguous
}

// A row written off before any request of it left may be put back (`enqueue --retry`); a row
// whose payout may exist may not.
func ExampleEntry_ProvenUnsent() {
	unsent := payout.Entry{State: payout.StateReported, Result: job.StatusError, ErrorCode: job.CodeDeadLetter,
		DeadLetter: "failures 10 reached max_failures 10"}
	accepted := unsent
	accepted.OrderID = "6982867"
	fmt.Println(unsent.ProvenUnsent(), accepted.ProvenUnsent())
	// Output: true false
}
