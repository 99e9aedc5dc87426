package signer

import (
	"errors"
	"strings"
)

const upperHex = "0123456789ABCDEF"

// unreserved reports the RFC 3986 unreserved characters: A-Z a-z 0-9 - . _ ~
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// PercentEncode encodes s per RFC 3986 as OAuth 1.0a requires: unreserved characters
// (A-Z a-z 0-9 - . _ ~) are kept, every other byte (UTF-8 bytes included) becomes %XX with
// uppercase hex. A space is %20, never +. This is not url.QueryEscape.
func PercentEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	appendEncoded(&b, s)
	return b.String()
}

// appendEncoded writes PercentEncode(s) to b, copying runs of unreserved bytes at once.
func appendEncoded(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			continue
		}
		b.WriteString(s[start:i])
		b.Write([]byte{'%', upperHex[c>>4], upperHex[c&15]})
		start = i + 1
	}
	b.WriteString(s[start:])
}

// errBadEscape is wrapped by PercentDecode errors.
var errBadEscape = errors.New("invalid percent escape")

// PercentDecode reverses PercentEncode. It accepts upper- and lowercase hex and leaves every
// other byte as is (a + stays a +); a % not followed by two hex digits is an error.
func PercentDecode(s string) (string, error) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, nil
	}
	out := make([]byte, 0, len(s))
	out = append(out, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		if i+2 >= len(s) {
			return "", errBadEscape
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", errBadEscape
		}
		out = append(out, hi<<4|lo)
		i += 2
	}
	return string(out), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
