package submit

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Class is the outcome class of a failed call. Each class has one sentinel error.
type Class string

// The outcome classes (see the package doc for what each one means to a payout worker).
const (
	ClassRejected       Class = "rejected"
	ClassGatewayError   Class = "gateway_error"
	ClassAuth           Class = "auth"
	ClassRetryable      Class = "retryable"
	ClassAmbiguous      Class = "ambiguous"
	ClassThrottled      Class = "throttled"
	ClassNotFound       Class = "not_found"
	ClassInvalidRequest Class = "invalid_request"
)

// Sentinels, one per Class; match them with errors.Is.
var (
	ErrRejected       = errors.New("submit: rejected by the gateway (validation-error)")
	ErrGatewayError   = errors.New("submit: gateway error")
	ErrAuth           = errors.New("submit: authentication failed")
	ErrRetryable      = errors.New("submit: request not sent")
	ErrAmbiguous      = errors.New("submit: outcome unknown")
	ErrThrottled      = errors.New("submit: throttled by the gateway")
	ErrNotFound       = errors.New("submit: order not found")
	ErrInvalidRequest = errors.New("submit: invalid request")
)

// ErrForeignAnswer is the cause of an ErrAmbiguous answer that names another order than the one
// the call was about: its merchant-order-id is not the request's client_orderid, or (status) its
// paynet-order-id is not the one asked for. It is no answer about this order at all.
var ErrForeignAnswer = errors.New("submit: the answer is about another order")

var classSentinel = map[Class]error{
	ClassRejected:       ErrRejected,
	ClassGatewayError:   ErrGatewayError,
	ClassAuth:           ErrAuth,
	ClassRetryable:      ErrRetryable,
	ClassAmbiguous:      ErrAmbiguous,
	ClassThrottled:      ErrThrottled,
	ClassNotFound:       ErrNotFound,
	ClassInvalidRequest: ErrInvalidRequest,
}

// Error is the typed error of every failed call. errors.Is(err, ErrXxx) matches its Class;
// Unwrap gives the transport or parse error behind it, if any. It never holds card data or
// key material: Message is masked.
type Error struct {
	Class Class
	// Call is "payout" or "status".
	Call string
	// HTTPStatus is the HTTP status code, 0 when no response was received.
	HTTPStatus int
	// Code and Message are the gateway's error-code and error-message (either spelling).
	// Message has long digit runs masked (last 4 kept) and is at most job.MaxErrorText bytes.
	Code, Message string
	// OrderID is the paynet-order-id when the answer carried one.
	OrderID string
	// SerialNumber is the gateway's serial-number when the answer carried one.
	SerialNumber string
	// RetryAfter is the parsed Retry-After header (429/503), zero when absent.
	RetryAfter time.Duration
	// Attempts is how many HTTP requests the call made (0 when refused before sending).
	Attempts int
	// Err is the underlying cause (transport error, parse error), may be nil.
	Err error
}

// Error renders the class, HTTP status, gateway code/message and cause.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "submit: %s: %s", e.Call, e.Class)
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " code=%s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " message=%q", e.Message)
	}
	if e.OrderID != "" {
		fmt.Fprintf(&b, " paynet-order-id=%s", e.OrderID)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " retry-after=%s", e.RetryAfter)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's class.
func (e *Error) Is(target error) bool {
	s := classSentinel[e.Class]
	return s != nil && target == s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err (an *Error anywhere in its chain), or "" if none.
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ""
}
