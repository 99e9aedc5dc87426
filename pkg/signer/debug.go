package signer

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The helpers below reproduce one request exactly (`worker sign`, a merchant's 403): never use
// FixedNonce or FixedClock to send requests, a gateway refuses a repeated nonce.

// FixedNonce is a NonceSource that always gives the same nonce.
type FixedNonce string

// Nonce returns n.
func (n FixedNonce) Nonce() (string, error) { return string(n), nil }

// FixedClock is a Clock stopped at one oauth_timestamp (Unix seconds).
type FixedClock int64

// Now returns the instant c.
func (c FixedClock) Now() time.Time { return time.Unix(int64(c), 0) }

// ParseTimestamp parses an oauth_timestamp: Unix seconds, not negative. Anything else wraps
// ErrInvalidParam.
func ParseTimestamp(s string) (FixedClock, error) {
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ts < 0 {
		return 0, fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrInvalidParam, s)
	}
	return FixedClock(ts), nil
}

// ParseParams splits name=value arguments on the first '=', keeping order and repeats; values
// may be empty and hold any text. An argument without '=' or with an empty name wraps
// ErrInvalidParam.
func ParseParams(args []string) ([]Param, error) {
	params := make([]Param, 0, len(args))
	for _, arg := range args {
		name, value, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("%w: parameter %q has no '=' (want name=value)", ErrInvalidParam, arg)
		}
		if name == "" {
			return nil, fmt.Errorf("%w: parameter %q has an empty name", ErrInvalidParam, arg)
		}
		params = append(params, Param{Name: name, Value: value})
	}
	return params, nil
}

// WriteText writes d as labelled paragraphs: the normalized parameters, the signature base
// string, the POST body, both signature encodings and the Authorization header.
func (d Debug) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "Normalized parameters:\n%s\n\nSignature base string:\n%s\n\nPOST body:\n%s\n\n"+
		"Signature (hex):\n%s\n\nSignature (base64):\n%s\n\nAuthorization header:\nAuthorization: %s\n",
		d.NormalizedParameters, d.SignatureBaseString, d.Body, d.SignatureHex, d.SignatureBase64, d.AuthorizationHeader)
	return err
}
