package job

import (
	"fmt"
	"unicode"
)

// isIdentifier reports whether a parameter identifies a row or where money goes: a value that
// looks like another must be the other (client_orderid, card, account and the other sealed
// numbers).
func isIdentifier(name string) bool {
	return name == "client_orderid" || IsSealedParam(name)
}

// invisibleReason returns why r may not appear in the value of parameter name, or "". Every
// field refuses C1 controls and bidirectional embeddings, overrides and isolates (they reorder
// what a person sees); identifiers also refuse every other invisible or lookalike character:
// format characters (zero-width, soft hyphen, BOM, direction marks), spaces other than ' ',
// combining marks and the Hangul fillers.
func invisibleReason(name string, r rune) string {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return fmt.Sprintf("contains the control character %U", r)
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return fmt.Sprintf("contains the bidirectional control %U, which changes how the text is shown", r)
	case !isIdentifier(name):
		return ""
	case unicode.Is(unicode.Cf, r), r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0:
		return fmt.Sprintf("contains the invisible character %U; two values that look the same must be the same", r)
	case r != ' ' && unicode.IsSpace(r):
		return fmt.Sprintf("contains the space character %U; only a plain space is allowed here", r)
	case unicode.In(r, unicode.Mn, unicode.Me):
		return fmt.Sprintf("contains the combining mark %U; write the character precomposed", r)
	}
	return ""
}
