package sandbox_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"github.com/payrun/payrun/pkg/submit"
)

// A sandbox on loopback, a payout whose answer is dropped after the order was committed, and
// what the counters then show.
func ExampleStart() {
	pemBytes := signertest.PrivateKeyPEM()
	key, err := signer.ParsePrivateKey(pemBytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := sandbox.Start("127.0.0.1:0", sandbox.Options{PublicKey: &key.PublicKey, Login: "TestMerchant"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.FailNth(sandbox.CallPayout, 1, sandbox.FaultDropAfter)

	sg, err := signer.New(key, "TestMerchant")
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := submit.NewClient(submit.Options{BaseURL: srv.URL(), EndpointID: "39915", Login: "TestMerchant"}, sg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	_, err = client.Payout(context.Background(), []signer.Param{
		{Name: "client_orderid", Value: "row-1"}, {Name: "amount", Value: "10.00"},
		{Name: "currency", Value: "USD"}, {Name: "account_number", Value: "1234567890"},
	})
	fmt.Println("client sees ambiguous:", errors.Is(err, submit.ErrAmbiguous))

	st := srv.Stats()
	fmt.Println("orders:", st.Orders, "duplicates:", st.Duplicates, "dropped:", st.Faults["drop-after"])
	fmt.Println("payouts for row-1:", srv.PayoutCount("row-1"))
	// Output:
	// client sees ambiguous: true
	// orders: 1 duplicates: 0 dropped: 1
	// payouts for row-1: 1
}
