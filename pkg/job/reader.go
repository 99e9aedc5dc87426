package job

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"time"

	"github.com/payrun/payrun/pkg/signer"
)

// Reader reads payout jobs from a CSV stream, one row at a time: memory does
// not grow with the file, except for about 26 bytes per row that remember
// client_orderid hashes for the duplicate check (see idSet).
//
// Before any row, the Reader looks at the first 64 KiB (sniff): a workbook
// (.xlsx, .xls, .ods) or a file that is not UTF-8 is refused with what to
// do; a UTF-8 byte order mark and Excel's "sep=;" first line are skipped;
// the delimiter (comma, semicolon or tab) is the one under which the header
// names payout parameters, and a header that does so under two delimiters
// is refused; up to three title lines above the header are skipped. Header
// names are matched ignoring case, spaces and punctuation, with synonyms
// (see Layout for what was decided). Then gocsv maps every record onto the
// parameters, by the canonical names the header was mapped to (see
// rowMapper); CRLF line ends and RFC 4180 quoting are understood; blank
// lines and rows whose fields are all empty (Excel's ",,,,") are skipped.
type Reader struct {
	source string
	in     io.Reader
	limit  *lineLimiter
	csv    *csv.Reader
	replay *replay    // the bytes csv has read, for mapper
	mapper *rowMapper // gocsv: record → row
	offset int        // lines before the csv reader's first line (Excel's sep= line)
	layout Layout
	strict bool

	cols    []column
	colOf   []int // per spec: the header field that fills it, or -1
	hasDest bool
	noRows  bool // header unusable: rows are not checked
	noJobs  bool // a required or destination column is missing: rows are checked but never jobs

	seen *idSet // client_orderids seen so far

	size     SizeLimit
	now      func() time.Time // the clock, read once per file
	thisYear int              // the current UTC year and month, for card expiry
	thisMon  time.Month

	started   bool
	rows      int
	total     int                // validation errors found so far
	fileErrs  int                // of which not in a data row (layout, header)
	badRows   int                // data rows with at least one error
	pending   []*ValidationError // errors not yet returned by Next
	warnings  []*ValidationError // the first warnings (see Warnings)
	warnTotal int
	err       error // sticky: io.EOF or a read error
}

// Option configures ValidateFile and NewReader (one list can be passed to
// both; WithMaxErrors only changes ValidateFile).
type Option func(*options)

type options struct {
	maxErrors int
	clock     Clock
	strict    bool
	size      SizeLimit
}

// WithStrict turns every warning (see Reader.Warnings) into an error.
func WithStrict(strict bool) Option { return func(o *options) { o.strict = strict } }

// SizeLimit bounds the stored size of each valid row's job message, so that every row validation
// accepts can be published. Size measures a job's message as it will be stored (the caller knows
// the batch id and the headers); a row over Max bytes is refused, at its largest field, with
// "the job would be N bytes; <Allows> <Max>". Max 0 checks nothing.
type SizeLimit struct {
	Max    int
	Size   func(Job) int
	Allows string // e.g. "the stream allows"
}

// WithSizeLimit makes the Reader refuse rows whose job message exceeds l.
func WithSizeLimit(l SizeLimit) Option { return func(o *options) { o.size = l } }

// Clock tells the time: signer.Clock, payrun's one clock. The Reader reads it
// once per file, when it reads the header, to check card expiry dates.
type Clock = signer.Clock

// WithClock sets the clock that card expiry dates are checked against
// (default: the system clock). A nil clock keeps the default.
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// DefaultMaxErrors is how many errors ValidateFile keeps by default.
const DefaultMaxErrors = 100

// WithMaxErrors sets how many errors ValidateFile keeps (it still counts
// them all). n < 1 keeps them all.
func WithMaxErrors(n int) Option { return func(o *options) { o.maxErrors = n } }

// NewReader returns a Reader of the CSV in r; source names the file in
// errors (e.g. "payroll.csv" or "-").
func NewReader(r io.Reader, source string, opts ...Option) *Reader {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	now := time.Now
	if o.clock != nil {
		now = o.clock.Now
	}
	return &Reader{source: source, in: r, seen: newIDSet(), now: now, strict: o.strict, size: o.size}
}

