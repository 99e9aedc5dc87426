package signer_test

import (
	"fmt"

	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

// ExampleSigner_SignAt signs the "payout-group-endpoint" vector with the test key.
func ExampleSigner_SignAt() {
	pemBytes := signertest.PrivateKeyPEM()
	key, err := signer.ParsePrivateKey(pemBytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := signer.New(key, "GroupMerchant")
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := s.SignAt("POST", "https://sandbox.connpay.com/paynet/api/v4/payout/group/1042", []signer.Param{
		{Name: "client_orderid", Value: "g-1"},
		{Name: "amount", Value: "7"},
		{Name: "currency", Value: "JPY"},
		{Name: "account_number", Value: "1234567890"},
	}, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1764201601)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Body)
	fmt.Println(d.NormalizedParameters)
	fmt.Println(d.SignatureBase64)
	// Output:
	// client_orderid=g-1&amount=7&currency=JPY&account_number=1234567890
	// account_number=1234567890&amount=7&client_orderid=g-1&currency=JPY&oauth_consumer_key=GroupMerchant&oauth_nonce=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&oauth_signature_method=RSA-SHA256&oauth_timestamp=1764201601&oauth_version=1.0
	// oWa0IhII6XgaLYC7pTq3etiwoe97Vt37jFNISqKVUi729ZaDyR8gYZuhBmiYvqC5lQFGth2+J6n+Sv/CvZbApusWbP56elaXSpLTFa7uIXg0NFkx4p+DcKPgyjkR1ZZ0CfRFNT4W+IFTyhCqJYvAYddl5n9JfvwCxGtFK5j9d7dUohc4Hll5HA43Zuro/JdLGejsJQXXjCNC3K9hrxX/El61789ihtjU/8Ak/MJTLBV28Xy83X2CnqIQGBgFosh2LFBDjA4TJrDYiVdYq1qeq3BzEoY0E8iozNKGWodlVS5X7cDAao/qqb/UnA7xPNQw4DavRwGk5Vn432dHbsYFVQ==
}

// ExampleCallbackControl computes and checks a callback's control value (published vector).
func ExampleCallbackControl() {
	control := signer.CallbackControl("approved", "1234567", "hf-abc", "test-merchant-control")
	fmt.Println(control)
	fmt.Println(signer.CheckCallbackControl("approved", "1234567", "hf-abc", "test-merchant-control", control))
	fmt.Println(signer.CheckCallbackControl("declined", "1234567", "hf-abc", "test-merchant-control", control))
	// Output:
	// 652ace404c4dfe8bba069ecee594ec23a89340e1
	// true
	// false
}
