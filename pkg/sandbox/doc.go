// Package sandbox is a ConnPay gateway twin for loopback tests, demos and users' own CI.
//
// It serves the payout and status calls on the real paths below "/paynet"
// (/paynet/api/v4/payout/{ENDPOINTID}, /paynet/api/v4/payout/group/{GROUPID} and the same
// for /status), verifies every request's OAuth 1.0a RSA-SHA256 signature with pkg/signer's
// Verifier (403 HTML page on failure; stale timestamps and replayed nonces are rejected),
// answers validation errors for missing or malformed parameters, and writes form answers whose
// values end in "\n" like the real gateway.
//
// Scenario (account_number): 1234567890 → approved, 0987654321 → declined, 1987654321 →
// status=error (PROCESSOR_INTERNAL_ERROR); anything else → Options.DefaultStatus (approved).
// Options.ProcessingPolls status answers say "processing" before the final status. Callbacks
// (GET server_callback_url with `control`) are sent when an order becomes final and a control
// key is set.
//
// Faults (Options.Faults and Server.FailNth) inject latency, 5xx before the payout is
// committed, 429 with Retry-After, dropped connections or 5xx AFTER the commit (the order
// exists, the client sees no answer; Faults.Error5xxCodes mixes the 5xx statuses), and
// type=error answers with or without an order id. A second payout with a client_orderid already seen is
// accepted and COUNTED as a duplicate (Stats.Duplicates): the sandbox never hides one.
//
// Counters are available as Server.Stats and as JSON on GET /sandbox/stats; Server.Orders is
// the sandbox's own record of each committed payout, for checking results against it.
package sandbox
