package job

// suggest returns the parameter whose name (or alias or synonym) is closest
// to an unknown header name, when it is close enough to be a typo: edit
// distance of the headerKey forms at most a third of the name, at least 1.
// It returns "" otherwise.
func suggest(name string) string {
	key := headerKey(name)
	best, bestD := "", -1
	for k, s := range specByKey {
		d := editDistance(key, k)
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

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 20 // far from any parameter name; keeps the cost bounded
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
