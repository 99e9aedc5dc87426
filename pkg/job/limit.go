package job

import (
	"fmt"
	"io"
)

// Bounds of a batch file. The longest valid row (every parameter at its maximum, merchant_data
// 64k characters of up to 4 bytes) is under 300 KiB and has about 50 fields; anything beyond
// these bounds is not a payout row, and the bounds keep a broken or hostile file from holding the
// Reader's memory or time (a quoted field spanning the whole file, a header of 500k columns).
const (
	// MaxLineBytes bounds one physical line.
	MaxLineBytes = 1 << 20
	// MaxRecordBytes bounds one record (a row with all its lines, quoted line breaks included).
	MaxRecordBytes = 2 << 20
	// MaxFields bounds the fields of one record, the header included.
	MaxFields = 1000
)

// limitError is a bound of the file exceeded at Line; the rest of the file is not read.
type limitError struct {
	line, col int // col 0: the whole line
	reason    string
}

func (e *limitError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.reason) }

// lineLimiter passes bytes through while it follows the CSV structure just enough to bound it:
// physical lines, records (a quoted field may hold line breaks), fields per record; and, at the
// end of the input, it reports a quote that was never closed at the line where it opened (the
// csv.Reader would report it at the end of the file, after holding all of it in one field).
// comma is the csv.Reader's field separator (',' until the Reader has detected it).
type lineLimiter struct {
	r     io.Reader
	comma byte
	line  int // the 1-based line being read

	lineBytes, recBytes int
	recLine             int // line where the current record started
	fields              int // field separators seen in the current record
	inField             bool
	inQuotes, quoteSeen bool // inside a quoted field; a '"' seen there (escaped or closing)
	quoteLine, quoteCol int  // where the open quoted field started
	err                 error
}

func newLineLimiter(r io.Reader) *lineLimiter {
	return &lineLimiter{r: r, comma: ',', line: 1, recLine: 1}
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		if l.err = l.step(c); l.err != nil {
			return 0, l.err
		}
	}
	if err == io.EOF && l.inQuotes && !l.quoteSeen {
		l.err = &limitError{line: l.quoteLine, col: l.quoteCol, reason: "the quote that opens this field is never closed; the rest of the file is not read"}
		return n, l.err
	}
	return n, err
}

// step follows one byte (RFC 4180 quoting: a field is quoted when '"' is its first byte; inside,
// "" is a quote and '"' followed by anything else ends the quoting).
func (l *lineLimiter) step(c byte) error {
	if l.quoteSeen {
		l.quoteSeen = false
		if c == '"' {
			return l.count(c) // an escaped quote
		}
		l.inQuotes = false
	}
	switch {
	case l.inQuotes:
		l.quoteSeen = c == '"'
	case c == '"' && !l.inField:
		l.inQuotes, l.inField, l.quoteLine, l.quoteCol = true, true, l.line, l.lineBytes+1
	case c == ',' || c == ';' || c == '\t':
		// Any delimiter the Reader may detect starts a field: in a valid file a quote only
		// follows the real one, and the real one is not known while the first bytes are sniffed.
		l.inField = false
		if c != l.comma {
			break
		}
		if l.fields++; l.fields >= MaxFields {
			return &limitError{line: l.recLine, reason: fmt.Sprintf("a row with more than %d fields; the rest of the file is not read", MaxFields)}
		}
	case c == '\n':
		l.recBytes, l.fields, l.inField, l.recLine = -1, 0, false, l.line+1
	case c != '\r':
		l.inField = true
	}
	return l.count(c)
}

func (l *lineLimiter) count(c byte) error {
	l.recBytes++
	if c == '\n' {
		l.line++
		l.lineBytes = 0
	} else {
		l.lineBytes++
	}
	switch {
	case l.lineBytes > MaxLineBytes:
		return &limitError{line: l.line, reason: fmt.Sprintf("line is longer than %d bytes; the rest of the file is not read", MaxLineBytes)}
	case l.recBytes > MaxRecordBytes && l.inQuotes:
		return &limitError{line: l.quoteLine, col: l.quoteCol, reason: fmt.Sprintf("the quoted field that opens here runs over %d bytes (a quote never closed?); the rest of the file is not read", MaxRecordBytes)}
	case l.recBytes > MaxRecordBytes:
		return &limitError{line: l.recLine, reason: fmt.Sprintf("the row that starts here is longer than %d bytes; the rest of the file is not read", MaxRecordBytes)}
	}
	return nil
}
