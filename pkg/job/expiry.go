package job

import (
	"fmt"
	"strconv"
)

// checkExpiry refuses a card whose expiry month has ended. A card is valid
// through the last day of its expiry month; "today" is the Reader's clock, in
// UTC, read once per file. Only a well-formed month and year are compared
// (a malformed one has its own error).
func (r *Reader) checkExpiry(line int, val func(int) string, colPos func(int) int) {
	mi, yi := specIndex["expire_month"], specIndex["expire_year"]
	m, y := val(mi), val(yi)
	if !validValue(mi, m) || !validValue(yi, y) {
		return
	}
	month, _ := strconv.Atoi(m)
	year, _ := strconv.Atoi(y)
	if year > r.thisYear || (year == r.thisYear && month >= int(r.thisMon)) {
		return
	}
	r.add(line, colPos(yi), "expire_year", fmt.Sprintf("the card expired at the end of %02d/%04d (today is %02d/%04d UTC); "+
		"a card is valid through its expiry month", month, year, int(r.thisMon), r.thisYear))
}

// validValue reports whether v is a non-empty value that passes every rule of
// specs[si].
func validValue(si int, v string) bool {
	s := &specs[si]
	return v != "" && checkCommon(s, v) == "" && (s.check == nil || s.check(v) == "")
}
