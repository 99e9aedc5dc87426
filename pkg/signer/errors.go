package signer

import "errors"

// Sentinel errors. Every error returned by this package wraps one of them (errors.Is) and
// carries an operation prefix; none contains key material.
var (
	// ErrInvalidURL: the URL cannot be signed (not absolute http(s), has a query, fragment or
	// user info).
	ErrInvalidURL = errors.New("invalid URL")
	// ErrInvalidParam: a parameter name is empty or uses the reserved oauth_ prefix, or the
	// method, nonce, timestamp or consumer key is unusable.
	ErrInvalidParam = errors.New("invalid parameter")

	// ErrNotPEM: the key bytes hold no PEM block.
	ErrNotPEM = errors.New("not PEM")
	// ErrKeyMissing: the key file does not exist (the error also wraps fs.ErrNotExist).
	ErrKeyMissing = errors.New("key file missing")
	// ErrEncryptedKey: the PEM key is encrypted (Proc-Type: 4,ENCRYPTED or ENCRYPTED PRIVATE KEY).
	ErrEncryptedKey = errors.New("key is encrypted; decrypt it first")
	// ErrNotRSA: the key is not an RSA key (e.g. EC, Ed25519, DSA).
	ErrNotRSA = errors.New("not an RSA key")
	// ErrKeyTooShort: the RSA modulus is shorter than MinKeyBits.
	ErrKeyTooShort = errors.New("RSA key too short")
	// ErrInvalidKey: the PEM block is of an unsupported type or its contents do not parse.
	ErrInvalidKey = errors.New("invalid key")

	// ErrMalformedHeader: the Authorization header cannot be parsed or lacks a parameter.
	ErrMalformedHeader = errors.New("malformed Authorization header")
	// ErrUnsupportedMethod: oauth_signature_method is not RSA-SHA256 or oauth_version not 1.0.
	ErrUnsupportedMethod = errors.New("unsupported signature method")
	// ErrBadSignature: the signature does not match the request.
	ErrBadSignature = errors.New("bad signature")
	// ErrStaleTimestamp: oauth_timestamp is outside the verifier's window.
	ErrStaleTimestamp = errors.New("timestamp outside the accepted window")
	// ErrReplayedNonce: the nonce was already used by this consumer key within the window.
	ErrReplayedNonce = errors.New("replayed nonce")
)
