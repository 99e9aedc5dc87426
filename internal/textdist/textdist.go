// Package textdist measures how far apart two short names are, for "did you mean" suggestions
// (CSV headers, configuration keys).
package textdist

// MaxLen is the longest string, in runes, that Levenshtein measures: names are short, and the
// bound keeps the cost of a hostile input (a CSV header of a megabyte) small.
const MaxLen = 64

// Far is what Levenshtein returns for a string longer than MaxLen: farther than any name.
const Far = 1 << 20

// Levenshtein is the edit distance between a and b in runes (insertions, deletions and
// substitutions, each counting 1), or Far when either is longer than MaxLen runes.
func Levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > MaxLen || len(rb) > MaxLen {
		return Far
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