// Rows returns how many data rows (valid or not) have been read so far.
func (r *Reader) Rows() int { return r.rows }

// Next returns the next valid job, or the next problem. A problem is a
// *ValidationError (matching ErrInvalidBatch); a row with several problems
// yields each in turn and no Job. Keep calling Next after a
// *ValidationError: the Reader goes on with the rest of the file. At the end
// Next returns io.EOF. Any other error (the underlying reader failed) is
// final and returned again by every later call.
func (r *Reader) Next() (Job, error) {
	for {
		if len(r.pending) > 0 {
			e := r.pending[0]
			r.pending[0] = nil
			r.pending = r.pending[1:]
			return Job{}, e
		}
		if r.err != nil {
			return Job{}, r.err
		}
		if !r.started {
			r.readHeader()
			continue
		}
		if j, ok := r.readRow(); ok {
			return j, nil
		}
	}
}

// Layout tells how the file is being read: valid once Next has returned
// for the first time.
func (r *Reader) Layout() Layout { return r.layout }

// MaxWarnings is how many warnings a Reader keeps (it counts them all).
const MaxWarnings = 100

// Warnings returns the first MaxWarnings warnings found so far, and how
// many there were. A warning is something a spreadsheet often does to data
// without saying so (a card number in a text field, a postal code that lost
// its leading zero): the row is still a valid job, unless WithStrict made
// warnings errors.
func (r *Reader) Warnings() ([]*ValidationError, int) { return r.warnings, r.warnTotal }

func (r *Reader) add(line, col int, key, reason string) {
	r.total++
	r.pending = append(r.pending, &ValidationError{File: r.source, Line: line, Column: col, Key: key, Reason: reason})
}

// warn records a warning, or an error when the Reader is strict.
func (r *Reader) warn(line, col int, key, reason string) {
	if r.strict {
		r.add(line, col, key, reason+" (an error because of --strict)")
		return
	}
	r.warnTotal++
	if len(r.warnings) < MaxWarnings {
		r.warnings = append(r.warnings, &ValidationError{File: r.source, Line: line, Column: col, Key: key, Reason: reason})
	}
}

var bom = []byte{0xEF, 0xBB, 0xBF}

func (r *Reader) readHeader() {
	r.started = true
	before := r.total
	defer func() { r.fileErrs += r.total - before }()
	today := r.now().UTC()
	r.thisYear, r.thisMon = today.Year(), today.Month()
	r.limit = newLineLimiter(r.in)
	br := bufio.NewReaderSize(r.limit, sniffBytes)
	sample, err := br.Peek(sniffBytes)
	var le *limitError
	switch {
	case err == nil || errors.Is(err, io.EOF):
	case errors.As(err, &le):
		r.overLimit(le)
		return
	default:
		r.err = fmt.Errorf("job: read %s: %w", r.source, err)
		return
	}
	sn, problem := sniff(sample, err != nil)
	if problem != nil {
		r.add(problem.line, problem.col, "", problem.reason)
		r.err = io.EOF
		return
	}
	_, _ = br.Discard(sn.skip)
	r.layout = Layout{BOM: sn.bom, Delimiter: sn.delim, DelimFrom: sn.delimFrom}
	if sn.sepLine {
		r.offset, r.layout.SepLine = 1, 1
	}
	r.replay = &replay{}
	r.csv = newCSVReader(io.TeeReader(br, r.replay), sn.delim)
	r.limit.comma = byte(sn.delim) // the limiter counts fields by the csv.Reader's separator
	for range sn.titles {
		if _, err := r.csv.Read(); err != nil {
			break // cannot happen: sniff read the same records
		}
		line, _ := r.csv.FieldPos(0)
		r.layout.TitleLines = append(r.layout.TitleLines, line+r.offset)
	}
	header, err := r.csv.Read()
	if err != nil {
		var pe *csv.ParseError
		var le *limitError
		switch {
		case errors.Is(err, io.EOF):
			r.add(1, 0, "", "the file is empty; the first line must be the header naming the columns")
			r.err = io.EOF
		case errors.As(err, &pe):
			r.add(pe.Line+r.offset, pe.Column, "", "header: "+pe.Err.Error())
			r.err = io.EOF
		case errors.As(err, &le):
			r.overLimit(le)
		default:
			r.err = fmt.Errorf("job: read %s: %w", r.source, err)
		}
		return
	}
	r.layout.HeaderLine, _ = r.csv.FieldPos(0)
	r.layout.HeaderLine += r.offset
	r.checkHeader(header, r.pos)
	if r.noRows {
		r.err = io.EOF
		return
	}
	if r.mapper, err = newRowMapper(r.replay, r.cols, sn.delim); err != nil {
		r.err = fmt.Errorf("job: read %s: %w", r.source, err)
	}
}

