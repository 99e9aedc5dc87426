package batch

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gocarina/gocsv"

	"github.com/payrun/payrun/pkg/job"
)

// ReportFormat is the layout of a results report.
type ReportFormat string

// Report formats.
const (
	// ReportCSV: RFC 4180, comma, one header line and exactly one line per payout row of the
	// input; nothing else (scripts read it).
	ReportCSV ReportFormat = "csv"
	// ReportExcel: for a spreadsheet: UTF-8 byte order mark (Excel reads the file as UTF-8),
	// the delimiter asked for, the same rows, then an empty line and a footer: totals per status
	// and currency, the batch id, the input's name and SHA-256, and when the report was written,
	// so a printed or filed report can be matched to its file.
	ReportExcel ReportFormat = "excel"
)

// ParseReportFormat checks a --report-format value.
func ParseReportFormat(s string) (ReportFormat, error) {
	switch f := ReportFormat(s); f {
	case ReportCSV, ReportExcel:
		return f, nil
	}
	return "", fmt.Errorf("batch: report format %q: %w: want csv or excel", s, ErrReportFormat)
}

// Report statuses of rows that have no result.
const (
	// ReportPending: the batch's results were still coming when the report was written.
	ReportPending = "pending"
	// ReportSkipped: every row this batch enqueued has its result and this one has none: it was
	// not enqueued by this batch (another batch had already enqueued its client_orderid).
	ReportSkipped = "skipped"
)

// reportLine is one row of a results report, written by gocsv: its csv tags are the report's
// header, in order. The first eleven columns are those of earlier reports, in the same order; the
// input's line and the payee's name columns follow.
type reportLine struct {
	ClientOrderID     reportCell `csv:"client_orderid"`
	Status            reportCell `csv:"status"`
	PaynetOrderID     reportCell `csv:"paynet_order_id"`
	Amount            reportCell `csv:"amount"`
	Currency          reportCell `csv:"currency"`
	ErrorCode         reportCell `csv:"error_code"`
	ErrorMessage      reportCell `csv:"error_message"`
	SerialNumber      reportCell `csv:"serial_number"`
	Attempts          reportCell `csv:"attempts"`
	Destination       reportCell `csv:"destination"`
	FinishedAt        reportCell `csv:"finished_at"`
	Line              reportCell `csv:"line"`
	ReceiverFirstName reportCell `csv:"receiver_first_name"`
	ReceiverLastName  reportCell `csv:"receiver_last_name"`
	AccountName       reportCell `csv:"account_name"`
	CardPrintedName   reportCell `csv:"card_printed_name"`
	LegalPersonName   reportCell `csv:"legal_person_name"`
	EnqueuedAt        reportCell `csv:"enqueued_at"`
	SubmittedAt       reportCell `csv:"submitted_at"`
}

// reportCell is a report value; gocsv writes it escaped against formula injection (EscapeCell).
type reportCell string

// MarshalCSV implements gocsv.TypeMarshaller.
func (c reportCell) MarshalCSV() (string, error) { return EscapeCell(string(c)), nil }

// ReportHeader returns the columns of a results report, in order.
func ReportHeader() []string {
	t := reflect.TypeFor[reportLine]()
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Tag.Get("csv")
	}
	return out
}

// ReportInfo describes the batch a report is about.
type ReportInfo struct {
	BatchID string
	Input   Input  // the batch file, read again for row order, lines and names
	SHA256  string // of the input's bytes
	// ReadAt is the instant the rows were validated at (card expiry); a row that was valid then is
	// listed even if its card has expired since.
	ReadAt time.Time
	// Complete: every row this batch enqueued has a result (rows without one were skipped).
	Complete bool
	Written  time.Time // for the excel footer
}

// ReportOptions choose the report's layout.
type ReportOptions struct {
	Format    ReportFormat // default ReportCSV
	Delimiter rune         // ReportExcel only: ',' (default) or ';'
}

