package submit

import "strings"

// maskDigits replaces every run of 8 or more digits in s (a gateway error message may echo a
// card or account number) with '*' except its last 4 digits.
func maskDigits(s string) string {
	const minRun, keep = 8, 4
	var b strings.Builder
	run := 0
	flush := func(end int) {
		if run >= minRun {
			b.WriteString(strings.Repeat("*", run-keep))
			b.WriteString(s[end-keep : end])
		} else {
			b.WriteString(s[end-run : end])
		}
		run = 0
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}