// pos is the line and column of field i of the last record read.
func (r *Reader) pos(i int) (int, int) {
	line, col := r.csv.FieldPos(i)
	return line + r.offset, col
}

// overLimit reports a bound of the file exceeded (see lineLimiter) and ends the file: nothing
// after it can be trusted to be where it seems.
func (r *Reader) overLimit(le *limitError) {
	r.add(le.line, le.col, "", le.reason)
	r.err = io.EOF
}

// readRow reads one record; it returns a Job when the row is valid, else
// queues the row's problems (or sets r.err at the end).
func (r *Reader) readRow() (Job, bool) {
	before := r.csv.InputOffset()
	r.replay.forget(before)
	rec, err := r.csv.Read()
	if err != nil {
		var pe *csv.ParseError
		var le *limitError
		switch {
		case errors.Is(err, io.EOF):
			if r.rows == 0 {
				r.add(r.layout.HeaderLine, 0, "", "the file has a header but no payout rows")
				r.fileErrs++
			}
			r.err = io.EOF
		case errors.As(err, &pe):
			r.rows++
			r.badRows++
			r.add(pe.Line+r.offset, pe.Column, "", pe.Err.Error())
			if r.csv.InputOffset() == before {
				r.err = io.EOF // no progress: never loop on the same bytes
			}
		case errors.As(err, &le):
			r.badRows++
			r.overLimit(le)
		default:
			r.err = fmt.Errorf("job: read %s: %w", r.source, err)
		}
		return Job{}, false
	}
	if allEmpty(rec) {
		return Job{}, false // Excel's empty rows (",,,,"): no data, nothing to pay
	}
	r.rows++
	startErrs := r.total
	var j Job
	ok := false
	if len(rec) != len(r.cols) {
		line, col := r.pos(0)
		r.add(line, col, "", r.fieldCountReason(rec))
	} else {
		row, err := r.mapper.row(before, r.csv.InputOffset())
		if err != nil {
			r.err = fmt.Errorf("job: read %s: %w", r.source, err)
			return Job{}, false
		}
		j, ok = r.checkRow(rec, row)
	}
	if r.total != startErrs {
		r.badRows++
	}
	return j, ok
}

// allEmpty reports a record whose fields are all empty.
func allEmpty(rec []string) bool {
	for _, f := range rec {
		if f != "" {
			return false
		}
	}
	return true
}

// fieldCountReason explains a row with more or fewer fields than the
// header, naming a decimal comma when that is the likely cause.
func (r *Reader) fieldCountReason(rec []string) string {
	reason := fmt.Sprintf("the row has %d fields, the header %d", len(rec), len(r.cols))
	if a := r.colOf[idxAmount]; r.layout.Delimiter == ',' && len(rec) > len(r.cols) && a >= 0 && a+1 < len(rec) &&
		isDigits(rec[a]) && isDigits(rec[a+1]) && len(rec[a+1]) <= 4 {
		reason += fmt.Sprintf(": a decimal comma? the amount %s,%s split into two fields; write %s.%s (or quote the amount)",
			safeValue(rec[a]), safeValue(rec[a+1]), safeValue(rec[a]), safeValue(rec[a+1]))
	}
	return reason
}

