package job

import "github.com/payrun/payrun/internal/textdist"

// suggest returns the parameter whose name (or alias or synonym) is closest
// to an unknown header name, when it is close enough to be a typo: edit
// distance of the headerKey forms at most a third of the name, at least 1.
// It returns "" otherwise.
func suggest(name string) string {
	key := headerKey(name)
	best, bestD := "", -1
	for k, s := range specByKey {
		d := textdist.Levenshtein(key, k)
		if bestD < 0 || d < bestD || (d == bestD && s.name < best) {
			best, bestD = s.name, d
		}
	}
	limit := max(1, len([]rune(key))/3)
	if best == "" || bestD > limit {
		return ""
	}
	return best
}
