package submit_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"github.com/payrun/payrun/pkg/submit"
)

// exampleSetup starts a sandbox and returns a client for it (examples use the test key).
func exampleSetup() (*submit.Client, *sandbox.Server, error) {
	pemBytes := signertest.PrivateKeyPEM()
	key, err := signer.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, nil, err
	}
	srv, err := sandbox.Start("127.0.0.1:0", sandbox.Options{PublicKey: &key.PublicKey, Login: "TestMerchant"})
	if err != nil {
		return nil, nil, err
	}
	sg, err := signer.New(key, "TestMerchant")
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	c, err := submit.NewClient(submit.Options{
		BaseURL:    srv.URL(), // e.g. https://sandbox.connpay.com/paynet
		EndpointID: "39915",
		Login:      "TestMerchant",
		// The sandbox's answer for an unknown order; confirm a real gateway's with ConnPay.
		NotFoundCodes: []string{sandbox.NotFoundCode},
	}, sg)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	return c, srv, nil
}

// A payout, then the status lookup that tells its final outcome.
func ExampleClient_Payout() {
	c, srv, err := exampleSetup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	defer c.CloseIdleConnections()
	ctx := context.Background()

	res, err := c.Payout(ctx, []signer.Param{
		{Name: "client_orderid", Value: "payroll-2026-11-0001"},
		{Name: "amount", Value: "1500.00"},
		{Name: "currency", Value: "EUR"},
		{Name: "account_number", Value: "0987654321"},
	})
	switch {
	case errors.Is(err, submit.ErrAmbiguous):
		fmt.Println("unknown outcome: look the order up by client_orderid before any resend")
		return
	case err != nil:
		fmt.Println("not paid:", submit.ClassOf(err))
		return
	}
	fmt.Println("accepted, order", res.OrderID)

	st, err := c.Status(ctx, submit.StatusQuery{ClientOrderID: "payroll-2026-11-0001", OrderID: res.OrderID})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("status:", st.Status, "final:", st.Final, "code:", st.ErrorCode)
	// Output:
	// accepted, order 6982865
	// status: declined final: true code: DECLINED
}

// Looking up an order the gateway does not know.
func ExampleClient_Status_notFound() {
	c, srv, err := exampleSetup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	defer c.CloseIdleConnections()

	_, err = c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "never-sent"})
	fmt.Println(errors.Is(err, submit.ErrNotFound), submit.ClassOf(err))
	// Output:
	// true not_found
}

// Classifying any failure for the worker's decision.
func ExampleClassOf() {
	err := error(&submit.Error{Class: submit.ClassAmbiguous, Call: submit.CallPayout, HTTPStatus: 502})
	wrapped := fmt.Errorf("pay row 7: %w", err)
	fmt.Println(submit.ClassOf(wrapped), errors.Is(wrapped, submit.ErrAmbiguous), errors.Is(wrapped, submit.ErrRetryable))
	fmt.Println(wrapped)
	// Output:
	// ambiguous true false
	// pay row 7: submit: payout: ambiguous (HTTP 502)
}