// checkRow validates one record (as many fields as the header) and the row
// gocsv mapped it to (field i = specs[i]); positions come from the
// csv.Reader's last record.
func (r *Reader) checkRow(rec []string, row reflect.Value) (Job, bool) {
	line, firstCol := r.pos(0)
	startErrs := r.total
	colPos := func(si int) int {
		if c := r.colOf[si]; c >= 0 {
			_, col := r.pos(c)
			return col
		}
		return firstCol
	}
	val := func(si int) string { return row.Field(si).String() }

	currency := val(idxCurrency)
	var amount Amount
	nonEmpty := 0
	for _, c := range r.cols {
		if c.spec >= 0 && val(c.spec) != "" {
			nonEmpty++
		}
	}
	params := make([]Param, 0, nonEmpty)
	for i, c := range r.cols {
		if c.unnamed && rec[i] != "" {
			_, col := r.pos(i)
			r.add(line, col, "", fmt.Sprintf("field %d has a value but its column has no header name; name the column or remove the value", i+1))
		}
		if c.spec < 0 {
			continue
		}
		s := &specs[c.spec]
		value := val(c.spec)
		if value == "" {
			if s.required {
				r.add(line, colPos(c.spec), s.name, "is required")
			}
			continue
		}
		params = append(params, Param{Name: s.name, Value: value})
		var reason string
		if c.spec == idxAmount {
			// The amount rules are self-contained and more specific than
			// the common ones (a space, a sign, a thousands separator).
			if reason = r.checkAmount(value, currency, &amount); reason != "" {
				reason = fmt.Sprintf("%q %s", safeValue(value), reason)
				if hint := amountHint(value, currency); hint != "" {
					reason += didYouMean + hint + "?"
				}
			}
		} else if reason = checkCommon(s, value); reason == "" && s.check != nil {
			reason = s.check(value)
		}
		if reason != "" {
			r.add(line, colPos(c.spec), s.name, reason)
		} else {
			r.checkMangling(line, colPos(c.spec), c.spec, value, val)
		}
	}
	r.checkRedirects(line, val, colPos)
	r.checkExpiry(line, val, colPos)
	r.checkDestination(line, firstCol, val, colPos)
	r.checkDuplicate(line, val(idxOrderID), colPos(idxOrderID))

	if r.total != startErrs || r.noJobs {
		return Job{}, false
	}
	j := Job{ClientOrderID: val(idxOrderID), Amount: amount, Params: params, Line: line}
	if r.size.Max > 0 {
		if n := r.size.Size(j); n > r.size.Max {
			name := largestParam(params)
			r.add(line, colPos(specIndex[name]), name, fmt.Sprintf("the job would be %d bytes; %s %d", n, r.size.Allows, r.size.Max))
			return Job{}, false
		}
	}
	return j, true
}

// largestParam names the parameter that takes the most room in a job message (JSON-escaped).
func largestParam(ps []Param) string {
	name, most := "", -1
	for _, p := range ps {
		if b, _ := json.Marshal(p.Value); len(b) > most {
			name, most = p.Name, len(b)
		}
	}
	return name
}

// checkAmount parses an amount whose currency may itself be invalid (then
// only the currency-free rules apply; the currency has its own error).
func (r *Reader) checkAmount(value, currency string, out *Amount) string {
	minor, ok := MinorUnits(currency)
	if !ok {
		_, _, reason := checkAmountSyntax(value)
		return reason
	}
	a, reason := parseAmount(value, currency, minor)
	*out = a
	return reason
}

func (r *Reader) checkRedirects(line int, val func(int) string, colPos func(int) int) {
	red, ok, fail := specIndex["redirect_url"], specIndex["redirect_success_url"], specIndex["redirect_fail_url"]
	switch {
	case val(red) != "" && (val(ok) != "" || val(fail) != ""):
		r.add(line, colPos(red), "redirect_url", "give redirect_url, or redirect_success_url with redirect_fail_url, not both")
	case val(ok) != "" && val(fail) == "":
		r.add(line, colPos(ok), "redirect_fail_url", "is required with redirect_success_url")
	case val(fail) != "" && val(ok) == "":
		r.add(line, colPos(fail), "redirect_success_url", "is required with redirect_fail_url")
	}
}

// checkDuplicate reports a client_orderid seen on an earlier line. The ids
// of rows with other errors are checked and remembered too.
func (r *Reader) checkDuplicate(line int, id string, col int) {
	if id == "" {
		return
	}
	if first, dup := r.seen.add(id, uint32(min(line, math.MaxUint32))); dup {
		r.add(line, col, "client_orderid", fmt.Sprintf("duplicate client_orderid %q (first on line %d)", safeValue(id), first))
	}
}
