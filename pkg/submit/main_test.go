package submit_test

import (
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/payrun/payrun/internal/testlog"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"github.com/payrun/payrun/pkg/submit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const login = "TestMerchant"

// startSandbox starts a sandbox on loopback for the test.
func startSandbox(t testing.TB, mod func(*sandbox.Options)) *sandbox.Server {
	t.Helper()
	_, pk := signertest.Key(t)
	opts := sandbox.Options{PublicKey: pk, Login: login}
	if mod != nil {
		mod(&opts)
	}
	srv, err := sandbox.Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// newClient builds a client for baseURL with fast test backoff; mod adjusts the options.
func newClient(t testing.TB, baseURL string, mod func(*submit.Options)) (*submit.Client, *testlog.Buffer) {
	t.Helper()
	pk, _ := signertest.Key(t)
	sg, err := signer.New(pk, login)
	if err != nil {
		t.Fatal(err)
	}
	opts := submit.Options{
		BaseURL:    baseURL,
		EndpointID: "39915",
		Login:      login,
		Timeout:    5 * time.Second,
		Backoff:    submit.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond, MaxElapsed: 3 * time.Second},
	}
	if mod != nil {
		mod(&opts)
	}
	logs := &testlog.Buffer{}
	opts.Log = zerolog.New(logs)
	c, err := submit.NewClient(opts, sg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c, logs
}

// payoutParams is a valid payout to account.
func payoutParams(clientOrderID, account string) []signer.Param {
	return []signer.Param{
		{Name: "client_orderid", Value: clientOrderID},
		{Name: "amount", Value: "10.42"},
		{Name: "currency", Value: "USD"},
		{Name: "account_number", Value: account},
		{Name: "order_desc", Value: ""}, // empty: must not be sent
	}
}
