package job

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Gateway error text is kept whole up to MaxErrorText bytes (far beyond the 1 KiB it used to be
// cut at); longer text is cut on a character boundary and says how much was cut, so that a row's
// ledger entry, result and dead letter always fit a message.
//
// Protects I2 (a row whose gateway answer is huge still gets its result).
func TestBoundErrorText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", MaxErrorText) // 2 bytes each: twice the bound
	cases := []struct {
		name, in string
		whole    bool
	}{
		{"empty", "", true},
		{"6 KiB kept whole", strings.Repeat("gateway says: no. ", 6<<10/18), true},
		{"exactly the bound", strings.Repeat("x", MaxErrorText), true},
		{"one byte over", strings.Repeat("x", MaxErrorText+1), false},
		{"multi-byte runes over", long, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := BoundErrorText(tc.in)
			if tc.whole {
				if got != tc.in {
					t.Fatalf("text of %d bytes changed (len %d)", len(tc.in), len(got))
				}
				return
			}
			if len(got) > MaxErrorText || !utf8.ValidString(got) {
				t.Fatalf("bounded text is %d bytes (max %d), valid UTF-8 %v", len(got), MaxErrorText, utf8.ValidString(got))
			}
			if !strings.HasSuffix(got, " bytes cut]") || !strings.HasPrefix(tc.in, strings.TrimSuffix(got[:strings.LastIndex(got, " [")], "…")) {
				t.Fatalf("bounded text does not keep the start and say what was cut: …%q", got[max(0, len(got)-60):])
			}
		})
	}
}
