package job

import (
	"strings"
	"testing"
)

// Two rows that look identical must not both be paid: invisible, bidirectional and lookalike
// characters are refused in ids, account and card numbers (issue 16); bidi overrides and C1
// controls in any field.
func TestInvisibleCharactersRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, key, value string
	}{
		{"zero width space in id", "client_orderid", "o1\u200b"},
		{"zero width joiner in id", "client_orderid", "o\u200d1"},
		{"BOM in id", "client_orderid", "\ufeffo1"},
		{"soft hyphen in account", "account_number", "1234\u00ad567890"},
		{"right-to-left override in account", "account_number", "1234567890\u202e"},
		{"no-break space in account", "account_number", "1234\u00a0567890"},
		{"combining mark in id", "client_orderid", "o\u03011"},
		{"hangul filler in id", "client_orderid", "o\u31641"},
		{"bidi isolate in a name", "receiver_first_name", "Ann\u2067x\u2069"},
		{"C1 control in a name", "receiver_first_name", "Ann\u009b31m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, errs, err := readAll(t, csvRow(tc.key, tc.value))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range errs {
				if e.Key == tc.key && strings.Contains(e.Reason, "U+") {
					found = true
				}
				for _, r := range e.Error() {
					if r == 0x200b || r == 0x202e || r == 0x9b || r == 0x2067 {
						t.Errorf("error message carries %U: %q", r, e.Error())
					}
				}
			}
			if !found {
				t.Errorf("%q in %s accepted (errors %v)", tc.value, tc.key, errs)
			}
		})
	}
	// Ordinary text with non-ASCII letters and spaces stays valid.
	if _, errs, err := readAll(t, csvRow("receiver_first_name", "José Ñúñez", "order_desc", "Lohn für\u00a0November")); err != nil || len(errs) != 0 {
		t.Errorf("ordinary text refused: %v %v", errs, err)
	}
}

// A header name cannot carry a terminal escape or a control character into an error message.
func TestHeaderNamesCannotInjectEscapes(t *testing.T) {
	t.Parallel()
	in := "client_orderid,amount,currency,account_number,\x1b]0;pwned\x07\x1b[2J,\u202eevil\n" +
		"o1,10.00,USD,1234567890,x,y\n"
	_, errs, err := readAll(t, in)
	if err != nil || len(errs) < 2 {
		t.Fatalf("errors %v, %v", errs, err)
	}
	for _, e := range errs {
		for _, r := range e.Error() {
			if r < 0x20 || r == 0x7f || r == 0x202e {
				t.Errorf("error carries %U: %q", r, e.Error())
			}
		}
	}
}
