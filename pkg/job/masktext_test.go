package job

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestMaskTextCatchesEveryDisguise: the separators, widths and scripts a gateway (or a person)
// writes a card number with are all caught; amounts are not digit-masked; control, invisible and
// bidirectional characters never pass.
func TestMaskTextCatchesEveryDisguise(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"card 4111.1111.1111.1111 declined":  "card ****.****.****.1111 declined",
		"card 4111  1111  1111  1111":        "card ****  ****  ****  1111",
		"4111/1111/1111/1111":                "****/****/****/1111",
		"4111_1111_1111_1111":                "****_****_****_1111",
		"４１１１１１１１１１１１１１１１":                   "************１１１１",
		"4111\u00a01111\u00a01111\u00a01111": "****\u00a0****\u00a0****\u00a01111",
		"4111\u200b111111111111":             "****\ufffd********1111",
		"٤١١١١١١١١١١١١١١١":                   "************١١١١",
		"acct DE89370400440532013000":        "acct DE****************3000",
		"4111 – 1111 – 1111 – 1111":          "**** – **** – **** – 1111",
		"4111-1111-1111-1111":                "****-****-****-1111",
		"card 411111******1111 refused":      "card ************1111 refused",
		// amounts keep their digits
		"limit 12345678.90 USD exceeded": "limit 12345678.90 USD exceeded",
		"amount 1,234,567.89":            "amount 1,234,567.89",
		"amount 1.234.567,89 EUR":        "amount 1.234.567,89 EUR",
		"amount 12,345,678":              "amount 12,345,678",
		"1 000 000.00":                   "1 000 000.00",
		"order 1234567 of 12345678":      "order 1234567 of ****5678",
		"12 34":                          "12 34",
		// control, escape, invisible and bidi characters never pass
		"\x1b[31mred\x1b[0m":   "\ufffd[31mred\ufffd[0m",
		"a\r\nb\tc\x00":        "a\ufffd\ufffdb\ufffdc\ufffd",
		"evil\u202egnp.exe":    "evil\ufffdgnp.exe",
		"bad \xff utf8":        "bad \ufffd utf8",
		"next\u0085line\u009b": "next\ufffdline\ufffd",
	} {
		if got := MaskText(in); got != want {
			t.Errorf("MaskText(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// checkMaskText is the property every output of MaskText has: nothing invisible or controlling
// remains, masking twice changes nothing, and every run of 8 or more digits (masked or not, joined
// by up to 3 separators) that is not amount-shaped shows at most its last 4 digits.
func checkMaskText(t *testing.T, in string) {
	t.Helper()
	out := MaskText(in)
	if !utf8.ValidString(out) {
		t.Fatalf("MaskText(%q) = %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("MaskText(%q) = %q keeps %U", in, out, r)
		}
	}
	if again := MaskText(out); again != out {
		t.Fatalf("MaskText not idempotent: %q -> %q -> %q", in, out, again)
	}
	rs := []rune(out)
	digitOrStar := func(r rune) bool { return r == '*' || unicode.IsDigit(r) }
	for i := 0; i < len(rs); {
		if !digitOrStar(rs[i]) {
			i++
			continue
		}
		j, n, visible := i, 0, 0
		for j < len(rs) {
			if digitOrStar(rs[j]) {
				n++
				if rs[j] != '*' {
					visible++
				}
				j++
				continue
			}
			k := j
			for k < len(rs) && k-j < 3 && isMaskSep(rs[k]) {
				k++
			}
			if k == j || k == len(rs) || !digitOrStar(rs[k]) {
				break
			}
			j = k
		}
		if n >= maskRunMin && visible > maskKeep && !amountShaped(rs[i:j]) {
			t.Fatalf("MaskText(%q) = %q leaves %q", in, out, string(rs[i:j]))
		}
		i = j
	}
}

func FuzzMaskText(f *testing.F) {
	for _, s := range []string{
		"4111111111111111", "4111.1111.1111.1111", "4111  1111  1111  1111", "4111/1111/1111/1111",
		"4111_1111_1111_1111", "４１１１１１１１１１１１１１１１", "4111\u200b1111\u200d1111\u2060111", "12345678.90",
		"1,234,567.89", "\x1b]0;title\x07", "DE89 3704 0044 0532 0130 00", "4111 - 1111 - 1111 - 1111",
		"١٢٣٤٥٦٧٨٩٠١٢", "𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏", "1.234.567,89", "4111.1111.1111.111", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMaskText(t, s)
		if strings.Contains(MaskText("x "+s+" 4111111111111111"), "4111111111111111") {
			t.Fatalf("card number survives next to %q", s)
		}
	})
}

// BenchmarkMaskTextLongRun masks one digit run of 1 KiB and of 1 MiB (a gateway answer may be
// that long): ns/byte must stay flat (linear time), compare the two sub-benchmarks.
func BenchmarkMaskTextLongRun(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 20} {
		s := strings.Repeat("4111 ", n/5)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				MaskText(s)
			}
		})
	}
}
