package job

// Layout is how the Reader understood a file: its encoding, delimiter,
// where the header is and how each header field maps to a parameter. It is
// what enqueue --dry-run shows, so a person can check that the file is read
// as they meant before anything is sent.
type Layout struct {
	BOM       bool   // a UTF-8 byte order mark was skipped
	Delimiter rune   // ',', ';' or '\t'
	DelimFrom string // why this delimiter: "sep= line", "header", or "default"
	SepLine   int    // the line of Excel's "sep=;" line, 0 if none
	// TitleLines are lines above the header that were skipped: each held at
	// most one non-empty field (a title such as "Payroll November 2026").
	TitleLines []int
	HeaderLine int
	Columns    []ColumnMapping // one per header field, in order
}

// ColumnMapping is one header field: its 1-based position, its name as
// written and the parameter it fills ("" for a refused or unknown column).
type ColumnMapping struct {
	Field  int
	Header string
	Param  string
}

// DelimiterName names a delimiter for people: "comma", "semicolon", "tab".
func DelimiterName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	}
	return string(d)
}
