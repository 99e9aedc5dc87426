package jobtest

import "strings"

// AmountCase is one payout amount of a currency with some number of minor units: Written is how
// a person writes it in a batch file (every fraction digit the currency has, e.g. "10000000.00"),
// Shortest its shortest exact form ("10000000"), the form the gateway receives.
type AmountCase struct {
	Written, Shortest string
}

// Amounts returns, for a currency with minor fraction digits, one amount for every length of the
// shortest form from 1 to maxLen characters and every number of significant fraction digits that
// fits in it: the boundaries the gateway's length limit cares about. Digits are deterministic.
func Amounts(minor, maxLen int) []AmountCase {
	var out []AmountCase
	for length := 1; length <= maxLen; length++ {
		for frac := 0; frac <= minor && (frac == 0 || frac+2 <= length); frac++ {
			intLen := length
			if frac > 0 {
				intLen = length - frac - 1
			}
			intPart := digits(intLen, length)
			if frac > 0 && intLen == 1 && length%2 == 0 {
				intPart = "0" // 0.05, 0.125: amounts below one unit
			}
			shortest, written := intPart, intPart
			if frac > 0 {
				f := digits(frac, length+frac)
				shortest += "." + f
				written += "." + f
			}
			if minor > frac {
				if frac == 0 {
					written += "."
				}
				written += strings.Repeat("0", minor-frac)
			}
			out = append(out, AmountCase{Written: written, Shortest: shortest})
		}
	}
	return out
}

// digits returns n digits with no leading zero and no trailing zero, varied by seed.
func digits(n, seed int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + (seed+i*7)%10)
	}
	if b[0] == '0' {
		b[0] = '9'
	}
	if b[n-1] == '0' {
		b[n-1] = '5'
	}
	return string(b)
}
