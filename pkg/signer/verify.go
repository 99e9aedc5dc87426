package signer

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
)

// DefaultWindow is the default accepted distance between oauth_timestamp and the verifier's
// clock, in either direction.
const DefaultWindow = 5 * time.Minute

// Verifier checks signed requests with a merchant's public key (for the sandbox gateway). It
// is safe for concurrent use.
type Verifier struct {
	pub    *rsa.PublicKey
	window time.Duration
	clock  Clock
	nonces NonceStore
}

// VerifierOption configures a Verifier.
type VerifierOption func(*Verifier)

// WithTimestampWindow sets the accepted |now - oauth_timestamp| (default DefaultWindow).
func WithTimestampWindow(d time.Duration) VerifierOption {
	return func(v *Verifier) { v.window = d }
}

// WithVerifierClock sets the verifier's clock (default time.Now); the default nonce store uses
// it too.
func WithVerifierClock(c Clock) VerifierOption { return func(v *Verifier) { v.clock = c } }

// WithNonceStore sets the replay store (default: a MemoryNonceStore whose TTL is the window).
func WithNonceStore(s NonceStore) VerifierOption { return func(v *Verifier) { v.nonces = s } }

// NewVerifier returns a Verifier for pub.
func NewVerifier(pub *rsa.PublicKey, opts ...VerifierOption) *Verifier {
	v := &Verifier{pub: pub, window: DefaultWindow}
	for _, o := range opts {
		o(v)
	}
	if v.clock == nil {
		v.clock = systemClock{}
	}
	if v.nonces == nil {
		v.nonces = NewMemoryNonceStore(v.window, v.clock)
	}
	return v
}

// Verify checks an incoming request: method, full URL (scheme://host[:port]/path as the
// client addressed it; no query), the Authorization header value and the form body params.
// In order it checks: header syntax and required parameters (ErrMalformedHeader),
// oauth_signature_method RSA-SHA256 and oauth_version 1.0 when present (ErrUnsupportedMethod),
// the signature (ErrBadSignature), the timestamp window (ErrStaleTimestamp) and, last, the
// nonce (ErrReplayedNonce), so only authentic requests are recorded in the nonce store.
// It returns the oauth_consumer_key on success.
func (v *Verifier) Verify(method, rawURL, authorization string, params []Param) (consumerKey string, err error) {
	if v.pub == nil {
		return "", fmt.Errorf("signer: verify: %w: no public key", ErrInvalidKey)
	}
	h, err := ParseAuthorizationHeader(authorization)
	if err != nil {
		return "", fmt.Errorf("signer: verify: %w", err)
	}
	for name := range h {
		switch name {
		case oauthConsumerKey, oauthNonce, oauthSignature, oauthSignatureMethod, oauthTimestamp, oauthVersion:
		default:
			return "", fmt.Errorf("signer: verify: %w: unexpected parameter %q", ErrMalformedHeader, name)
		}
	}
	for _, name := range []string{oauthConsumerKey, oauthNonce, oauthSignature, oauthSignatureMethod, oauthTimestamp} {
		if h[name] == "" {
			return "", fmt.Errorf("signer: verify: %w: missing %s", ErrMalformedHeader, name)
		}
	}
	if m := h[oauthSignatureMethod]; m != SignatureMethod {
		return "", fmt.Errorf("signer: verify: %w: %q", ErrUnsupportedMethod, m)
	}
	version, hasVersion := h[oauthVersion]
	if hasVersion && version != OAuthVersion {
		return "", fmt.Errorf("signer: verify: %w: oauth_version %q", ErrUnsupportedMethod, version)
	}
	tsText := h[oauthTimestamp]
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil || ts < 0 || tsText[0] == '+' {
		return "", fmt.Errorf("signer: verify: %w: oauth_timestamp %q is not Unix seconds", ErrMalformedHeader, tsText)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(h[oauthSignature])
	if err != nil {
		return "", fmt.Errorf("signer: verify: %w: oauth_signature is not base64", ErrBadSignature)
	}

	method, err = normalizeMethod(method)
	if err != nil {
		return "", fmt.Errorf("signer: verify: %w", err)
	}
	base, err := BaseURL(rawURL)
	if err != nil {
		return "", fmt.Errorf("signer: verify: %w", err)
	}
	pairs, err := encodeParams(params)
	if err != nil {
		return "", fmt.Errorf("signer: verify: %w", err)
	}
	o := oauthParams{
		consumerKey: PercentEncode(h[oauthConsumerKey]),
		nonce:       PercentEncode(h[oauthNonce]),
		method:      SignatureMethod,
		timestamp:   PercentEncode(tsText),
	}
	if hasVersion {
		o.version = OAuthVersion
	}
	bs := baseString(method, base, normalize(o.appendTo(pairs)))
	digest := sha256.Sum256([]byte(bs))
	if err := rsa.VerifyPKCS1v15(v.pub, crypto.SHA256, digest[:], sig); err != nil {
		return "", fmt.Errorf("signer: verify: %w", ErrBadSignature)
	}

	at := time.Unix(ts, 0)
	if d := v.clock.Now().Sub(at).Abs(); d > v.window {
		return "", fmt.Errorf("signer: verify: %w: oauth_timestamp %d is %s away, window %s", ErrStaleTimestamp, ts, d.Truncate(time.Second), v.window)
	}
	ck := h[oauthConsumerKey]
	if v.nonces.Seen(ck, h[oauthNonce], at) {
		return "", fmt.Errorf("signer: verify: %w: consumer %q", ErrReplayedNonce, ck)
	}
	return ck, nil
}
