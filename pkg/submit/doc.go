// Package submit is the ConnPay gateway client: the payout and status calls, response parsing
// and the outcome classes a payout worker acts on.
//
// Every outcome of a call is either a result (PayoutResult, StatusResult) or an *Error whose
// Class matches exactly one sentinel with errors.Is:
//
//   - ErrRejected: a validation-error answer to a payout; no payout exists.
//   - ErrGatewayError: a type=error answer; it may carry an order id and does NOT prove that no
//     payout exists.
//   - ErrAuth: HTTP 401/403 (bad signature, unknown merchant); retrying will not help.
//   - ErrRetryable: the request never left this machine (DNS, connection refused, TLS handshake,
//     limiter refusal); sending it again cannot create a second payout.
//   - ErrAmbiguous: the request was written but no usable answer came back (timeout, reset, EOF,
//     5xx, other non-200, unparseable 200). A payout may exist: look it up with Status by
//     client_orderid before sending it again.
//   - ErrThrottled: HTTP 429. Treated as "not processed" (see Options.Treat429AsAmbiguous).
//   - ErrNotFound: a status lookup by client_orderid answered validation-error or error
//     without a paynet-order-id AND with an error-code listed in Options.NotFoundCodes. No
//     codes (the default): never; absence is then never proven.
//   - ErrInvalidRequest: the call was refused locally (missing client_orderid, signing failed);
//     nothing was sent.
//
// The client repeats only calls that are safe to repeat: status lookups, and payouts that
// never left the machine (ErrRetryable) or were throttled (ErrThrottled). A payout with an
// ambiguous outcome is never re-sent by the client. Every attempt is signed afresh (new nonce
// and timestamp).
package submit
