package payout

import "github.com/payrun/payrun/pkg/job"

// ProvenUnsent reports whether the entry is a row written off with proof that no payout request
// of it ever reached the gateway, so that it may be put back (`enqueue --retry`) and sent: it is
// final or reported, dead-lettered with result error and code DEAD_LETTER, DATA_KEY_UNAVAILABLE
// or UNDECODABLE_JOB (which the classifier gives only when no payout may exist: no entry, or
// pending_retry), and the ledger never recorded
// anything a request could have caused: no order id, serial number or gateway status, and no
// request refused by the gateway (Refused) or sent again after a lookup (Resent). (A request
// whose outcome was unknown leaves its entry submitting, which the classifier never
// dead-letters as DEAD_LETTER: mayHavePaid.)
func (e *Entry) ProvenUnsent() bool {
	return e != nil && (e.State == StateFinal || e.State == StateReported) &&
		e.DeadLetter != "" && e.Result == job.StatusError &&
		(e.ErrorCode == job.CodeDeadLetter || e.ErrorCode == job.CodeDataKeyUnavailable || e.ErrorCode == job.CodeUndecodable) &&
		e.OrderID == "" && e.SerialNumber == "" && e.LastStatus == "" &&
		!e.Refused && !e.Resent
}
