package job

import (
	"errors"
	"io"
)

// Summary is what ValidateFile found in a whole file.
type Summary struct {
	Source string
	Rows   int    // data rows read, valid or not
	Valid  int    // rows that are valid jobs
	Totals Totals // control totals of the valid rows, per currency, exact
	// Errors is nil for a valid file; else the first errors (up to the cap)
	// and the total count.
	Errors *Errors
	// ErrorRows is how many data rows have at least one error; the other
	// errors (Errors.Total minus those in rows) are about the file or header.
	ErrorRows int
	RowErrors int // errors in data rows
	// Layout is how the file was read (delimiter, header line, mapping).
	Layout Layout
	// Warnings are the first MaxWarnings warnings; WarningTotal counts all.
	Warnings     []*ValidationError
	WarningTotal int
}

// ValidateFile reads the whole CSV in r and returns its Summary. The error is
// the Summary's *Errors (errors.Is(err, ErrInvalidBatch)) when the file has
// any problem, or a read error; nil means every row is a valid job.
func ValidateFile(r io.Reader, source string, opts ...Option) (Summary, error) {
	o := options{maxErrors: DefaultMaxErrors}
	for _, opt := range opts {
		opt(&o)
	}
	rd := NewReader(r, source, opts...)
	s := Summary{Source: source, Totals: Totals{}}
	errs := &Errors{}
	for {
		j, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var ve *ValidationError
		if errors.As(err, &ve) {
			errs.Total++
			if o.maxErrors < 1 || len(errs.List) < o.maxErrors {
				errs.List = append(errs.List, ve)
			}
			continue
		}
		if err != nil {
			s.Rows = rd.Rows()
			return s, err
		}
		s.Valid++
		if err := s.Totals.Add(j.Amount); err != nil {
			errs.Total++
			s.ErrorRows++
			s.RowErrors++
			if o.maxErrors < 1 || len(errs.List) < o.maxErrors {
				errs.List = append(errs.List, &ValidationError{File: source, Line: j.Line, Column: 0, Key: "amount", Reason: "the control total of " + j.Amount.Currency + " overflows"})
			}
		}
	}
	s.Rows = rd.Rows()
	s.Layout = rd.Layout()
	s.Warnings, s.WarningTotal = rd.Warnings()
	s.ErrorRows += rd.badRows
	s.RowErrors += rd.total - rd.fileErrs
	if errs.Total > 0 {
		s.Errors = errs
		return s, errs
	}
	return s, nil
}
