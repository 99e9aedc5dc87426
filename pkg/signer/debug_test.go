package signer_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

// ExampleParseParams reproduces one signed request with a fixed nonce and timestamp, as
// `worker sign --nonce N --timestamp T name=value ...` does.
func ExampleParseParams() {
	params, err := signer.ParseParams([]string{"client_orderid=g-1", "amount=7", "currency=JPY", "account_number=1234567890"})
	if err != nil {
		fmt.Println(err)
		return
	}
	clock, err := signer.ParseTimestamp("1764201601")
	if err != nil {
		fmt.Println(err)
		return
	}
	key, err := signer.ParsePrivateKey(signertest.PrivateKeyPEM())
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := signer.New(key, "GroupMerchant", signer.WithClock(clock), signer.WithNonceSource(signer.FixedNonce("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")))
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := s.Sign("POST", "https://sandbox.connpay.com/paynet/api/v4/payout/group/1042", params)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Body)
	fmt.Println(d.SignatureBase64) // the published vector's: the nonce and timestamp were used
	// Output:
	// client_orderid=g-1&amount=7&currency=JPY&account_number=1234567890
	// oWa0IhII6XgaLYC7pTq3etiwoe97Vt37jFNISqKVUi729ZaDyR8gYZuhBmiYvqC5lQFGth2+J6n+Sv/CvZbApusWbP56elaXSpLTFa7uIXg0NFkx4p+DcKPgyjkR1ZZ0CfRFNT4W+IFTyhCqJYvAYddl5n9JfvwCxGtFK5j9d7dUohc4Hll5HA43Zuro/JdLGejsJQXXjCNC3K9hrxX/El61789ihtjU/8Ak/MJTLBV28Xy83X2CnqIQGBgFosh2LFBDjA4TJrDYiVdYq1qeq3BzEoY0E8iozNKGWodlVS5X7cDAao/qqb/UnA7xPNQw4DavRwGk5Vn432dHbsYFVQ==
}

// ParseParams keeps order and repeats, splits on the first '=', allows any text and empty
// values; it refuses an argument without '=' or with an empty name.
func TestParseParams(t *testing.T) {
	t.Parallel()
	got, err := signer.ParseParams([]string{"b=2", "a==x=y", "b=", "ü=日本 ok&+%"})
	want := []signer.Param{{Name: "b", Value: "2"}, {Name: "a", Value: "=x=y"}, {Name: "b", Value: ""}, {Name: "ü", Value: "日本 ok&+%"}}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	for _, bad := range [][]string{{"orphan"}, {"=v"}, {"a=1", "--json"}} {
		if _, err := signer.ParseParams(bad); !errors.Is(err, signer.ErrInvalidParam) {
			t.Errorf("%q: %v, want ErrInvalidParam", bad, err)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	if c, err := signer.ParseTimestamp("1764201601"); err != nil || c.Now().Unix() != 1764201601 {
		t.Errorf("1764201601: %v, %v", c, err)
	}
	for _, bad := range []string{"yesterday", "-1", "", "1.5"} {
		if _, err := signer.ParseTimestamp(bad); !errors.Is(err, signer.ErrInvalidParam) {
			t.Errorf("%q: %v, want ErrInvalidParam", bad, err)
		}
	}
}
