package job

import (
	"fmt"
	"strings"
	"testing"
)

func TestAmountHint(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, currency, want string }{
		{"1,234.56", "USD", "1234.56"},
		{"1 234,56", "EUR", "1234.56"},
		{"1\u00a0234,56", "EUR", "1234.56"},
		{"1'234.50", "CHF", "1234.50"},
		{"1.234,56", "EUR", "1234.56"},
		{"10,50", "EUR", "10.50"},
		{"1,234,567", "JPY", "1234567"},
		{"1.234.567", "JPY", "1234567"},
		{"1 000", "USD", "1000"},
		{"1 234,567", "KWD", "1234.567"},
		{"1,234", "USD", ""},     // 1234 or 1.234: two readings
		{"1,234", "KWD", ""},     // the same with three minor units
		{"1,23,456", "INR", ""},  // not groups of three
		{"1,234.567", "USD", ""}, // three fraction digits: USD has two
		{"10,5", "JPY", ""},      // JPY has no fraction
		{"-1,50", "EUR", ""},
		{"1 234.5,6", "EUR", ""},
		{"10.555", "USD", ""},
		{"$10", "USD", ""},
		{"1,5", "XXX", ""},
	}
	for _, tt := range tests {
		if got := amountHint(tt.in, tt.currency); got != tt.want {
			t.Errorf("amountHint(%q, %s) = %q, want %q", tt.in, tt.currency, got, tt.want)
		}
		if tt.want != "" {
			if _, err := ParseAmount(tt.in, tt.currency); err == nil {
				t.Errorf("%q parses as is; a hint is only for refused values", tt.in)
			}
		}
	}
}

func TestLayoutDetection(t *testing.T) {
	t.Parallel()
	const h = "client_orderid,amount,currency,account_number"
	tests := []struct {
		name   string
		in     string
		layout string // delimiter, title lines, header line
		errs   []string
	}{
		{"comma", h + "\no1,1.00,USD,1234567890\n", "comma [] 1", nil},
		{"semicolon", strings.ReplaceAll(h, ",", ";") + "\no1;1.00;USD;1234567890\n", "semicolon [] 1", nil},
		{"tab", strings.ReplaceAll(h, ",", "\t") + "\no1\t1.00\tUSD\t1234567890\n", "tab [] 1", nil},
		{"sep line wins", "sep=;\r\n" + strings.ReplaceAll(h, ",", ";") + "\r\no1;1.00;USD;1234567890\r\n", "semicolon [] 2", nil},
		{"sep line against the header", "sep=;\n" + h + "\no1,1.00,USD,1234567890\n", "semicolon [] 2",
			[]string{"2:1::the first line is not a header"}},
		{"SEP= in capitals", "SEP=;\n" + strings.ReplaceAll(h, ",", ";") + "\no1;1.00;USD;1234567890\n", "semicolon [] 2", nil},
		{"sep pipe refused", "sep=|\n" + h + "\n", "", []string{`1:1::the first line "sep=|" names a delimiter`}},
		{"three title lines", "Payroll\n,,,\nNovember\n" + h + "\no1,1.00,USD,1234567890\n", "comma [1 2 3] 4", nil},
		{"four title lines are too many", "A\nB\nC\nD\n" + h + "\no1,1.00,USD,1234567890\n", "comma [] 1",
			[]string{"1:1::the first line is not a header"}},
		// A row of data above the header is never skipped as a title.
		{"data above header", "o0,9.99,USD,1234567890\n" + h + "\no1,1.00,USD,1234567890\n", "comma [] 1",
			[]string{"1:1::the first line is not a header"}},
		{"known name in title", "amount\n" + h + "\no1,1.00,USD,1234567890\n", "comma [] 1",
			[]string{"1:1:client_orderid:required column is missing"}},
		{"ambiguous", "x;client_orderid;amount;y,currency,account_number,z\n", "",
			[]string{"1:1::cannot tell the delimiter: the header reads as 2 parameter names with comma and as 2 parameter names with semicolon"}},
		{"no header at all", "a;b;c\n", "comma [] 1", []string{"1:1::the first line is not a header"}},
		{"utf-16 without BOM", "c\x00l\x00i\x00e\x00n\x00t\x00_\x00o\x00", "", []string{"1:0::UTF-16 text without a byte order mark"}},
		{"card number as client_orderid", h + "\nref-4111-1111-1111-1111,1.00,USD,1234567890\n", "comma [] 1",
			[]string{"2:1:client_orderid:holds what looks like a card number (************1111)"}},
		{"ods", "PK\x03\x04\x14\x00\x00\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "",
			[]string{"1:0::this is an OpenDocument spreadsheet (.ods)"}},
		{"not UTF-8 beyond the sniffed start", h + "\n" + fillRows(sniffBytes) + "last,1.00,USD,12345\xe9\n", "comma [] 1",
			[]string{"::account_number:is not valid UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewReader(strings.NewReader(tt.in), "t.csv", WithClock(testToday))
			var errs []*ValidationError
			for {
				_, err := r.Next()
				if err != nil {
					ve, ok := err.(*ValidationError)
					if !ok {
						break
					}
					errs = append(errs, ve)
				}
			}
			l := r.Layout()
			got := ""
			if l.Delimiter != 0 {
				got = fmt.Sprintf("%s %v %d", DelimiterName(l.Delimiter), l.TitleLines, l.HeaderLine)
			}
			if got != tt.layout {
				t.Errorf("layout %q, want %q", got, tt.layout)
			}
			if len(errs) < len(tt.errs) {
				t.Fatalf("errors %v, want %q", errs, tt.errs)
			}
			for i, w := range tt.errs {
				e := errs[i]
				pos := fmt.Sprintf("%d:%d:%s", e.Line, e.Column, e.Key)
				if rest, ok := strings.CutPrefix(w, "::"); ok { // line and column not checked
					w = fmt.Sprintf("%d:%d:%s", e.Line, e.Column, rest)
				}
				parts := strings.SplitN(w, ":", 4)
				if pos != strings.Join(parts[:3], ":") || !strings.Contains(e.Reason, parts[3]) {
					t.Errorf("error %d = %s %q, want %s", i, pos, e.Reason, w)
				}
			}
		})
	}
}

// fillRows returns valid rows of at least n bytes.
func fillRows(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "fill-%d,1.00,USD,1234567890\n", i)
	}
	return b.String()
}
