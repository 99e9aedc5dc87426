package signer

import (
	"fmt"
	"strings"
)

// ParseAuthorizationHeader parses an `OAuth k="v", ...` Authorization header value into its
// percent-decoded parameters. The scheme is case-insensitive; spaces and tabs around names,
// '=' and commas are allowed; values may be quoted (with backslash escapes) or bare tokens;
// parameter order is free. realm is ignored. A duplicate parameter, a bad percent escape, an
// unterminated quote or a missing comma wraps ErrMalformedHeader. It does not check which
// parameters are present (Verify does).
func ParseAuthorizationHeader(header string) (map[string]string, error) {
	p := headerParser{s: header}
	p.skipSpace()
	scheme := p.token()
	if !strings.EqualFold(scheme, "OAuth") {
		return nil, fmt.Errorf("%w: scheme is not OAuth", ErrMalformedHeader)
	}
	if p.i < len(p.s) && !isSpace(p.s[p.i]) {
		return nil, fmt.Errorf("%w: scheme is not OAuth", ErrMalformedHeader)
	}
	out := make(map[string]string, 6)
	for {
		p.skipSpaceAndCommas()
		if p.i >= len(p.s) {
			return out, nil
		}
		rawName := p.token()
		if rawName == "" {
			return nil, fmt.Errorf("%w: expected a parameter name at byte %d", ErrMalformedHeader, p.i)
		}
		p.skipSpace()
		if !p.consume('=') {
			return nil, fmt.Errorf("%w: parameter without '=' at byte %d", ErrMalformedHeader, p.i)
		}
		p.skipSpace()
		rawValue, err := p.value()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i < len(p.s) && !p.consume(',') {
			return nil, fmt.Errorf("%w: expected ',' at byte %d", ErrMalformedHeader, p.i)
		}
		if strings.EqualFold(rawName, "realm") {
			continue
		}
		name, err1 := PercentDecode(rawName)
		value, err2 := PercentDecode(rawValue)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: bad percent escape in parameter %q", ErrMalformedHeader, rawName)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%w: duplicate parameter %q", ErrMalformedHeader, name)
		}
		out[name] = value
	}
}

type headerParser struct {
	s string
	i int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// isTokenChar reports the RFC 9110 tchar set.
func isTokenChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *headerParser) skipSpace() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

func (p *headerParser) skipSpaceAndCommas() {
	for p.i < len(p.s) && (isSpace(p.s[p.i]) || p.s[p.i] == ',') {
		p.i++
	}
}

func (p *headerParser) consume(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *headerParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// value reads a quoted string (backslash escapes) or a bare token.
func (p *headerParser) value() (string, error) {
	if !p.consume('"') {
		return p.token(), nil
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if p.i >= len(p.s) {
				return "", fmt.Errorf("%w: unterminated quoted value", ErrMalformedHeader)
			}
			c = p.s[p.i]
			p.i++
		}
		b.WriteByte(c)
	}
	return "", fmt.Errorf("%w: unterminated quoted value", ErrMalformedHeader)
}
