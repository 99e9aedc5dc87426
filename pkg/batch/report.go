package batch

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/payrun/payrun/pkg/job"
)

// ReportHeader is the header row of a results report.
var reportHeader = []string{"client_orderid", "status", "paynet_order_id", "amount", "currency", "error_code", "error_message", "serial_number", "attempts", "destination", "finished_at"}

// ReportHeader returns the columns of a results report, in order.
func ReportHeader() []string { return append([]string(nil), reportHeader...) }

// ReportWriter writes results as CSV, one row per result, cells escaped against formula
// injection (see EscapeCell) so spreadsheets show every cell as text.
type ReportWriter struct {
	w   *csv.Writer
	err error
}

// NewReportWriter writes the header to w.
func NewReportWriter(w io.Writer) *ReportWriter {
	rw := &ReportWriter{w: csv.NewWriter(w)}
	rw.err = rw.w.Write(reportHeader)
	return rw
}

// Write adds one result.
func (rw *ReportWriter) Write(r job.Result) error {
	if rw.err != nil {
		return rw.err
	}
	finished := ""
	if !r.FinishedAt.IsZero() {
		finished = r.FinishedAt.UTC().Format(time.RFC3339)
	}
	// Gateway texts through the one masking function (a result may come from any publisher);
	// gateway ids keep their digits but lose control and invisible characters.
	row := []string{r.ClientOrderID, string(r.Status), noControls(r.PaynetOrderID), r.Amount, r.Currency,
		job.MaskText(r.ErrorCode), job.MaskText(r.ErrorMessage), noControls(r.SerialNumber), strconv.Itoa(r.Attempts),
		r.Destination, finished}
	for i, c := range row {
		row[i] = EscapeCell(c)
	}
	rw.err = rw.w.Write(row)
	return rw.err
}

// Flush writes buffered rows and returns the first error.
func (rw *ReportWriter) Flush() error {
	rw.w.Flush()
	if rw.err != nil {
		return fmt.Errorf("batch: report: %w", rw.err)
	}
	if err := rw.w.Error(); err != nil {
		return fmt.Errorf("batch: report: %w", err)
	}
	return nil
}

// EscapeCell neutralises spreadsheet formulas: a cell whose first character, or first character
// after leading spaces, is '=', '+', '-', '@', tab, CR, LF, NUL or a full-width '＝', '＋', '－',
// '＠' is prefixed with "'"; so is a cell starting with "'" itself, so the escaping is reversible
// (drop one leading "'") and "=1+1" and "'=1+1" stay distinct.
func EscapeCell(s string) string {
	if r, _ := utf8.DecodeRuneInString(strings.TrimLeft(s, " ")); strings.ContainsRune(formulaStarts, r) {
		return "'" + s
	}
	return s
}

// formulaStarts are the first characters a spreadsheet may read as the start of a formula.
const formulaStarts = "=+-@\t\r\n\x00＝＋－＠'"

// noControls replaces control and invisible format characters with U+FFFD.
func noControls(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\ufffd"))
}
