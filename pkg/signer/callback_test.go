package signer

import (
	"strings"
	"testing"
)

func TestCallbackControl(t *testing.T) {
	t.Parallel()
	const key = "test-merchant-control"
	tests := []struct{ status, orderID, merchantOrder, want string }{
		{"approved", "1234567", "hf-abc", "652ace404c4dfe8bba069ecee594ec23a89340e1"},
		{"", "", "", "1a66987ac24e927ff2979f83a41cb818936a9e62"},
	}
	for _, tt := range tests {
		if got := CallbackControl(tt.status, tt.orderID, tt.merchantOrder, key); got != tt.want {
			t.Errorf("CallbackControl(%q,%q,%q) = %s, want %s", tt.status, tt.orderID, tt.merchantOrder, got, tt.want)
		}
		if !CheckCallbackControl(tt.status, tt.orderID, tt.merchantOrder, key, tt.want) {
			t.Errorf("Check rejects the published control %s", tt.want)
		}
		if !CheckCallbackControl(tt.status, tt.orderID, tt.merchantOrder, key, strings.ToUpper(tt.want)) {
			t.Errorf("Check rejects uppercase hex")
		}
		for _, bad := range []string{"", tt.want[:39], tt.want + "0", "zz" + tt.want[2:], flipHex(tt.want, 0), flipHex(tt.want, 39)} {
			if CheckCallbackControl(tt.status, tt.orderID, tt.merchantOrder, key, bad) {
				t.Errorf("Check accepts %q", bad)
			}
		}
		if CheckCallbackControl(tt.status, tt.orderID, tt.merchantOrder, key+"x", tt.want) {
			t.Errorf("Check accepts the control with another key")
		}
	}
}

// flipHex changes the hex digit at i to another hex digit.
func flipHex(s string, i int) string {
	c := byte('0')
	if s[i] == '0' {
		c = '1'
	}
	return s[:i] + string(c) + s[i+1:]
}
