// Package queuetest starts an embedded JetStream server for tests of any package.
package queuetest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/queue"
)

// Start runs an embedded nats-server (JetStream, sync_interval: always, random loopback port,
// store in t.TempDir()) and connects a client to it. Cleanup closes the client and shuts the
// server down. The client reconnects forever, so tests can stop and Restart the server.
func Start(t testing.TB) (*queue.EmbeddedServer, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatalf("queuetest: start embedded server: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	nc, js := Connect(t, srv)
	return srv, nc, js
}

// Connect opens another client to srv, closed at cleanup.
func Connect(t testing.TB, srv *queue.EmbeddedServer) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	return ConnectURL(t, srv.ClientURL())
}

// Provision provisions the default names and settings on js and returns the handles.
func Provision(t testing.TB, js jetstream.JetStream) *queue.Handles {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := queue.Provision(ctx, js, queue.DefaultNames(), queue.DefaultSettings())
	if err != nil {
		t.Fatalf("queuetest: provision: %v", err)
	}
	return h
}

// Restart stops srv and starts it again on the same port and store directory (an outage).
// Connected clients reconnect on their own.
func Restart(t testing.TB, srv *queue.EmbeddedServer) {
	t.Helper()
	if err := srv.Restart(); err != nil {
		t.Fatalf("queuetest: restart embedded server: %v", err)
	}
}

// WaitConnected polls until nc is connected again (after a Restart) or the deadline passes.
func WaitConnected(t testing.TB, nc *nats.Conn, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !nc.IsConnected() {
		if time.Now().After(deadline) {
			t.Fatalf("queuetest: client not reconnected within %s", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
