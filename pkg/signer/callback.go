package signer

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
)

// CallbackControl returns the callback control value: lowercase hex
// SHA-1(status + orderID + merchantOrder + controlKey). The control key is the merchant's
// shared secret from onboarding, not the RSA key.
func CallbackControl(status, orderID, merchantOrder, controlKey string) string {
	h := sha1.New()
	h.Write([]byte(status))
	h.Write([]byte(orderID))
	h.Write([]byte(merchantOrder))
	h.Write([]byte(controlKey))
	return hex.EncodeToString(h.Sum(nil))
}

// CheckCallbackControl reports whether control matches CallbackControl for the other values,
// in constant time. Hex case is not significant.
func CheckCallbackControl(status, orderID, merchantOrder, controlKey, control string) bool {
	want := CallbackControl(status, orderID, merchantOrder, controlKey)
	got, err := hex.DecodeString(control)
	if err != nil || len(got) != sha1.Size {
		return false
	}
	wantBytes, _ := hex.DecodeString(want)
	return subtle.ConstantTimeCompare(got, wantBytes) == 1
}
