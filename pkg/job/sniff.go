package job

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"unicode/utf8"
)

// sniffBytes is how much of the start of a file the Reader looks at before
// it reads any row: enough for a title, a header and a few rows.
const sniffBytes = 64 << 10

// maxTitleLines is how many lines above the header may be a title.
const maxTitleLines = 3

// excelAdvice is what to do with a file that is not a UTF-8 CSV.
const excelAdvice = `in Excel use File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)"; in LibreOffice "Text CSV" with character set "Unicode (UTF-8)"`

// sniffed is what sniff learned about the start of a file.
type sniffed struct {
	skip      int  // bytes before the CSV proper: a BOM and Excel's sep= line
	bom       bool // a UTF-8 BOM is among them
	sepLine   bool // a sep= line is among them
	delim     rune
	delimFrom string
	titles    int // records above the header (each with at most one non-empty field)
}

// sniffProblem is a reason the file cannot be read at all.
type sniffProblem struct {
	line, col int
	reason    string
}

// sniff decides, from the first bytes of a file (complete: all of it), how
// to read it, or why it must be refused. It refuses rather than guesses:
// a workbook or a file in another encoding is named with what to do; the
// delimiter is the one under which the header names payout parameters, and
// a header that names them under two delimiters is refused as ambiguous.
func sniff(sample []byte, complete bool) (sniffed, *sniffProblem) {
	var s sniffed
	if p := sniffFormat(sample); p != nil {
		return s, p
	}
	if bytes.HasPrefix(sample, bom) {
		s.skip, s.bom = len(bom), true
	}
	if p := checkUTF8(sample[s.skip:], complete); p != nil {
		return s, p
	}
	cands := []rune{',', ';', '\t'}
	rest := sample[s.skip:]
	if line, ok := sepLine(rest); ok {
		text := strings.TrimRight(line, "\r\n")
		d, n := utf8.DecodeRuneInString(text[len("sep="):])
		if !strings.ContainsRune(",;\t", d) || len(text) != len("sep=")+n {
			return s, &sniffProblem{1, 1, fmt.Sprintf("the first line %q names a delimiter this reader does not take; use sep=, sep=; or a tab", safeValue(text))}
		}
		s.skip += len(line)
		s.sepLine = true
		s.delim, s.delimFrom = d, "sep= line"
		rest = sample[s.skip:]
		cands = []rune{d}
	}
	type found struct {
		delim  rune
		titles int
		known  int
	}
	var hits []found
	for _, d := range cands {
		if titles, known, ok := findHeader(rest, d); ok {
			hits = append(hits, found{d, titles, known})
		}
	}
	switch {
	case len(hits) == 1:
		s.delim, s.titles = hits[0].delim, hits[0].titles
		if !s.sepLine {
			s.delimFrom = "header"
		}
	case len(hits) > 1:
		var parts []string
		for _, h := range hits {
			parts = append(parts, fmt.Sprintf("%d parameter names with %s", h.known, DelimiterName(h.delim)))
		}
		return s, &sniffProblem{1, 1, "cannot tell the delimiter: the header reads as " + strings.Join(parts, " and as ") +
			`; make the first line sep=, or sep=; (as Excel does) to say which`}
	case !s.sepLine:
		s.delim, s.delimFrom = ',', "default"
	}
	return s, nil
}

