package submit_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/submit"
)

func TestParseResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want submit.Response
		err  error
	}{
		{
			name: "payout page example",
			body: "type=async-response\n&serial-number=00000000-0000-0000-0000-000002e2c322\n&merchant-order-id=1\n&paynet-order-id=6982864\n&end-point-id=39915\n",
			want: submit.Response{Type: "async-response", SerialNumber: "00000000-0000-0000-0000-000002e2c322", MerchantOrderID: "1", OrderID: "6982864", EndpointID: "39915"},
		},
		{
			name: "hyphenated error fields, encoded message",
			body: "type=validation-error\n&error-message=Amount+is+invalid%3A+%22x%22\n&error-code=2\n",
			want: submit.Response{Type: "validation-error", ErrorMessage: `Amount is invalid: "x"`, ErrorCode: "2"},
		},
		{
			name: "underscore error fields",
			body: "type=error\n&error_message=Processing%20failed\n&error_code=PROCESSOR_INTERNAL_ERROR\n&paynet-order-id=7\n",
			want: submit.Response{Type: "error", ErrorMessage: "Processing failed", ErrorCode: "PROCESSOR_INTERNAL_ERROR", OrderID: "7"},
		},
		{
			name: "both spellings: hyphen wins",
			body: "type=error&error_message=under&error-message=hyphen",
			want: submit.Response{Type: "error", ErrorMessage: "hyphen"},
		},
		{
			name: "duplicate key: first wins",
			body: "type=status-response\n&status=processing\n&status=approved\n",
			want: submit.Response{Type: "status-response", Status: "processing"},
		},
		{
			name: "CRLF, no trailing newline, field without value, empty segments",
			body: "type=status-response\r\n&&status=approved&flag&=orphan",
			want: submit.Response{Type: "status-response", Status: "approved"},
		},
		{name: "empty", body: "", err: submit.ErrMalformedResponse},
		{name: "html page", body: "<html><body>Access is denied</body></html>", err: submit.ErrMalformedResponse},
		{name: "bad escape", body: "type=async-response&paynet-order-id=%zz", err: submit.ErrMalformedResponse},
		{name: "empty type", body: "type=\n&status=approved", err: submit.ErrMalformedResponse},
		{name: "too large", body: "type=x&pad=" + strings.Repeat("a", submit.DefaultMaxBodyBytes), err: submit.ErrResponseTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := submit.ParseResponse([]byte(tc.body))
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			raw := got.Raw
			got.Raw = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if raw["type"] != tc.want.Type {
				t.Errorf("Raw lacks type: %v", raw)
			}
		})
	}
}

func TestParseResponseKeepsUnknownFields(t *testing.T) {
	t.Parallel()
	r, err := submit.ParseResponse([]byte("type=status-response\n&status=approved\n&card-ref-id=55\n&new-field=a%0Ab\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Raw["card-ref-id"] != "55" || r.Raw["new-field"] != "a\nb" || len(r.Raw) != 4 {
		t.Errorf("Raw = %q", r.Raw)
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		"type=async-response\n&serial-number=1\n&paynet-order-id=2\n",
		"type=validation-error&error_message=x&error-code=1",
		"type=status-response&status=approved&status=declined",
		"%zz=1", "=&=&", "type", "<html>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := submit.ParseResponse(body)
		if err != nil {
			if !errors.Is(err, submit.ErrMalformedResponse) && !errors.Is(err, submit.ErrResponseTooLarge) {
				t.Fatalf("error %v wraps neither parse sentinel", err)
			}
			return
		}
		if r.Type == "" || r.Raw["type"] != r.Type {
			t.Fatalf("parsed without a type: %+v", r)
		}
		for k, v := range r.Raw {
			if k == "" || k != strings.TrimSpace(k) || v != strings.TrimSpace(v) {
				t.Fatalf("untrimmed field %q=%q", k, v)
			}
		}
		// Deterministic: the same bytes parse the same way.
		r2, _ := submit.ParseResponse(body)
		if r2.Type != r.Type || r2.OrderID != r.OrderID || r2.Status != r.Status || len(r2.Raw) != len(r.Raw) {
			t.Fatalf("non-deterministic parse: %+v vs %+v", r, r2)
		}
	})
}
