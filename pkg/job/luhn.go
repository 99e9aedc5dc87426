package job

// luhnValid reports whether a string of ASCII digits passes the Luhn (mod 10)
// check used by card numbers. The caller has checked that s holds digits only.
func luhnValid(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return len(s) > 0 && sum%10 == 0
}
