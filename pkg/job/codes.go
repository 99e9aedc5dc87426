package job

// The error_code values the worker itself writes in a Result (the gateway's own codes pass
// through as the gateway wrote them). CodeDeadLetter, CodeDataKeyUnavailable and CodeUndecodable
// end a row "error" and CodeInvalidRequest a row "rejected": no payout was sent. Every other code
// ends a row "unresolved" and says why a payout may exist without a final status (docs/worker.md,
// "Unresolved rows"); the row's error_message carries the details, and the gateway's own code
// when it gave one.
const (
	CodeDeadLetter = "DEAD_LETTER" // error: dead-lettered, and the ledger proves no request left

	CodeTombstone            = "LEDGER_TOMBSTONE"       // the ledger entry was deleted or purged; never paid again
	CodeHorizon              = "POLL_HORIZON"           // the order's status did not change for poll.horizon
	CodeLookupFailed         = "LOOKUP_FAILED"          // status lookups failed max_failures times
	CodeNotFoundUnprovable   = "NOT_FOUND_UNPROVABLE"   // the gateway answered without an order, but not with a configured not-found code
	CodeMaxAttempts          = "MAX_ATTEMPTS"           // no order found after max_attempts requests whose outcome was unknown
	CodeRefusedRepeat        = "REFUSED_REPEAT"         // a repeated request was refused; the earlier one may have paid
	CodeDeadLetterUnresolved = "DEAD_LETTER_UNRESOLVED" // dead-lettered (delivery limit) while a payout may exist
	CodeUnlistedStatus       = "UNLISTED_FINAL_STATUS"  // the gateway called a status final that the worker does not know
	CodeReservationLost      = "RESERVATION_LOST"       // the row's reservation was lost and the gateway shows no order: never sent
)

// Codes of rows that end "error" because their job message could not be read, before anything
// was sent (the worker's ledger counts them as proven unsent, so `enqueue --retry` can put the
// row back).
const (
	CodeDataKeyUnavailable = "DATA_KEY_UNAVAILABLE" // its sealed parameters name a data key this worker does not have
	CodeUndecodable        = "UNDECODABLE_JOB"      // its job message does not decode (or its sealed values do not open)
)

// CodeInvalidRequest is the error_code of a row the gateway client refused to send (it can never
// be sent): result rejected.
const CodeInvalidRequest = "INVALID_REQUEST"