// sniffFormat recognises files that are not text by their first bytes.
func sniffFormat(b []byte) *sniffProblem {
	refuse := func(what string) *sniffProblem {
		return &sniffProblem{1, 0, what + ", not a CSV file: " + excelAdvice}
	}
	notUTF8 := func(what string) *sniffProblem {
		return &sniffProblem{1, 0, what + ", not UTF-8: " + excelAdvice}
	}
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		switch {
		case bytes.Contains(b[:min(len(b), 200)], []byte("application/vnd.oasis.opendocument.spreadsheet")):
			return refuse("this is an OpenDocument spreadsheet (.ods)")
		case bytes.Contains(b, []byte("xl/")):
			return refuse("this is an Excel workbook (.xlsx)")
		}
		return refuse("this is a ZIP archive (an Excel .xlsx workbook is one)")
	case bytes.HasPrefix(b, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return refuse("this is an Excel 97-2003 workbook (.xls)")
	case bytes.HasPrefix(b, []byte("\xFF\xFE")), bytes.HasPrefix(b, []byte("\xFE\xFF")):
		return notUTF8(`the file is UTF-16 text (Excel's "Unicode Text")`)
	case looksUTF16(b):
		return notUTF8("the file looks like UTF-16 text without a byte order mark (every other byte is zero)")
	}
	return nil
}

// looksUTF16 reports a start of file where NUL bytes alternate with text, as
// in UTF-16 without a byte order mark.
func looksUTF16(b []byte) bool {
	b = b[:min(len(b), 256)]
	if len(b) < 8 {
		return false
	}
	zeros := [2]int{}
	for i, c := range b {
		if c == 0 {
			zeros[i%2]++
		}
	}
	return zeros[0] > len(b)*2/5 || zeros[1] > len(b)*2/5
}

// checkUTF8 finds the first byte that is not UTF-8 and names the likely
// encoding. A Windows code page cannot be told apart from Latin-1 and its
// cousins with certainty, so the file is refused, not converted.
func checkUTF8(b []byte, complete bool) *sniffProblem {
	line, lineStart := 1, 0
	for i := 0; i < len(b); {
		c := b[i]
		if c == '\n' {
			line, lineStart = line+1, i+1
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			i += n
			continue
		}
		if !complete && !utf8.FullRune(b[i:]) {
			return nil // cut at the end of the sample
		}
		reason := fmt.Sprintf("byte 0x%02X is not UTF-8", c)
		if ch, ok := cp1252(c); ok {
			reason += fmt.Sprintf(` (in Windows-1252 it is %q)`, ch)
		}
		return &sniffProblem{line, i - lineStart + 1, reason + `: the file looks saved as "CSV (Comma delimited)" in a Windows code page; ` +
			"the characters cannot be read with certainty, so nothing is read: " + excelAdvice}
	}
	return nil
}

// cp1252 decodes one byte of Windows-1252 (for the message only).
func cp1252(c byte) (rune, bool) {
	if c >= 0xA0 {
		return rune(c), true // as Latin-1
	}
	r := []rune("€\x00‚ƒ„…†‡ˆ‰Š‹Œ\x00Ž\x00\x00‘’“”•–—˜™š›œ\x00žŸ")[c-0x80]
	return r, r != 0
}

// sepLine returns Excel's first line "sep=X" (with its line end) if b starts
// with one.
func sepLine(b []byte) (string, bool) {
	if len(b) < 4 || !strings.EqualFold(string(b[:4]), "sep=") {
		return "", false
	}
	end := bytes.IndexByte(b, '\n')
	if end < 0 {
		end = len(b) - 1
	}
	return string(b[:end+1]), true
}

// findHeader reads the first records of b split by d and finds the header:
// the first record that names at least two payout parameters, after at most
// maxTitleLines records that hold at most one non-empty field each (titles,
// Excel's empty rows). It returns how many records precede it and how many
// parameters it names.
func findHeader(b []byte, d rune) (titles, known int, ok bool) {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comma = d
	cr.FieldsPerRecord = -1
	for i := 0; i <= maxTitleLines; i++ {
		rec, err := cr.Read()
		if err != nil {
			return 0, 0, false
		}
		nonEmpty := 0
		for _, f := range rec {
			if _, _, ok := lookupHeader(f); ok || isCVVName(f) {
				known++
			}
			if strings.TrimSpace(f) != "" {
				nonEmpty++
			}
		}
		if known >= 2 {
			return i, known, true
		}
		if nonEmpty > 1 || known > 0 {
			return 0, 0, false
		}
	}
	return 0, 0, false
}
