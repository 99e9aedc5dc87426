package job

import (
	"strconv"
	"unicode/utf8"
)

// MaxErrorText bounds the gateway's error text (error-message) carried into the ledger, results,
// dead letters and logs: 8 KiB. That keeps any real gateway message whole while a row's ledger
// entry and its dead letter (which holds the entry) stay well inside a message of the default
// streams.max_msg_size (64 KiB); an unbounded text (an answer may be up to 1 MiB) would make the
// row's ledger write fail for ever.
const MaxErrorText = 8 << 10

// BoundErrorText returns s when it is at most MaxErrorText bytes; otherwise its start, cut on a
// character boundary, followed by "… [N bytes cut]", MaxErrorText bytes at most in all.
func BoundErrorText(s string) string {
	if len(s) <= MaxErrorText {
		return s
	}
	const reserve = len("… [ bytes cut]") + 20 // room for the note, whatever N is
	keep := MaxErrorText - reserve
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + "… [" + strconv.Itoa(len(s)-keep) + " bytes cut]"
}
