package job

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"time"

	"github.com/gocarina/gocsv"
)

// Reader reads payout jobs from a CSV stream, one row at a time: memory does
// not grow with the file, except for about 26 bytes per row that remember
// client_orderid hashes for the duplicate check (see idSet).
//
// The first line is the header: parameter names of the payout request (or
// their documented aliases). A leading UTF-8 byte order mark is skipped; CRLF
// line ends and RFC 4180 quoting are understood; blank lines are skipped.
//
// Mapping: gocsv's Unmarshaller fills a struct (one string field per payout
// parameter, tagged with the parameter name and its aliases) from each
// record. It runs synchronously over the encoding/csv.Reader owned here, so
// csv.Reader.FieldPos still describes the record just mapped, which gives
// every error its exact line and column. (gocsv's channel and callback APIs
// read ahead in a goroutine and would lose that.)
type Reader struct {
	source string
	in     io.Reader
	limit  *lineLimiter
	csv    *csv.Reader
	um     *gocsv.Unmarshaller

	cols    []column
	colOf   []int // per spec: the header field that fills it, or -1
	hasDest bool
	noRows  bool // header unusable: rows are not checked
	noJobs  bool // a required or destination column is missing: rows are checked but never jobs

	seen *idSet // client_orderids seen so far

	now      func() time.Time // the clock, read once per file
	thisYear int              // the current UTC year and month, for card expiry
	thisMon  time.Month

	started bool
	rows    int
	total   int                // validation errors found so far
	pending []*ValidationError // errors not yet returned by Next
	err     error              // sticky: io.EOF or a read error
}

// Option configures ValidateFile and NewReader (one list can be passed to
// both; WithMaxErrors only changes ValidateFile).
type Option func(*options)

type options struct {
	maxErrors int
	clock     Clock
}

// Clock tells the time. The Reader reads it once per file, when it reads the
// header, to check card expiry dates.
type Clock interface{ Now() time.Time }

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
	return &Reader{source: source, in: r, seen: newIDSet(), now: now}
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

func (r *Reader) add(line, col int, key, reason string) {
	r.total++
	r.pending = append(r.pending, &ValidationError{File: r.source, Line: line, Column: col, Key: key, Reason: reason})
}

var bom = []byte{0xEF, 0xBB, 0xBF}

func (r *Reader) readHeader() {
	r.started = true
	today := r.now().UTC()
	r.thisYear, r.thisMon = today.Year(), today.Month()
	r.limit = newLineLimiter(r.in)
	br := bufio.NewReader(r.limit)
	if b, err := br.Peek(len(bom)); err == nil && string(b) == string(bom) {
		_, _ = br.Discard(len(bom))
	}
	r.csv = csv.NewReader(br)
	r.csv.ReuseRecord = true
	r.limit.comma = byte(r.csv.Comma) // keep equal to the csv.Reader's separator
	// A pointer type makes gocsv return the struct it filled, not a copy.
	um, err := gocsv.NewUnmarshaller(r.csv, reflect.New(rowType).Interface())
	if err != nil {
		var pe *csv.ParseError
		var le *limitError
		switch {
		case errors.Is(err, io.EOF):
			r.add(1, 0, "", "the file is empty; the first line must be the header naming the columns")
			r.err = io.EOF
		case errors.As(err, &pe):
			r.add(pe.Line, pe.Column, "", "header: "+r.csvReason(pe))
			r.err = io.EOF
		case errors.As(err, &le):
			r.overLimit(le)
		default:
			r.err = fmt.Errorf("job: read %s: %w", r.source, err)
		}
		return
	}
	r.um = um
	r.checkHeader(um.Headers, r.csv.FieldPos)
	if r.noRows {
		r.err = io.EOF
	}
}

// overLimit reports a bound of the file exceeded (see lineLimiter) and ends the file: nothing
// after it can be trusted to be where it seems.
func (r *Reader) overLimit(le *limitError) {
	r.add(le.line, le.col, "", le.reason)
	r.err = io.EOF
}

func (r *Reader) csvReason(pe *csv.ParseError) string {
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return fmt.Sprintf("the row does not have the header's %d fields", len(r.cols))
	}
	return pe.Err.Error()
}

// readRow reads one record; it returns a Job when the row is valid, else
// queues the row's problems (or sets r.err at the end).
func (r *Reader) readRow() (Job, bool) {
	before := r.csv.InputOffset()
	out, err := r.um.Read()
	if err != nil {
		var pe *csv.ParseError
		var le *limitError
		switch {
		case errors.Is(err, io.EOF):
			if r.rows == 0 {
				r.add(1, 0, "", "the file has a header but no payout rows")
			}
			r.err = io.EOF
		case errors.As(err, &pe):
			r.rows++
			r.add(pe.Line, pe.Column, "", r.csvReason(pe))
			if r.csv.InputOffset() == before {
				r.err = io.EOF // no progress: never loop on the same bytes
			}
		case errors.As(err, &le):
			r.overLimit(le)
		default:
			r.err = fmt.Errorf("job: read %s: %w", r.source, err)
		}
		return Job{}, false
	}
	r.rows++
	return r.checkRow(reflect.ValueOf(out).Elem())
}

// checkRow validates one mapped row. v is the gocsv struct (field i =
// specs[i]); positions come from the csv.Reader's last record.
func (r *Reader) checkRow(v reflect.Value) (Job, bool) {
	line, firstCol := r.csv.FieldPos(0)
	startErrs := r.total
	colPos := func(si int) int {
		if c := r.colOf[si]; c >= 0 {
			_, col := r.csv.FieldPos(c)
			return col
		}
		return firstCol
	}
	val := func(si int) string {
		if r.colOf[si] < 0 {
			return ""
		}
		return v.Field(si).String()
	}

	currency := val(idxCurrency)
	var amount Amount
	nonEmpty := 0
	for _, c := range r.cols {
		if c.spec >= 0 && v.Field(c.spec).Len() > 0 {
			nonEmpty++
		}
	}
	params := make([]Param, 0, nonEmpty)
	for _, c := range r.cols {
		if c.spec < 0 {
			continue
		}
		s := &specs[c.spec]
		value := v.Field(c.spec).String()
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
			}
		} else if reason = checkCommon(s, value); reason == "" && s.check != nil {
			reason = s.check(value)
		}
		if reason != "" {
			r.add(line, colPos(c.spec), s.name, reason)
		}
	}
	r.checkRedirects(line, val, colPos)
	r.checkExpiry(line, val, colPos)
	r.checkDestination(line, firstCol, val, colPos)
	r.checkDuplicate(line, val(idxOrderID), colPos(idxOrderID))

	if r.total != startErrs || r.noJobs {
		return Job{}, false
	}
	return Job{ClientOrderID: val(idxOrderID), Amount: amount, Params: params, Line: line}, true
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
