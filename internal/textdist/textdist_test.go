package textdist

import (
	"strings"
	"testing"
)

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"ack_wait", "ack_wait", 0},
		{"ack_wiat", "ack_wait", 2},
		{"amount", "amonut", 2},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"währung", "wahrung", 1}, // runes, not bytes
		{strings.Repeat("a", MaxLen+1), "a", Far},
	}
	for _, c := range cases {
		if got := Levenshtein(c.a, c.b); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Levenshtein(c.b, c.a); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func FuzzLevenshtein(f *testing.F) {
	f.Add("ack_wait", "ack_wiat")
	f.Fuzz(func(t *testing.T, a, b string) {
		d := Levenshtein(a, b)
		if d < 0 || d != Levenshtein(b, a) {
			t.Fatalf("Levenshtein(%q, %q) = %d, reversed %d", a, b, d, Levenshtein(b, a))
		}
		if a == b && len([]rune(a)) <= MaxLen && d != 0 {
			t.Fatalf("Levenshtein(%q, %q) = %d, want 0", a, b, d)
		}
	})
}
