package signer

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Param is one request parameter. Order is kept and names may repeat. It is pkg/signer's own
// (this package imports nothing of payrun); job.Param has the same fields.
type Param struct{ Name, Value string }

// Clock gives the current time (injectable for tests). It is payrun's one clock: pkg/signer is
// the lowest package that needs one, so job.Clock and payout.Clock are aliases of it and the
// sandbox takes it as it is.
type Clock interface{ Now() time.Time }

// NonceSource gives a fresh nonce per request. Implementations must be safe for concurrent use.
type NonceSource interface{ Nonce() (string, error) }

// Debug is the request builder's view of one signed request: everything needed to send it
// (AuthorizationHeader, Body) and to explain a 403.
type Debug struct {
	NormalizedParameters string `json:"normalized_parameters"`
	SignatureBaseString  string `json:"signature_base_string"`
	SignatureBase64      string `json:"signature_base64"`
	SignatureHex         string `json:"signature_hex"`
	// AuthorizationHeader is the header value, starting with "OAuth ".
	AuthorizationHeader string `json:"authorization_header"`
	// Body is the business parameters form-encoded in their given order with RFC 3986
	// percent-encoding (see FormBody). Send exactly these bytes as the POST body.
	Body string `json:"body"`
}

// MinKeyBits is the shortest RSA modulus accepted.
const MinKeyBits = 2048

// Signer signs requests for one merchant. It is immutable after New and safe for concurrent
// use (as long as the injected Clock and NonceSource are).
type Signer struct {
	key         *rsa.PrivateKey
	consumerKey string
	clock       Clock
	nonces      NonceSource
}

// Option configures a Signer.
type Option func(*Signer)

// WithClock sets the clock for oauth_timestamp (default: time.Now).
func WithClock(c Clock) Option { return func(s *Signer) { s.clock = c } }

// WithNonceSource sets the nonce source (default: crypto/rand, 32 characters of [A-Za-z0-9]).
func WithNonceSource(n NonceSource) Option { return func(s *Signer) { s.nonces = n } }

// New returns a Signer for the RSA key and consumer key (the merchant login). The key must be
// at least MinKeyBits long; New precomputes its CRT values (mutating key once, before any
// concurrent use).
func New(key *rsa.PrivateKey, consumerKey string, opts ...Option) (*Signer, error) {
	if key == nil {
		return nil, fmt.Errorf("signer: new: %w: nil key", ErrInvalidKey)
	}
	if err := checkKeySize(&key.PublicKey); err != nil {
		return nil, fmt.Errorf("signer: new: %w", err)
	}
	if consumerKey == "" {
		return nil, fmt.Errorf("signer: new: %w: empty consumer key (merchant login)", ErrInvalidParam)
	}
	key.Precompute()
	s := &Signer{key: key, consumerKey: consumerKey, clock: systemClock{}, nonces: randomNonces{}}
	for _, o := range opts {
		o(s)
	}
	if s.clock == nil || s.nonces == nil {
		return nil, fmt.Errorf("signer: new: %w: nil clock or nonce source", ErrInvalidParam)
	}
	return s, nil
}

// ConsumerKey returns the oauth_consumer_key the signer signs with (the merchant login).
func (s *Signer) ConsumerKey() string { return s.consumerKey }

// Sign signs a request with a fresh nonce and the current time. Call it again for every
// attempt, retries included.
func (s *Signer) Sign(method, rawURL string, params []Param) (Debug, error) {
	nonce, err := s.nonces.Nonce()
	if err != nil {
		return Debug{}, fmt.Errorf("signer: sign: nonce: %w", err)
	}
	return s.SignAt(method, rawURL, params, nonce, s.clock.Now().Unix())
}

// SignAt signs a request with the given nonce and Unix timestamp (for vectors and the sign
// command). Params are the business parameters only; a name starting with oauth_ is rejected.
func (s *Signer) SignAt(method, rawURL string, params []Param, nonce string, timestamp int64) (Debug, error) {
	d, o, err := s.prepare(method, rawURL, params, nonce, timestamp)
	if err != nil {
		return Debug{}, fmt.Errorf("signer: sign: %w", err)
	}
	digest := sha256.Sum256([]byte(d.SignatureBaseString))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, digest[:])
	if err != nil {
		return Debug{}, fmt.Errorf("signer: sign: rsa: %w", err)
	}
	finish(&d, o, sig, params)
	return d, nil
}

// prepare validates the inputs and builds the normalized parameters and base string.
func (s *Signer) prepare(method, rawURL string, params []Param, nonce string, timestamp int64) (Debug, oauthParams, error) {
	method, err := normalizeMethod(method)
	if err != nil {
		return Debug{}, oauthParams{}, err
	}
	base, err := BaseURL(rawURL)
	if err != nil {
		return Debug{}, oauthParams{}, err
	}
	if nonce == "" {
		return Debug{}, oauthParams{}, fmt.Errorf("%w: empty nonce", ErrInvalidParam)
	}
	if timestamp < 0 {
		return Debug{}, oauthParams{}, fmt.Errorf("%w: negative timestamp", ErrInvalidParam)
	}
	pairs, err := encodeParams(params)
	if err != nil {
		return Debug{}, oauthParams{}, err
	}
	o := oauthParams{
		consumerKey: PercentEncode(s.consumerKey),
		nonce:       PercentEncode(nonce),
		timestamp:   strconv.FormatInt(timestamp, 10),
		method:      SignatureMethod,
		version:     OAuthVersion,
	}
	d := Debug{NormalizedParameters: normalize(o.appendTo(pairs))}
	d.SignatureBaseString = baseString(method, base, d.NormalizedParameters)
	return d, o, nil
}

// finish fills the signature encodings, the header and the body.
func finish(d *Debug, o oauthParams, sig []byte, params []Param) {
	d.SignatureBase64 = base64.StdEncoding.EncodeToString(sig)
	d.SignatureHex = hex.EncodeToString(sig)
	o.signature = PercentEncode(d.SignatureBase64)
	d.AuthorizationHeader = o.header()
	d.Body = FormBody(params)
}

// oauthParams holds the percent-encoded oauth values of one request.
type oauthParams struct {
	consumerKey, nonce, signature, method, timestamp, version string
}

// appendTo adds the signed oauth parameters (all but the signature) to pairs.
func (o oauthParams) appendTo(pairs []pair) []pair {
	pairs = append(pairs,
		pair{oauthConsumerKey, o.consumerKey},
		pair{oauthNonce, o.nonce},
		pair{oauthSignatureMethod, o.method},
		pair{oauthTimestamp, o.timestamp},
	)
	if o.version != "" {
		pairs = append(pairs, pair{oauthVersion, o.version})
	}
	return pairs
}

// header renders the Authorization header value in the gateway's order.
func (o oauthParams) header() string {
	var b strings.Builder
	b.Grow(160 + len(o.consumerKey) + len(o.nonce) + len(o.signature))
	b.WriteString("OAuth ")
	for i, p := range [...]pair{
		{oauthConsumerKey, o.consumerKey}, {oauthNonce, o.nonce}, {oauthSignature, o.signature},
		{oauthSignatureMethod, o.method}, {oauthTimestamp, o.timestamp}, {oauthVersion, o.version},
	} {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.name)
		b.WriteString(`="`)
		b.WriteString(p.value)
		b.WriteByte('"')
	}
	return b.String()
}
