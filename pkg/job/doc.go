// Package job is the payout job model of payrun: one payout per CSV row.
//
// It owns
//   - Amount, an exact money amount in integer minor units of an ISO 4217
//     currency (never a float), and the ISO 4217 / ISO 3166-1 tables;
//   - the streaming CSV Reader that first decides how to read a file (it
//     refuses workbooks and non-UTF-8 files, detects the delimiter and a title
//     above the header, maps header names as people type them; see Layout),
//     then maps every row onto the request parameters of the gateway's
//     /api/v4/payout call and validates it, reporting each problem as a
//     *ValidationError with file, line, column and parameter name;
//   - ValidateFile, which reads a whole file and returns a Summary (row count,
//     control totals per currency, the first N errors);
//   - the versioned JSON messages that travel through the queue: Message
//     (the job stream), Result (the results subject) and BatchSummary;
//   - the masking helpers (MaskPAN, MaskAccount, RedactParams) that every
//     package uses before a card or account number reaches a log or an error.
//
// Card security codes (cvv2) are refused: a queue stores its messages, and a
// CVV must never be stored.
//
// The package has no mutable globals.
package job