// WriteReport writes a results report: one row per payout row of the input file, in file order,
// with its line, the payee's name columns and every column of its result. A row without a result
// has status ReportPending, or ReportSkipped when info.Complete. A result whose row is not in the
// file (it cannot be, for a batch enqueued from it) is still listed, after the rows, without a
// line: nothing is left out. Every cell is escaped against formula injection (EscapeCell).
func WriteReport(w io.Writer, info ReportInfo, results map[string]job.Result, o ReportOptions) error {
	if o.Format == "" {
		o.Format = ReportCSV
	}
	if o.Delimiter == 0 || o.Format == ReportCSV {
		o.Delimiter = ','
	}
	// gocsv flushes cw after each call: bw keeps that from being a write to w per row.
	bw := bufio.NewWriter(w)
	if o.Format == ReportExcel {
		_, _ = bw.WriteString("\ufeff") // an error is kept by bw and returned by Flush
	}
	cw := csv.NewWriter(bw)
	cw.Comma = o.Delimiter
	// The header: the tags of reportLine, written by gocsv from no rows.
	if err := gocsv.MarshalCSV([]reportLine(nil), cw); err != nil {
		return fmt.Errorf("batch: report: %w", err)
	}
	// Rows one at a time (the report streams like the input; gocsv has no
	// row writer that does not start a goroutine).
	writeRow := func(l reportLine) error {
		if err := gocsv.MarshalCSVWithoutHeaders([]reportLine{l}, cw); err != nil {
			return fmt.Errorf("batch: report: %w", err)
		}
		return nil
	}
	totals := map[job.Status]job.Totals{}
	counts := map[string]int{}
	listed := make(map[string]bool, len(results))
	rc, err := info.Input.Open()
	if err != nil {
		return fmt.Errorf("batch: report: open %s: %w", info.Input.Name, err)
	}
	defer rc.Close()
	rd := job.NewReader(rc, info.Input.Name, job.WithClock(fixedClock(info.ReadAt)))
	for {
		j, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var ve *job.ValidationError
		if errors.As(err, &ve) {
			continue // not a job when the batch was enqueued: not in it
		}
		if err != nil {
			return fmt.Errorf("batch: report: read %s: %w", info.Input.Name, err)
		}
		r, ok := results[j.ClientOrderID]
		if !ok || listed[j.ClientOrderID] {
			status := ReportPending
			if info.Complete {
				status = ReportSkipped
			}
			r = job.Result{ClientOrderID: j.ClientOrderID, Status: job.Status(status), Amount: j.Amount.String(), Currency: j.Amount.Currency,
				Destination: j.MaskedDestination()}
		}
		listed[j.ClientOrderID] = true
		if err := writeRow(reportRow(r, j)); err != nil {
			return err
		}
		count(totals, counts, r)
	}
	var rest []string
	for id := range results {
		if !listed[id] {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	for _, id := range rest {
		if err := writeRow(reportRow(results[id], job.Job{})); err != nil {
			return err
		}
		count(totals, counts, results[id])
	}
	if o.Format == ReportExcel {
		// The footer is not a table of reportLines: written cell by cell.
		writeFooter(func(row []string) {
			for i, c := range row {
				row[i] = EscapeCell(c)
			}
			_ = cw.Write(row) // the error is kept by cw and returned below
		}, info, totals, counts)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("batch: report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("batch: report: %w", err)
	}
	return nil
}

// reportRow is one report line: the result's columns, then the row's.
func reportRow(r job.Result, j job.Job) reportLine {
	line := ""
	if j.Line > 0 {
		line = strconv.Itoa(j.Line)
	}
	amount := r.Amount
	if a, err := job.ParseAmount(r.Amount, r.Currency); err == nil {
		amount = a.String() // always the currency's number of fraction digits
	}
	attempts := ""
	if r.Attempts > 0 || r.Status.Valid() {
		attempts = strconv.Itoa(r.Attempts)
	}
	return reportLine{
		ClientOrderID: reportCell(r.ClientOrderID), Status: reportCell(r.Status), PaynetOrderID: reportCell(r.PaynetOrderID),
		Amount: reportCell(amount), Currency: reportCell(r.Currency), ErrorCode: reportCell(r.ErrorCode),
		ErrorMessage: reportCell(r.ErrorMessage), SerialNumber: reportCell(r.SerialNumber), Attempts: reportCell(attempts),
		Destination: reportCell(r.Destination), FinishedAt: reportCell(reportTime(r.FinishedAt)), Line: reportCell(line),
		ReceiverFirstName: reportCell(j.Param("receiver_first_name")), ReceiverLastName: reportCell(j.Param("receiver_last_name")),
		AccountName: reportCell(j.Param("account_name")), CardPrintedName: reportCell(j.Param("card_printed_name")),
		LegalPersonName: reportCell(j.Param("legal_person_name")),
		EnqueuedAt:      reportCell(reportTime(r.EnqueuedAt)), SubmittedAt: reportCell(reportTime(r.SubmittedAt)),
	}
}

func reportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// count adds a listed row to the footer's totals.
func count(totals map[job.Status]job.Totals, counts map[string]int, r job.Result) {
	key := string(r.Status) + "\x00" + r.Currency
	counts[key]++
	if a, err := job.ParseAmount(r.Amount, r.Currency); err == nil {
		if totals[r.Status] == nil {
			totals[r.Status] = job.Totals{}
		}
		_ = totals[r.Status].Add(a) // a validated batch's totals cannot overflow
	}
}

// writeFooter adds the excel format's summary below the rows.
func writeFooter(write func([]string), info ReportInfo, totals map[job.Status]job.Totals, counts map[string]int) {
	write([]string{""})
	write([]string{"total", "status", "rows", "amount", "currency"})
	statuses := append(append([]job.Status(nil), job.Statuses...), ReportPending, ReportSkipped)
	for _, s := range statuses {
		t := totals[s]
		cur := make([]string, 0, len(t))
		for c := range t {
			cur = append(cur, c)
		}
		slices.Sort(cur)
		for _, c := range cur {
			write([]string{"total", string(s), strconv.Itoa(counts[string(s)+"\x00"+c]), t[c].String(), c})
		}
	}
	write([]string{"batch", info.BatchID})
	write([]string{"file", info.Input.Name})
	write([]string{"sha256", info.SHA256})
	write([]string{"written_at", reportTime(info.Written)})
}

// EscapeCell neutralises spreadsheet formulas: a cell whose first character, or first character
// after leading spaces, is '=', '+', '-', '@', tab, CR, LF, NUL or a full-width '＝', '＋', '－',
// '＠' is prefixed with "'".
func EscapeCell(s string) string {
	if r, _ := utf8.DecodeRuneInString(strings.TrimLeft(s, " ")); strings.ContainsRune(formulaStarts, r) {
		return "'" + s
	}
	return s
}

// formulaStarts are the first characters a spreadsheet may read as the start of a formula.
const formulaStarts = "=+-@\t\r\n\x00＝＋－＠"
