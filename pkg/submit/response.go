package submit

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/payrun/payrun/pkg/job"
)

// DefaultMaxBodyBytes bounds a gateway answer read by the client and ParseResponse.
const DefaultMaxBodyBytes = 1 << 20

// Response types the gateway answers with (the `type` field).
const (
	TypeAsyncResponse   = "async-response"
	TypeStatusResponse  = "status-response"
	TypeValidationError = "validation-error"
	TypeError           = "error"
)

// Parse errors; ParseResponse wraps one of them.
var (
	// ErrMalformedResponse: the body is not a form-encoded answer with a `type` field.
	ErrMalformedResponse = errors.New("malformed gateway response")
	// ErrResponseTooLarge: the body exceeds the size bound.
	ErrResponseTooLarge = errors.New("gateway response too large")
)

// Response is one parsed gateway answer. Well-known fields are lifted out; Raw holds every
// field received (trimmed), known or not.
type Response struct {
	Type            string // type
	Status          string // status (status-response)
	OrderID         string // paynet-order-id
	MerchantOrderID string // merchant-order-id (= client_orderid)
	SerialNumber    string // serial-number
	EndpointID      string // end-point-id
	ErrorCode       string // error-code or error_code, through job.MaskText
	ErrorMessage    string // error-message or error_message, through job.MaskText
	Raw             map[string]string
}

// ParseResponse parses a form-encoded gateway answer such as
// "type=async-response\n&serial-number=...\n&paynet-order-id=6982864\n".
//
// Rules: fields are split on '&', names and values are form-decoded ('+' is a space, %XX
// escapes), then surrounding whitespace (the gateway's trailing "\n", a "\r") is trimmed from
// both. A field without '=' has an empty value; empty names are skipped. When a name repeats
// the FIRST value wins (later ones are ignored). For the fields that have two spellings
// (error-message/error_message, error-code/error_code) the hyphenated one wins when both are
// present. A body larger than DefaultMaxBodyBytes, an invalid escape, or a missing or empty
// `type` is an error wrapping ErrResponseTooLarge or ErrMalformedResponse. It never panics.
func ParseResponse(body []byte) (Response, error) { return parseResponse(body, DefaultMaxBodyBytes) }

// parseResponse is ParseResponse with a size bound.
func parseResponse(body []byte, limit int64) (Response, error) {
	if int64(len(body)) > limit {
		return Response{}, fmt.Errorf("submit: parse response: %w: %d bytes", ErrResponseTooLarge, len(body))
	}
	raw := make(map[string]string)
	for field := range strings.SplitSeq(string(body), "&") {
		name, value, _ := strings.Cut(field, "=")
		n, err := url.QueryUnescape(strings.TrimSpace(name))
		if err != nil {
			return Response{}, fmt.Errorf("submit: parse response: %w: bad field name escape", ErrMalformedResponse)
		}
		v, err := url.QueryUnescape(strings.TrimSpace(value))
		if err != nil {
			return Response{}, fmt.Errorf("submit: parse response: %w: bad value escape in %q", ErrMalformedResponse, printable(n))
		}
		n, v = strings.TrimSpace(n), strings.TrimSpace(v)
		if n == "" {
			continue
		}
		if _, dup := raw[n]; !dup {
			raw[n] = v
		}
	}
	r := Response{
		Type:            raw["type"],
		Status:          raw["status"],
		OrderID:         raw["paynet-order-id"],
		MerchantOrderID: raw["merchant-order-id"],
		SerialNumber:    raw["serial-number"],
		EndpointID:      raw["end-point-id"],
		// Texts the gateway writes may echo card or account numbers, escapes or controls.
		ErrorCode:    job.MaskText(first(raw, "error-code", "error_code")),
		ErrorMessage: job.MaskText(first(raw, "error-message", "error_message")),
		Raw:          raw,
	}
	if r.Type == "" {
		return Response{}, fmt.Errorf("submit: parse response: %w: no type field", ErrMalformedResponse)
	}
	return r, nil
}

// first returns the value of the first of names present in m.
func first(m map[string]string, names ...string) string {
	for _, n := range names {
		if v, ok := m[n]; ok {
			return v
		}
	}
	return ""
}

// printable shortens and sanitises a field name for an error message.
func printable(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.ToValidUTF8(s, "?")
}
