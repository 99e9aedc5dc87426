package signer

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// OAuth parameter names and fixed values.
const (
	oauthConsumerKey     = "oauth_consumer_key"
	oauthNonce           = "oauth_nonce"
	oauthSignature       = "oauth_signature"
	oauthSignatureMethod = "oauth_signature_method"
	oauthTimestamp       = "oauth_timestamp"
	oauthVersion         = "oauth_version"

	// SignatureMethod is the only oauth_signature_method signed and accepted.
	SignatureMethod = "RSA-SHA256"
	// OAuthVersion is the oauth_version sent.
	OAuthVersion = "1.0"
)

// BaseURL returns the base string URI of rawURL: lowercase scheme and host, the default port
// (80 for http, 443 for https) dropped, the path as sent ("/" when empty). A URL that is not
// absolute http(s), or that has a query, fragment or user info, wraps ErrInvalidURL.
func BaseURL(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%w: scheme must be http or https", ErrInvalidURL)
	}
	if u.Opaque != "" || u.Host == "" {
		return "", fmt.Errorf("%w: URL must be absolute with a host", ErrInvalidURL)
	}
	if u.User != nil {
		return "", fmt.Errorf("%w: user info is not allowed", ErrInvalidURL)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", fmt.Errorf("%w: query parameters are not signed; send them in the body", ErrInvalidURL)
	}
	if u.Fragment != "" || strings.Contains(rawURL, "#") {
		return "", fmt.Errorf("%w: fragment is not allowed", ErrInvalidURL)
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, nil
}

// pair is one percent-encoded parameter.
type pair struct{ name, value string }

// encodeParams percent-encodes business parameters, rejecting empty and oauth_ names.
// The result has room for the oauth parameters.
func encodeParams(params []Param) ([]pair, error) {
	pairs := make([]pair, 0, len(params)+5)
	for i, p := range params {
		if p.Name == "" {
			return nil, fmt.Errorf("%w: parameter %d has an empty name", ErrInvalidParam, i+1)
		}
		if strings.HasPrefix(p.Name, "oauth_") {
			return nil, fmt.Errorf("%w: parameter %q is reserved for the Authorization header", ErrInvalidParam, p.Name)
		}
		pairs = append(pairs, pair{PercentEncode(p.Name), PercentEncode(p.Value)})
	}
	return pairs, nil
}

// normalize sorts pairs by encoded name, then encoded value (byte order) and joins them.
func normalize(pairs []pair) string {
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	n := 0
	for _, p := range pairs {
		n += len(p.name) + len(p.value) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// baseString is METHOD & enc(baseURL) & enc(normalized).
func baseString(method, baseURL, normalized string) string {
	var b strings.Builder
	b.Grow(len(method) + 3*len(baseURL) + 3*len(normalized) + 2)
	b.WriteString(method)
	b.WriteByte('&')
	appendEncoded(&b, baseURL)
	b.WriteByte('&')
	appendEncoded(&b, normalized)
	return b.String()
}

// normalizeMethod upper-cases an HTTP method and checks it is a token.
func normalizeMethod(method string) (string, error) {
	if method == "" {
		return "", fmt.Errorf("%w: empty HTTP method", ErrInvalidParam)
	}
	for i := 0; i < len(method); i++ {
		c := method[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return "", fmt.Errorf("%w: HTTP method %q", ErrInvalidParam, method)
		}
	}
	return strings.ToUpper(method), nil
}

// FormBody form-encodes params in their given order with PercentEncode (space is %20, + is
// %2B): name=value joined with &. It is the exact POST body that goes with a signature.
func FormBody(params []Param) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		appendEncoded(&b, p.Name)
		b.WriteByte('=')
		appendEncoded(&b, p.Value)
	}
	return b.String()
}
