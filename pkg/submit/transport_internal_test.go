package submit

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestDefaultTransportSpeaksHTTP1Only: Go's HTTP/2 client re-sends a request whose body it
// can rewind after a RST_STREAM(PROTOCOL_ERROR) from the server, which does not prove the
// request was not processed: for a payout that is a second payout the client never sees. The
// default transport therefore never negotiates HTTP/2, even with a server that offers it.
func TestDefaultTransportSpeaksHTTP1Only(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	o, err := Options{BaseURL: srv.URL + "/paynet", EndpointID: "1", Login: "l"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	hc := o.httpClient()
	t.Cleanup(hc.CloseIdleConnections)
	tr, ok := hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("default transport is %T", hc.Transport)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}

	// The test server does speak HTTP/2 to a client that asks for it.
	if res, err := srv.Client().Get(srv.URL); err != nil || res.ProtoMajor != 2 {
		t.Fatalf("test server without HTTP/2: %v", err)
	} else {
		res.Body.Close()
	}
	res, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.ProtoMajor != 1 {
		t.Fatalf("default transport negotiated %s; want HTTP/1.1 only", res.Proto)
	}
}
