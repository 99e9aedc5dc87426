// Package signer signs ConnPay gateway requests with OAuth 1.0a RSA-SHA256, exactly as the
// gateway checks them, and verifies such requests (for the sandbox gateway).
//
// Signing (see docs/signing.md):
//
//  1. The oauth parameters are oauth_consumer_key (the merchant login), oauth_nonce (fresh per
//     call of [Signer.Sign], retries included), oauth_signature_method=RSA-SHA256,
//     oauth_timestamp (Unix seconds) and oauth_version=1.0. There is no token.
//  2. Every business parameter and the five oauth parameters are percent-encoded per RFC 3986
//     ([PercentEncode]: only A-Z a-z 0-9 - . _ ~ stay, every other byte becomes %XX uppercase),
//     sorted by encoded name then encoded value and joined as name=value with & (the
//     normalized parameters).
//  3. The base string is METHOD & enc(base URL) & enc(normalized parameters), where the base URL
//     has a lowercase scheme and host, no default port, the path, and no query. A URL with a
//     query, fragment or user info is rejected (ErrInvalidURL): the gateway never uses query
//     parameters, and signing them would need them in the base string too.
//  4. The signature is RSASSA-PKCS1-v1_5 with SHA-256 over the base string, standard base64
//     with padding, sent in the Authorization header; the body carries only the business
//     parameters ([Debug.Body]).
//
// A [Signer] and a [Verifier] are safe for concurrent use. Errors never contain key material.
package signer
