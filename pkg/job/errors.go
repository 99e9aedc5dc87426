package job

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidBatch is matched (errors.Is) by every *ValidationError and by
// *Errors: the file must not be enqueued.
var ErrInvalidBatch = errors.New("invalid batch")

// ErrUnknownVersion is returned by the Decode functions for a message whose
// schema version this build does not read.
var ErrUnknownVersion = errors.New("unknown message version")

// ErrInvalidAmount is matched by every error of ParseAmount.
var ErrInvalidAmount = errors.New("invalid amount")

// ValidationError is one problem in a batch file. Line and Column are
// 1-based; Column counts bytes from the start of the line (as editors and
// encoding/csv do) and points at the start of the field. Line is 1 for
// problems of the header. Key is the parameter (column) name, "destination"
// for the payout-destination rule, or empty for CSV syntax errors. Reason
// never holds a full card or account number.
type ValidationError struct {
	File   string
	Line   int
	Column int
	Key    string
	Reason string
}

// Error formats the problem as "file:line:col: key: reason".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Line))
	if e.Column > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Column))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// didYouMean starts the suggestion that ends some reasons: "<problem>; did you mean <x>?".
const didYouMean = "; did you mean "

// Suggestion splits Reason into the problem and the suggested correction ("" when there is none),
// for a table that shows them apart: "unknown column "amout"; did you mean "amount"?" is
// (`unknown column "amout"`, `"amount"`).
func (e *ValidationError) Suggestion() (problem, suggestion string) {
	if i := strings.LastIndex(e.Reason, didYouMean); i >= 0 && strings.HasSuffix(e.Reason, "?") {
		return e.Reason[:i], e.Reason[i+len(didYouMean) : len(e.Reason)-1]
	}
	return e.Reason, ""
}

// Is reports that a validation error makes the batch invalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidBatch }

// Errors is the aggregate of a file's validation errors: the first ones (up
// to the cap) and the total count. It matches ErrInvalidBatch.
type Errors struct {
	List  []*ValidationError // first errors, in file order
	Total int                // every error found, Total >= len(List)
}

// Error prints one problem per line, then how many were left out.
func (e *Errors) Error() string {
	var b strings.Builder
	for i, v := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(v.Error())
	}
	if more := e.Total - len(e.List); more > 0 {
		if len(e.List) > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "... and %d more errors", more)
	}
	return b.String()
}

// Is matches ErrInvalidBatch.
func (e *Errors) Is(target error) bool { return target == ErrInvalidBatch }

// Unwrap gives the listed errors to errors.As.
func (e *Errors) Unwrap() []error {
	out := make([]error, len(e.List))
	for i, v := range e.List {
		out[i] = v
	}
	return out
}

// AmountError is the error of ParseAmount; it matches ErrInvalidAmount.
type AmountError struct {
	Input    string // as shown in messages: digit runs masked, shortened
	Currency string // as given
	Reason   string
}

func (e *AmountError) Error() string {
	return "job: parse amount " + strconv.Quote(e.Input) + " " + strconv.Quote(safeValue(e.Currency)) + ": " + e.Reason
}

// Is matches ErrInvalidAmount.
func (e *AmountError) Is(target error) bool { return target == ErrInvalidAmount }
