package submit

// maskDigits masks every run of 8 or more digits in s (a gateway error message may echo a
// card or account number), keeping the last 4 digits of the run. A run may hold single spaces
// or dashes between digits ("4111 1111 1111 1111"), the same rule as pkg/job's masking.
func maskDigits(s string) string {
	const minRun, keep = 8, 4
	isDigit := func(i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }
	var b []byte
	for i := 0; i < len(s); {
		if !isDigit(i) {
			i++
			continue
		}
		j, digits := i, 0
		for j < len(s) {
			if isDigit(j) {
				digits++
				j++
			} else if (s[j] == ' ' || s[j] == '-') && isDigit(j+1) {
				j++
			} else {
				break
			}
		}
		if digits >= minRun {
			if b == nil {
				b = []byte(s)
			}
			hide := digits - keep
			for k := i; k < j && hide > 0; k++ {
				if isDigit(k) {
					b[k] = '*'
					hide--
				}
			}
		}
		i = j
	}
	if b == nil {
		return s
	}
	return string(b)
}
